#!/usr/bin/env bash
# The bash, zsh and fish completions parse, load, and offer what the CLI actually accepts.
#
# Each script is syntax-checked, then driven the way the shell drives it on Tab:
#   bash: bash_completion + the script, COMP_WORDS/COMP_CWORD set, _airelays called;
#   fish: `complete -C "<line>"`;
#   zsh:  an interactive zsh in a zpty, Tab pressed, matches captured from compadd.
# Asserted: `airelays token ` → exactly rotate, show; `airelays serve --` → exactly the
# options `airelays serve --help` and `airelays --help` list (read from the binary, so this
# test follows the CLI as flags land); `airelays --config <prefix>` → matching file names.
# Env: AIRELAYS_BIN, AIRELAYS_SOURCE_DIR (set by ctest). Exit 77 = a shell is missing.
set -euo pipefail

bin=${AIRELAYS_BIN:?AIRELAYS_BIN not set}
src=${AIRELAYS_SOURCE_DIR:?AIRELAYS_SOURCE_DIR not set}
comp="$src/completions"

missing=()
for sh in bash zsh fish; do command -v "$sh" >/dev/null || missing+=("$sh"); done
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "SKIP: not installed: ${missing[*]} (scripts/deps.sh --test installs them)"
  exit 77
fi

work=$(mktemp -d)
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "evidence kept in $work"; fi; }
trap cleanup EXIT
mkdir -p "$work/bin" "$work/files"
ln -s "$bin" "$work/bin/airelays"
export PATH="$work/bin:$PATH" HOME="$work/home"
mkdir -p "$HOME"
touch "$work/files/relay-conf.toml" "$work/files/relay-notes.txt" "$work/files/other.toml"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); keep=1; }
sorted() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
expect() { # name expected actual
  local want got
  want=$(echo "$2" | sorted)
  got=$(echo "$3" | sorted)
  if [ "$want" = "$got" ]; then echo "ok: $1 → $got"; else fail "$1: want [$want] got [$got]"; fi
}

# --- what the CLI accepts, read from its own help --------------------------------------
options_in_help() { # the --names in the first column of the Options: section
  sed -n '/^Options:/,/^$/p' | grep -E '^ +-' | awk '{print $1}' | tr ',' '\n' | grep -E '^--' || true
}
root_opts=$(airelays --help | options_in_help | sorted)
serve_opts=$(airelays serve --help | options_in_help | sorted)
[ -n "$serve_opts" ] || fail "airelays serve --help lists no options"
want_serve=$(echo "$root_opts $serve_opts" | sorted)
want_token="rotate show"
want_files="relay-conf.toml relay-notes.txt"

# --- syntax -----------------------------------------------------------------------------
bash -n "$comp/airelays.bash" && echo "ok: bash -n" || fail "bash -n"
zsh -n "$comp/_airelays" && echo "ok: zsh -n" || fail "zsh -n"
fish -n "$comp/airelays.fish" && echo "ok: fish -n" || fail "fish -n"

# --- bash -------------------------------------------------------------------------------
bash_complete() { # line (completes its last word; a trailing space means an empty word)
  (cd "$work/files" && bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"
    COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
    read -ra COMP_WORDS <<<"$COMP_LINE"
    [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _airelays
    printf "%s\n" "${COMPREPLY[@]}"' _ "$comp/airelays.bash" "$1")
}
expect "bash: airelays token " "$want_token" "$(bash_complete 'airelays token ')"
expect "bash: airelays serve --" "$want_serve" "$(bash_complete 'airelays serve --')"
expect "bash: airelays --config relay-" "$want_files" "$(bash_complete 'airelays --config relay-')"

# --- fish -------------------------------------------------------------------------------
fish_complete() {
  (cd "$work/files" && fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
    "$comp/airelays.fish" "$1" | cut -f1)
}
expect "fish: airelays token " "$want_token" "$(fish_complete 'airelays token ')"
expect "fish: airelays serve --" "$want_serve" "$(fish_complete 'airelays serve --')"
expect "fish: airelays --config relay-" "$want_files" "$(fish_complete 'airelays --config relay-')"

# --- zsh (a real interactive shell in a pty; compadd records what would be offered) -------
mkdir -p "$work/zdot" "$work/zfunc"
cp "$comp/_airelays" "$work/zfunc/"
cat >"$work/zdot/.zshrc" <<'ZSHRC'
PROMPT='' RPROMPT=''
fpath=("$ZSH_TEST_FUNCS" $fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
bindkey -r '^M' '^J' # never run the typed line
compadd() {
  # calls that only compute (-O/-A/-D) pass through; the others are the offered matches
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits
  builtin compadd -A hits "$@"
  (( ${#hits} )) && print -rl -- $hits >>"$ZSH_TEST_OUT"
  builtin compadd "$@"
}
_zsh_test_done() { print done >"$ZSH_TEST_OUT.done" }
comppostfuncs=(_zsh_test_done)
print ready >"$ZSH_TEST_OUT.ready"
ZSHRC
zsh_complete() {
  local out="$work/zsh.$RANDOM"
  (cd "$work/files" && ZDOTDIR="$work/zdot" ZSH_TEST_FUNCS="$work/zfunc" ZSH_TEST_OUT="$out" \
    zsh -f -c '
      zmodload zsh/zpty
      wait_for() { local i; for i in {1..100}; do [[ -e $1 ]] && return 0; sleep 0.1; done; return 1 }
      zpty shell "zsh -i"
      wait_for "$ZSH_TEST_OUT.ready" || { print -u2 "zsh did not start"; exit 1 }
      zpty -n -w shell "$1"$'"'"'\t'"'"'
      wait_for "$ZSH_TEST_OUT.done" || { print -u2 "no completion for: $1"; exit 1 }
      zpty -d shell' _ "$1")
  [ -f "$out" ] && cat "$out"
  rm -f "$out" "$out.ready" "$out.done"
}
expect "zsh: airelays token " "$want_token" "$(zsh_complete 'airelays token ')"
expect "zsh: airelays serve --" "$want_serve" "$(zsh_complete 'airelays serve --')"
expect "zsh: airelays --config relay-" "$want_files" "$(zsh_complete 'airelays --config relay-')"

# --- the binary itself: choices and the path marker ------------------------------------
expect "__complete --auth-storage choices" "auto file keyring" \
  "$(airelays __complete -- --auth-storage '' | cut -f1)"
expect "__complete --data-dir marker" ":dir" "$(airelays __complete -- --data-dir '' | cut -f1)"
expect "__complete hides itself" "" "$(airelays __complete -- __comp | cut -f1)"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all completion checks passed"
