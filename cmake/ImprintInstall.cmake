# What `cmake --install` and the Debian package put on a station, besides the four programs
# (their install(TARGETS) rules live next to them in app/*/CMakeLists.txt):
#   share/imprint/{samples,templates}   sample work order, provisioning templates
#   share/imprint/demo                  the demo script (programs from PATH when installed)
#   share/man/man1/*.1.gz               man pages generated from each program's own --help
#   share/applications, icons, metainfo desktop integration
#   share/doc/imprint                   README, docs/, copyright, changelog
#   lib/udev/rules.d/60-imprint.rules   group "imprint" owns the fixture's adapters and HSMs
# The programs find installed data relative to themselves (bin/../share/imprint), so a build-tree
# run and an installed one both work without configuration.
include(GNUInstallDirs)

set(IMPRINT_PACKAGE_MAINTAINER "Imprint developers <imprint@example.org>" CACHE STRING
    "Maintainer named in the Debian package and its changelog")

set(imprint_share "${CMAKE_INSTALL_DATADIR}/imprint")
set(imprint_doc "${CMAKE_INSTALL_DATADIR}/doc/imprint")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/resources/samples" "${PROJECT_SOURCE_DIR}/resources/templates"
        DESTINATION "${imprint_share}" COMPONENT Runtime)
install(PROGRAMS "${PROJECT_SOURCE_DIR}/installer/demo" DESTINATION "${imprint_share}" COMPONENT Runtime)

# Desktop integration (the metainfo carries the project's version).
configure_file("${PROJECT_SOURCE_DIR}/resources/io.github.imprint_station.Imprint.metainfo.xml"
               "${PROJECT_BINARY_DIR}/package/io.github.imprint_station.Imprint.metainfo.xml" @ONLY)
install(FILES "${PROJECT_SOURCE_DIR}/resources/imprint.desktop"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/applications" COMPONENT Runtime)
install(FILES "${PROJECT_SOURCE_DIR}/resources/imprint.svg"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps" COMPONENT Runtime)
install(FILES "${PROJECT_BINARY_DIR}/package/io.github.imprint_station.Imprint.metainfo.xml"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo" COMPONENT Runtime)

# Documentation, the copyright file and a changelog (a native package: changelog.gz).
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/installer/debian/copyright"
        DESTINATION "${imprint_doc}" COMPONENT Runtime)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${imprint_doc}" COMPONENT Runtime)
configure_file("${PROJECT_SOURCE_DIR}/installer/debian/changelog.in" "${PROJECT_BINARY_DIR}/package/changelog" @ONLY)
execute_process(COMMAND gzip -9nc "${PROJECT_BINARY_DIR}/package/changelog"
                OUTPUT_FILE "${PROJECT_BINARY_DIR}/package/changelog.gz" COMMAND_ERROR_IS_FATAL ANY)
install(FILES "${PROJECT_BINARY_DIR}/package/changelog.gz" DESTINATION "${imprint_doc}" COMPONENT Runtime)

# Device access without root. Debian 12 keeps udev rules in /lib/udev/rules.d (the udev.pc udevdir).
set(IMPRINT_UDEV_RULES_DIR "/lib/udev/rules.d" CACHE PATH "Where the udev rule is installed")
install(FILES "${PROJECT_SOURCE_DIR}/installer/debian/60-imprint.rules"
        DESTINATION "${IMPRINT_UDEV_RULES_DIR}" COMPONENT Runtime)

# Man pages from the programs' own --help, at build time (installer/gen-manpage).
find_program(IMPRINT_PYTHON3 NAMES python3 HINTS /usr/bin REQUIRED)
set(imprint_man_dir "${PROJECT_BINARY_DIR}/man")
file(MAKE_DIRECTORY "${imprint_man_dir}")
set(imprint_man_pages "")
function(imprint_man_page target summary)
  cmake_parse_arguments(ARG "COMMANDS" "EXTRA" "" ${ARGN})
  set(page "${imprint_man_dir}/${target}.1")
  set(options --extra "${ARG_EXTRA}")
  if(ARG_COMMANDS)
    list(APPEND options --commands)
  endif()
  add_custom_command(
    OUTPUT "${page}" "${page}.gz"
    COMMAND "${CMAKE_COMMAND}" -E env "IMPRINT_DATA_DIR=${imprint_man_dir}/data" "HOME=${imprint_man_dir}/data"
            "${IMPRINT_PYTHON3}" "${PROJECT_SOURCE_DIR}/installer/gen-manpage"
            --program "$<TARGET_FILE:${target}>" --name "${target}" --version "${PROJECT_VERSION}"
            --summary "${summary}" --out "${page}" ${options}
    DEPENDS "${target}" "${PROJECT_SOURCE_DIR}/installer/gen-manpage" "${ARG_EXTRA}"
    COMMENT "Man page ${target}(1) from ${target} --help"
    VERBATIM)
  set(imprint_man_pages ${imprint_man_pages} "${page}.gz" PARENT_SCOPE)
  install(FILES "${page}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT Runtime)
endfunction()

set(imprint_see_also "${PROJECT_SOURCE_DIR}/installer/man/see-also.man")
imprint_man_page(imprint-cli "command line of the Imprint provisioning station"
                 COMMANDS EXTRA "${PROJECT_SOURCE_DIR}/installer/man/imprint-cli.extra.man")
imprint_man_page(imprint "the Imprint provisioning station's window" EXTRA "${imprint_see_also}")
imprint_man_page(imprint-devsim "simulated provisioning devices on pseudo-terminals" EXTRA "${imprint_see_also}")
imprint_man_page(imprint-iot-emulator "local AWS IoT control plane and device endpoint for tests and demos"
                 EXTRA "${imprint_see_also}")
add_custom_target(imprint_man_pages ALL DEPENDS ${imprint_man_pages})
