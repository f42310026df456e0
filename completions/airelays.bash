# bash completion for airelays.
#
# Thin on purpose: the words typed so far go to `airelays __complete -- <words>`, which walks
# the same CLI11 app that parses real command lines, so completion never drifts from the CLI.
# It prints one candidate per line ("word<TAB>description"), or ":file" / ":dir" to ask for
# path completion.

_airelays() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    # keep "--opt=value" as one word so the binary sees what was typed
    _get_comp_words_by_ref -n =: cur words cword
  else
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
  fi

  local out line
  out=$("${words[0]}" __complete -- "${words[@]:1:cword}" 2>/dev/null) || return 0

  COMPREPLY=()
  local IFS=$'\n'
  for line in $out; do
    case $line in
      :file)
        compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -f -- "$cur"))
        ;;
      :dir)
        compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -d -- "$cur"))
        ;;
      *) COMPREPLY+=("${line%%$'\t'*}") ;;
    esac
  done

  # bash splits "--opt=value" at "=": replace only the part after it
  if [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then
    local lead=${cur%%=*}= i
    for i in "${!COMPREPLY[@]}"; do
      COMPREPLY[i]=${COMPREPLY[i]#"$lead"}
    done
  fi
  return 0
}

complete -F _airelays airelays
