# Installation layout and the Debian package (CPack), included from the top CMakeLists.txt.
#
#   cmake -S . -B build/deb -DCMAKE_BUILD_TYPE=Release -DOFC_PACKAGE=ON -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build/deb && (cd build/deb && cpack)      -> ofconsole_<version>_amd64.deb
#
# Man pages are generated from each subcommand's --help by help2man, so they never drift from
# the program; the package build needs help2man (scripts/setup installs it).
include(GNUInstallDirs)

install(FILES ${PROJECT_SOURCE_DIR}/static/index.html ${PROJECT_SOURCE_DIR}/static/app.js
              ${PROJECT_SOURCE_DIR}/static/app.css ${PROJECT_SOURCE_DIR}/static/trend.js
              ${PROJECT_SOURCE_DIR}/static/commands.js ${PROJECT_SOURCE_DIR}/static/keystore.js
              ${PROJECT_SOURCE_DIR}/static/signing.js
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ofconsole/static)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/command-signing.md
              ${PROJECT_SOURCE_DIR}/docs/snapshot-format.md ${PROJECT_SOURCE_DIR}/docs/sim.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

if(NOT OFC_PACKAGE)
  return()
endif()

# Paths under /etc and the systemd unit directory are absolute on purpose: Debian's layout.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/../etc/ofc.conf DESTINATION /etc/ofconsole)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/../etc/default-ofconsole DESTINATION /etc/default
        RENAME ofconsole)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/../systemd/ofc-web.service
              ${CMAKE_CURRENT_LIST_DIR}/../systemd/ofc-web@.service
        DESTINATION /lib/systemd/system)

# Debian wants the copyright notice and a compressed changelog in the doc directory.
set(OFC_DEB_DOC ${CMAKE_BINARY_DIR}/deb-doc)
file(MAKE_DIRECTORY ${OFC_DEB_DOC})
add_custom_command(
  OUTPUT ${OFC_DEB_DOC}/changelog.gz
  COMMAND sh -c "gzip -9n -c \"$1\" > \"$2\"" gzip ${CMAKE_CURRENT_LIST_DIR}/../debian/changelog
          ${OFC_DEB_DOC}/changelog.gz
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/../debian/changelog
  VERBATIM)
install(FILES ${OFC_DEB_DOC}/changelog.gz ${CMAKE_CURRENT_LIST_DIR}/../debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Man pages: ofc(1) and ofc-<command>(1), from --help.
find_program(HELP2MAN help2man REQUIRED)
set(OFC_MAN_DIR ${CMAKE_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${OFC_MAN_DIR})
set(OFC_MAN_PAGES ${OFC_MAN_DIR}/ofc.1.gz)
add_custom_command(
  OUTPUT ${OFC_MAN_DIR}/ofc.1.gz
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr --name "operator console for OpenFactory plants"
          --output ${OFC_MAN_DIR}/ofc.1 $<TARGET_FILE:ofc>
  COMMAND gzip -9nf ${OFC_MAN_DIR}/ofc.1
  DEPENDS ofc
  VERBATIM)
set(OFC_MAN_COMMANDS
    "broker|embedded in-memory Kafka broker for tests and demos"
    "sim|virtual OpenFactory plant producing to Kafka"
    "snapshot|print the whole plant model as JSON"
    "watch|print plant changes as they happen"
    "config|show the effective configuration"
    "tui|the operator console on a terminal"
    "web|serve the live plant to browsers"
    "keygen|make an operator signing key pair"
    "send|sign and send one command"
    "verify|check command records against a trust store"
    "health|ask a running ofc web whether it is healthy")
foreach(entry IN LISTS OFC_MAN_COMMANDS)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 cmd)
  list(GET parts 1 summary)
  # help2man runs a program; a two-line wrapper makes `ofc <cmd>` one.
  set(wrapper ${OFC_MAN_DIR}/ofc-${cmd})
  file(GENERATE OUTPUT ${wrapper} CONTENT "#!/bin/sh\nexec \"$<TARGET_FILE:ofc>\" ${cmd} \"$@\"\n"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                        WORLD_EXECUTE)
  add_custom_command(
    OUTPUT ${OFC_MAN_DIR}/ofc-${cmd}.1.gz
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            --name "${summary}" --output ${OFC_MAN_DIR}/ofc-${cmd}.1 ${wrapper}
    COMMAND gzip -9nf ${OFC_MAN_DIR}/ofc-${cmd}.1
    DEPENDS ofc ${wrapper}
    VERBATIM)
  list(APPEND OFC_MAN_PAGES ${OFC_MAN_DIR}/ofc-${cmd}.1.gz)
endforeach()
add_custom_target(ofc_man ALL DEPENDS ${OFC_MAN_PAGES} ${OFC_DEB_DOC}/changelog.gz)
install(FILES ${OFC_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ofconsole)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "ofconsole developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "operator console for OpenFactory plants")
# CPack writes the summary as the synopsis line and indents each description line itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "ofconsole reads an OpenFactory cluster's Kafka topics and keeps a live\nmodel of the plant: the Unified Namespace tree, attributes with trends,\nconditions and alarms, methods, availability. It offers a terminal console\n(ofc tui), a web dashboard (ofc web, with a systemd service), scripting tools\n(ofc snapshot, ofc watch) and commands signed with each operator's Ed25519\nkey (ofc send, ofc verify).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ofconsole developers <ofconsole@lists.example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/openfactoryio")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/../debian/postinst ${CMAKE_CURRENT_LIST_DIR}/../debian/prerm
    ${CMAKE_CURRENT_LIST_DIR}/../debian/postrm ${CMAKE_CURRENT_LIST_DIR}/../debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
