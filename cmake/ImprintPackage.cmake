# The station's Debian package: `cmake --build <build> --target package` writes
# <build>/imprint_<version>_<arch>.deb from the install rules (cmake/ImprintInstall.cmake and the
# programs' own). Checked by installer/check-package (lintian, install, demo, removal).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME imprint)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")     # the project's single version number
set(CPACK_PACKAGE_VENDOR "The Imprint developers")
set(CPACK_PACKAGE_CONTACT "${IMPRINT_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "factory provisioning station for IoT fleets")
# CPack puts the summary above this as the synopsis line. (No double quotes: CPack mangles them.)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Imprint gives every device on a production line a unique identity: a key
pair, an X.509 certificate from the company's CA whose key stays in an HSM
(PKCS#11), and a record in AWS IoT Core, and keeps an append-only SQLite
audit of every unit.
.
This package has the technicians' window (imprint), the line engineers'
command line (imprint-cli), a device simulator and a local AWS IoT emulator
for trials, the demo, and a udev rule that gives the group imprint access to
USB serial adapters and USB HSMs, so the station never needs root.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)              # imprint_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)               # Depends from the binaries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# Not found by dpkg-shlibdeps: adduser for postinst, and Qt's SQLite driver (a plugin, loaded at
# run time; the xcb and offscreen platforms come with libqt6gui6).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite")
# SoftHSM2 for the development token and the demo, OpenSC's PKCS#11 module for smart-card
# HSMs, the AWS CLI as the reference peer, sqlite3 to back up the audit database.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "softhsm2, opensc, awscli, sqlite3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto-clients, p11-kit")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/installer/debian/postinst" "${PROJECT_SOURCE_DIR}/installer/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
include(CPack)
