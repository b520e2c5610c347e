#!/bin/sh
# completion.sh: the bash completion made from the command table offers
# commands, options, and the experiment and model names of a demo store
# (asked from mltop itself), in a bash subshell with COMP_WORDS/COMPREPLY.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MLTOP="${MLTOP:-$top_builddir/src/mltop}"
script="$top_builddir/completion/mltop"
n=0
fails=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }

if ! command -v bash >/dev/null; then
    echo "1..0 # SKIP no bash"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mltop-completion.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
db="$tmp/demo.db"
"$MLTOP" --demo-create "$db" || exit 1

# complete WORD... : what bash offers for the last word (may be empty).
complete() {
    bash --norc --noprofile -c '
        . "$1" || exit 1
        shift
        complete -p mltop >/dev/null || exit 1
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"
        _mltop
        for w in "${COMPREPLY[@]}"; do printf "%s\n" "$w"; done' complete "$script" "$@" 2>"$tmp/err"
}

t "the script loads and registers mltop" \
    "bash --norc --noprofile -c '. \"$script\" && complete -p mltop' | grep -q '_mltop mltop'"

"$MLTOP" -u "$db" experiments --names >"$tmp/exps"
t "experiments --names lists the demo's experiments" \
    "grep -qx cifar10-resnet '$tmp/exps' && [ \$(wc -l <'$tmp/exps') -ge 3 ]"
complete "$MLTOP" -u "$db" runs -e "" | sort >"$tmp/got"
sort "$tmp/exps" >"$tmp/want"
t "runs -e offers every experiment name" "cmp -s '$tmp/want' '$tmp/got'"
complete "$MLTOP" -u "$db" -e cif >"$tmp/got"
t "dashboard -e cif offers cifar10-resnet" "[ \"\$(cat '$tmp/got')\" = cifar10-resnet ]"
complete "$MLTOP" --tracking-uri="$db" runs --experiment bert >"$tmp/got"
t "--tracking-uri=URI and --experiment" "[ \"\$(cat '$tmp/got')\" = bert-finetune-sst2 ]"
complete "$MLTOP" -u "$db" versions churn >"$tmp/got"
"$MLTOP" -u "$db" models --names >"$tmp/models"
t "models --names lists the demo's models" "grep -qx churn-classifier '$tmp/models'"
t "versions offers model names" "[ \"\$(cat '$tmp/got')\" = churn-classifier ]"
complete "$MLTOP" -u "$db" promote churn-classifier "" >"$tmp/got"
t "promote's version is not a model name" "[ ! -s '$tmp/got' ]"
complete mltop ver >"$tmp/got"
t "commands" "[ \"\$(cat '$tmp/got')\" = versions ]"
complete mltop "" >"$tmp/got"
# The commands --help lists (made from the same table), each once.
"$MLTOP" --help | sed -n 's/^.*mltop \[OPTIONS\] \([a-z][a-z-]*\).*/\1/p' |
    sort -u >"$tmp/want"
sort "$tmp/got" >"$tmp/got.sorted"
t "every command of the table" "[ \$(wc -l <'$tmp/want') -ge 9 ] &&
    cmp -s '$tmp/want' '$tmp/got.sorted'"
complete mltop promote m 1 --st >"$tmp/got"
t "a command's options" "[ \"\$(cat '$tmp/got')\" = --stage ]"
complete mltop experiments --st >"$tmp/got"
t "not another command's options" "[ ! -s '$tmp/got' ]"
complete mltop rollback m --stage P >"$tmp/got"
t "--stage values" "[ \"\$(cat '$tmp/got')\" = Production ]"
complete mltop --theme "" >"$tmp/got"
t "--theme values" "[ \"\$(echo \$(cat '$tmp/got'))\" = 'dark light mono' ]"
complete mltop --na >"$tmp/got"
t "hidden options are not offered" "[ ! -s '$tmp/got' ]"
complete "$MLTOP" -u "$tmp/nowhere.db" runs -e "" >"$tmp/got"
t "no store: nothing offered, nothing printed" "[ ! -s '$tmp/got' ] && [ ! -s '$tmp/err' ]"
echo "1..$n"
[ "$fails" -eq 0 ]
