#!/bin/sh
# runs.sh: an experiment's runs: status glyphs, nested runs as a tree,
# metric columns with sparklines, sorting by a metric, filtering over
# params, choosing metric columns, and the same at 200x50. - and +
# collapse and expand a branch of the tree.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display tree
j
j
-
:save-display collapsed
+
:save-display expanded
j
j
-
:save-display collapsed-from-child
+
k
k
k
k
t
:save-display flat
s s s
:save-display by-metric
:metrics valid_auc valid_logloss
:save-display chosen
:filter boosting_type=dart
:save-display param-filter
:runs cifar10-resnet
:save-display cifar
>
:save-display scrolled
>
>
>
>
>
:save-display scrolled-end
<
<
<
<
:save-display scrolled-back
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in tree flat by-metric chosen param-filter cifar collapsed expanded \
    collapsed-from-child scrolled scrolled-end scrolled-back; do
    mv "$f" "$f.screen"
done
expect tree
expect_grep tree "├─trial-3"
expect_grep tree "└─trial-0"
# - collapses the selected branch (on a child: its parent's), + opens it.
expect_grep collapsed "^✓ ▸lr-sweep"
expect_no_grep collapsed "trial-"
expect_grep collapsed "3 runs shown, 0 running, 4 folded (+ opens)"
expect_grep expanded "├─trial-3"
expect_grep collapsed-from-child "^✓ ▸lr-sweep"
# > and < move the metric columns a key at a time (80 columns: one).
expect_grep cifar "metrics 1-1 of 5 (< >)"
expect_grep scrolled "metrics 2-2 of 5 (< >)"
expect_grep scrolled-end "metrics 5-5 of 5 (< >)"
expect_grep scrolled-back "metrics 1-1 of 5 (< >)"
checks=$((checks + 1))
if [ "$(sed -n 2p scrolled.screen | awk '{print $NF}')" != "$(sed -n 2p cifar.screen | awk '{print $NF}')" ]; then
    echo "ok $checks - > shows another metric column"
else
    echo "not ok $checks - > shows another metric column"; failures=$((failures + 1))
fi
expect_no_grep collapsed-from-child "trial-"
expect flat
expect by-metric
expect chosen
expect_grep chosen "valid_auc"
expect param-filter
expect_grep param-filter "dart-boosting"
expect_no_grep param-filter "trial-0"
expect cifar

cat >"$work/keys" <<'KEYS'
:runs bert-finetune-sst2
:save-display wide
KEYS
run_script demo.db 200 50
(cd "$work" && mv wide wide.screen)
expect wide
finish
