#!/bin/sh
# compare_exps.sh: experiments marked with Space and compared with c: run
# counts by status, the best value of chosen metrics with the run holding
# it (* on the best experiment), param ranges, D for only the rows that
# differ; at 80x24 and 200x50.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
# Experiments by last activity (a running run's newest point counts):
# churn-nightly (its pipeline trains), bert-finetune-sst2, cifar10-resnet,
# churn-lightgbm, Default.
cat >"$work/keys" <<'KEYS'
c
:save-display need-two
j
<Space>
<Space>
<Space>
:save-display marked
c
:save-display compare
:metrics train_loss valid_auc
:save-display chosen
q
k
k
k
j
<Space>
:save-display two-marked
c
D
:save-display diff-only
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in need-two marked compare chosen two-marked diff-only; do
    mv "$f" "$f.screen"
done
expect_grep need-two "mark at least two experiments (Space)"
expect marked
expect_grep marked "^● bert-finetune"
expect_grep marked "^● churn-lightgbm"
expect_grep marked "3 exps marked"
expect compare
expect_grep compare "^3 experiments  *bert-finetune-sst2  *cifar10-resnet *churn-lightgbm"
expect_grep compare "^≠ runs  *7  *9  *7"
expect_grep compare "^≠ failed  *1  *0  *0"
expect_grep compare "^≠ killed  *0  *1  *0"
expect chosen
# Lower is better for a loss: cifar10's 0.062 beats bert's 0.104.
expect_grep chosen "train_loss ↓  *0.1040129  *0.0623139 \*  *–"
expect_grep chosen "^    run  *roberta-base-lr3e…  *resnet50-long"
expect_grep chosen "valid_auc ↑  *–  *–  *0.8743256 \*"
expect_grep chosen "^    run  *trial-1"
expect_grep chosen "^≠ learning_rate  *1e-05 .. 0.001  *–  *0.01 .. 0.3"
# Back on the list, Space on cifar10 unmarks it: bert and churn stay.
expect_grep two-marked "2 exps marked"
expect_no_grep two-marked "● cifar10-resnet"
expect diff-only
# bert and churn both have 7 runs and no killed one: same, so hidden.
expect_no_grep diff-only "killed"
expect_grep diff-only "^  runs  *7  *7"
expect_grep diff-only "^≠ failed  *1  *0"

cat >"$work/keys" <<'KEYS'
j
<Space>
<Space>
<Space>
c
:save-display wide
KEYS
run_script demo.db 200 50
(cd "$work" && mv wide wide.screen)
expect wide
expect_grep wide "^≠ running  *1  *2  *0"
expect_grep wide "^≠ boosting_type  *–  *–  *dart, gbdt"
finish
