# Generates airelays.1 from the binary's own help (run with cmake -P at build time).
#
# help2man turns `airelays --help` into the page; this script adds a COMMANDS section with the
# --help of every subcommand (and nested ones such as `token show`), found by reading the
# "Subcommands:" lists, so the page documents every flag without anyone keeping a copy.
# Inputs: -DAIRELAYS=<binary> -DHELP2MAN=<help2man> -DVERSION=<x.y.z> -DOUTPUT=<airelays.1>
cmake_minimum_required(VERSION 3.20)

# Names listed under "Subcommands:" in a CLI11 help text.
function(subcommands_of help out)
  string(REPLACE "\n" ";" lines "${help}")
  set(names "")
  set(inside FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^Subcommands:")
      set(inside TRUE)
    elseif(inside AND line MATCHES "^  ([a-z][a-z0-9_-]*)")
      list(APPEND names ${CMAKE_MATCH_1})
    elseif(inside AND NOT line MATCHES "^  ")
      set(inside FALSE)
    endif()
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# `help` as a roff no-fill block (backslashes, leading dots and minus signs escaped).
function(roff_block help out)
  string(REPLACE "\\" "\\e" help "${help}")
  string(REPLACE "-" "\\-" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  set(${out} ".nf\n${help}\n.fi\n" PARENT_SCOPE)
endfunction()

# `airelays <words> --help`, without the footer every subcommand repeats from the root help.
function(help_of words out)
  execute_process(COMMAND ${AIRELAYS} ${words} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc
    ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "airelays ${words} --help failed (${rc})")
  endif()
  string(STRIP "${help}" help)
  # The note every subcommand's help ends with; the COMMANDS section says it once.
  string(FIND "${help}" "\nGlobal options (--config" note_at REVERSE)
  if(note_at GREATER 0)
    string(SUBSTRING "${help}" 0 ${note_at} help)
    string(STRIP "${help}" help)
  endif()
  if(DEFINED root_footer AND NOT root_footer STREQUAL "")
    string(FIND "${help}" "${root_footer}" at REVERSE)
    if(at GREATER 0)
      string(SUBSTRING "${help}" 0 ${at} help)
      string(STRIP "${help}" help)
    endif()
  endif()
  set(${out} "${help}" PARENT_SCOPE)
endfunction()

# Appends a subsection for `words` and recurses into its own subcommands.
function(document words section_var)
  help_of("${words}" help)
  string(REPLACE ";" " " title "airelays ${words}")
  roff_block("${help}" block)
  set(section "${${section_var}}.SS \"${title}\"\n${block}")
  subcommands_of("${help}" children)
  foreach(child IN LISTS children)
    document("${words};${child}" section)
  endforeach()
  set(${section_var} "${section}" PARENT_SCOPE)
endfunction()

help_of("" root_help)
string(FIND "${root_help}" "\n\n" last_gap REVERSE) # the footer: the root help's last paragraph
if(last_gap GREATER 0)
  math(EXPR footer_at "${last_gap} + 2")
  string(SUBSTRING "${root_help}" ${footer_at} -1 root_footer)
endif()
subcommands_of("${root_help}" commands)
set(section "[COMMANDS]\nEvery subcommand also accepts the global options above.\n")
foreach(command IN LISTS commands)
  document("${command}" section)
endforeach()
# ENVIRONMENT and FILES come from the binary's own key table and data-dir layout (the table
# docs/configuration.md is checked against), so they list every variable and path.
execute_process(COMMAND ${AIRELAYS} __man-sections OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "airelays __man-sections failed (${rc})")
endif()
string(APPEND section "\n${generated}"
  "\n[SEE ALSO]\nThe documentation in /usr/share/doc/airelays and docs/ in the source tree.\n")
set(include_file "${OUTPUT}.include")
file(WRITE ${include_file} "${section}")

execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${VERSION}
    "--name=local OpenAI-compatible relay for a ChatGPT subscription"
    --include=${include_file} --output=${OUTPUT}.tmp ${AIRELAYS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc})")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
