#!/bin/sh
# search.sh: F (or :where) filters the runs view with MLflow's own search
# grammar: a metric comparison and a param, a backticked key, a filter
# MLflow would refuse (the message says where), and empty to clear. The
# regex / still applies on top.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
# churn-lightgbm: dart-boosting (valid_auc 0.869, dart), trial-1 (0.874,
# gbdt), baseline-gbdt (0.831, gbdt) and more.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display before
 Fmetrics.valid_auc<Space>><Space>0.86<Space>and<Space>params.boosting_type<Space>=<Space>'gbdt'<Enter>
:save-display searched
 F<Enter>
:save-display kept
:where metrics.`valid_auc` < 0.84
:save-display backticks
:where metrics.valid_auc ~ 1
:save-display refused
:where
:save-display cleared
KEYS
run_script demo.db 100 24
cd "$work" || exit 1
for f in before searched kept backticks refused cleared; do
    mv "$f" "$f.screen"
done
expect_grep before "dart-boosting"
expect_grep before "baseline-gbdt"
expect_grep searched "trial-1"
expect_no_grep searched "dart-boosting"
expect_no_grep searched "baseline-gbdt"
expect_grep searched "search: metrics.valid_auc > 0.86 and params.boosting_type = 'gbdt'"
# F opens the prompt on the search in force: Enter keeps it.
expect_grep kept "trial-1"
expect_no_grep kept "dart-boosting"
expect_grep backticks "baseline-gbdt"
expect_no_grep backticks "trial-1"
expect_grep refused "position"
# A refused search leaves the one before in force.
expect_grep refused "baseline-gbdt"
expect_no_grep refused "trial-1"
expect_grep cleared "dart-boosting"
expect_grep cleared "trial-1"
expect_no_grep cleared "search:"
finish
