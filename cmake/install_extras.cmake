# Installs what makes airelays feel like an installed tool rather than a build product: shell
# completions, the man page, the example configuration and the systemd user unit.
#
# Every destination is a cache variable with the Debian convention as its default, so a
# packager overrides one path instead of patching this file (the Homebrew formula passes its
# bash_completion/zsh_completion/fish_completion dirs). Relative paths are under the prefix.

# --- shell completions (thin scripts that call `airelays __complete`) -----------------------
# Each goes where its shell looks. bash-completion reads <prefix>/share/bash-completion for
# /usr and /usr/local alike. zsh's default fpath has /usr/share/zsh/vendor-completions (Debian's
# place for packages) and /usr/local/share/zsh/site-functions (for local installs), so the zsh
# directory follows the prefix at install time unless AIRELAYS_ZSH_COMPLETION_DIR is given.
# fish reads /usr/share/fish/vendor_completions.d, and <prefix>/share/fish/... only when
# XDG_DATA_DIRS lists <prefix>/share: for another prefix the install says how to link it.
set(AIRELAYS_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
  CACHE PATH "Where the bash completion script is installed")
set(AIRELAYS_ZSH_COMPLETION_DIR ""
  CACHE PATH "Where the zsh completion function is installed (empty: chosen by the prefix)")
set(AIRELAYS_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
  CACHE PATH "Where the fish completion script is installed")
install(FILES ${PROJECT_SOURCE_DIR}/completions/airelays.bash
  DESTINATION ${AIRELAYS_BASH_COMPLETION_DIR} RENAME airelays)
# (The old default, share/zsh/vendor-completions, still cached in older build dirs, means auto.)
if(AIRELAYS_ZSH_COMPLETION_DIR AND NOT AIRELAYS_ZSH_COMPLETION_DIR STREQUAL "share/zsh/vendor-completions")
  install(FILES ${PROJECT_SOURCE_DIR}/completions/_airelays DESTINATION ${AIRELAYS_ZSH_COMPLETION_DIR})
else()
  install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(zsh_dir \"\${CMAKE_INSTALL_PREFIX}/share/zsh/vendor-completions\")
    else()
      set(zsh_dir \"\${CMAKE_INSTALL_PREFIX}/share/zsh/site-functions\")
      if(NOT CMAKE_INSTALL_PREFIX STREQUAL \"/usr/local\")
        message(STATUS \"airelays: zsh completion in \${zsh_dir}: add it to fpath in ~/.zshrc (fpath+=(\${zsh_dir}))\")
      endif()
    endif()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/completions/_airelays\" DESTINATION \"\${zsh_dir}\")
  ")
endif()
install(FILES ${PROJECT_SOURCE_DIR}/completions/airelays.fish DESTINATION ${AIRELAYS_FISH_COMPLETION_DIR})
install(CODE "
  set(fish_file \"${AIRELAYS_FISH_COMPLETION_DIR}/airelays.fish\")
  if(NOT IS_ABSOLUTE \"\${fish_file}\")
    set(fish_file \"\${CMAKE_INSTALL_PREFIX}/\${fish_file}\")
  endif()
  if(NOT fish_file MATCHES \"^/usr/share/\")
    message(STATUS \"airelays: fish reads \${fish_file} only when XDG_DATA_DIRS lists its share directory; otherwise: mkdir -p ~/.config/fish/completions && ln -s \${fish_file} ~/.config/fish/completions/\")
  endif()
")

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
