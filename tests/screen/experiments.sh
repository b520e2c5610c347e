#!/bin/sh
# experiments.sh: the experiments list at 80x24: layout, sorting, the
# regex filter and its inversion, and moving into an experiment and back.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
:save-display start
s
:save-display by-name
S
:save-display by-name-desc
/^c<Enter>
:save-display filtered
/!^c<Enter>
:save-display inverted
/nothing-matches-this<Enter>
:save-display empty
<Esc>
:save-display cleared
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in start by-name by-name-desc filtered inverted empty cleared; do
    mv "$f" "$f.screen"
done
expect start
expect by-name
expect by-name-desc
expect filtered
expect_no_grep filtered "bert-finetune"
expect_grep inverted "bert-finetune-sst2"
expect_no_grep inverted "cifar10"
expect_grep empty "no experiment matches the filter"
expect cleared
finish
