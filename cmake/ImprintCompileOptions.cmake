# Compiler settings shared by every Imprint target, carried by one INTERFACE target
# so that flags are per target rather than global.
add_library(imprint_compile_options INTERFACE)
add_library(Imprint::CompileOptions ALIAS imprint_compile_options)

target_compile_options(imprint_compile_options INTERFACE
  -Wall -Wextra -Wpedantic
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough -Wundef
  $<$<CXX_COMPILER_ID:GNU>:-Wmisleading-indentation -Wduplicated-cond -Wlogical-op>
  -fstack-protector-strong)

if(IMPRINT_WERROR)
  target_compile_options(imprint_compile_options INTERFACE -Werror)
endif()

# Qt's strict macros: no implicit const char* <-> QString, no bare signals/slots keywords.
target_compile_definitions(imprint_compile_options INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_CAST_FROM_BYTEARRAY
  QT_NO_KEYWORDS QT_NO_FOREACH QT_NO_URL_CAST_FROM_STRING
  QT_USE_QSTRINGBUILDER QT_STRICT_ITERATORS
  OPENSSL_API_COMPAT=30000)  # libp11.h needs the 3.0-deprecated RSA_METHOD declarations

if(IMPRINT_SANITIZE)
  target_compile_options(imprint_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(imprint_compile_options INTERFACE -fsanitize=address,undefined)
endif()
