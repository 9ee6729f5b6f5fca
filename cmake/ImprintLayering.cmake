# Layering is enforced twice:
#  1. by the link graph: each layer's library links only the layers below it, so a call
#     into a higher layer is an undefined symbol;
#  2. by an include check that runs before each layer compiles: a header of a forbidden
#     layer or Qt module (reachable through Qt's common include root, e.g. <QtWidgets/QWidget>)
#     fails the build with the file and line.
set(IMPRINT_LAYERING_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/CheckLayering.cmake")

# imprint_check_layering(<target> FORBID <regex>...)
# Every .h/.cpp below the current source directory is scanned for #include lines
# matching any of the regular expressions.
function(imprint_check_layering target)
  cmake_parse_arguments(ARG "" "" "FORBID" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS
       "${CMAKE_CURRENT_SOURCE_DIR}/*.h" "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  string(JOIN "|" pattern ${ARG_FORBID})
  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/${target}.layering.stamp")
  add_custom_command(OUTPUT "${stamp}"
    COMMAND "${CMAKE_COMMAND}" "-DLAYER=${target}" "-DFORBID=${pattern}"
            "-DDIR=${CMAKE_CURRENT_SOURCE_DIR}" "-DSTAMP=${stamp}" -P "${IMPRINT_LAYERING_SCRIPT}"
    DEPENDS ${sources} "${IMPRINT_LAYERING_SCRIPT}"
    COMMENT "Checking the includes of ${target} against the layering rules"
    VERBATIM)
  add_custom_target(${target}_layering DEPENDS "${stamp}")
  add_dependencies(${target} ${target}_layering)
endfunction()

# Forbidden include patterns, by layer. Shared so the rules live in one place.
set(IMPRINT_FORBID_GUI   "[<\"]Qt(Gui|Widgets|Charts|OpenGL|OpenGLWidgets)/" "[<\"]ui/")
set(IMPRINT_FORBID_UPPER "[<\"]app/")
