#include <QTest>
class TestCaCli : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestCaCli)
#include "tst_cacli.moc"
