# fish completion for airelays.
#
# Thin on purpose: the words typed so far go to `airelays __complete -- <words>`, which walks
# the same CLI11 app that parses real command lines, so completion never drifts from the CLI.
# It prints one candidate per line ("word<TAB>description", fish's own format), or
# ":file" / ":dir" to ask for path completion.

function __airelays_complete
    set -l done (commandline -opc)
    set -l cur (commandline -ct)
    for line in ($done[1] __complete -- $done[2..-1] "$cur" 2>/dev/null)
        switch $line
            case ':file'
                __fish_complete_path "$cur"
            case ':dir'
                __fish_complete_directories "$cur" ''
            case '*'
                echo $line
        end
    end
end

complete -c airelays -f -a '(__airelays_complete)'
