# Installs what makes airelays feel like an installed tool rather than a build product: shell
# completions, the man page, the example configuration and the systemd user unit.
#
# Every destination is a cache variable with the Debian convention as its default, so a
# packager overrides one path instead of patching this file (the Homebrew formula passes its
# bash_completion/zsh_completion/fish_completion dirs). Relative paths are under the prefix.

# --- shell completions (thin scripts that call `airelays __complete`) -----------------------
set(AIRELAYS_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
  CACHE PATH "Where the bash completion script is installed")
set(AIRELAYS_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
  CACHE PATH "Where the zsh completion function is installed")
set(AIRELAYS_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
  CACHE PATH "Where the fish completion script is installed")
install(FILES ${PROJECT_SOURCE_DIR}/completions/airelays.bash
  DESTINATION ${AIRELAYS_BASH_COMPLETION_DIR} RENAME airelays)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_airelays DESTINATION ${AIRELAYS_ZSH_COMPLETION_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/completions/airelays.fish DESTINATION ${AIRELAYS_FISH_COMPLETION_DIR})

# --- man page: generated from --help at build time, so it cannot drift from the CLI ---------
find_program(AIRELAYS_HELP2MAN help2man)
if(AIRELAYS_HELP2MAN)
  set(airelays_man ${PROJECT_BINARY_DIR}/airelays.1)
  add_custom_command(OUTPUT ${airelays_man}
    COMMAND ${CMAKE_COMMAND} -DAIRELAYS=$<TARGET_FILE:airelays> -DHELP2MAN=${AIRELAYS_HELP2MAN}
      -DVERSION=${PROJECT_VERSION} -DOUTPUT=${airelays_man}
      -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS airelays ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Generating the airelays(1) man page with help2man"
    VERBATIM)
  add_custom_target(man ALL DEPENDS ${airelays_man})
  install(FILES ${airelays_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "airelays: help2man not found: the man page will not be built or installed")
endif()

# --- example configuration ----------------------------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/config.example.toml DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

# --- systemd user unit (Linux): ExecStart points at the binary where it is installed --------
# The unit is rewritten at install time, so `cmake --install --prefix X` and DESTDIR installs
# both get an ExecStart that names X/bin/airelays (the packaged /usr/bin/airelays for Debian).
if(NOT APPLE)
  set(AIRELAYS_SYSTEMD_USER_UNIT_DIR "lib/systemd/user"
    CACHE PATH "Where the systemd user unit is installed")
  set(airelays_unit_src ${PROJECT_SOURCE_DIR}/packaging/systemd/airelays.service)
  set(airelays_unit_out ${PROJECT_BINARY_DIR}/install-unit/airelays.service)
  install(CODE "
    file(READ \"${airelays_unit_src}\" unit)
    string(REPLACE \"/usr/bin/airelays\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/airelays\" unit \"\${unit}\")
    file(WRITE \"${airelays_unit_out}\" \"\${unit}\")
  ")
  install(FILES ${airelays_unit_out} DESTINATION ${AIRELAYS_SYSTEMD_USER_UNIT_DIR})
endif()

# --- user documentation (getting started, security, troubleshooting, …) ---------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md")
