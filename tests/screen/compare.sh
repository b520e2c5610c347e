#!/bin/sh
# compare.sh: runs marked with Space and compared with c: one column a
# run, params that differ marked (and D for only those), the best last
# value of each metric marked with *, the overlay chart with its legend,
# x axis modes, smoothing, zoom and log-y; marks across experiments, a
# failed run's NaN, columns scrolling at 80x24; the same at 200x50.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
# churn-lightgbm, flat, newest first: dart-boosting, trial-3, trial-2,
# trial-1, trial-0, lr-sweep, baseline-gbdt. Space marks and moves down.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
t
c
:save-display need-two
<Space>
j
j
<Space>
j
j
<Space>
:save-display marked
c
:save-display compare
D
:save-display diff-only
D
:save-display all-rows
:filter ^valid
:save-display chart
x
:save-display wall
x
:save-display since-start
x
e
:save-display ema
+
:save-display zoom-in
 :zoom<Space><Tab><Esc>
:save-display tab-zoom
+
-
:save-display zoom-out
L
0
:save-display log
:zoom 10 20
:save-display zoom-range
:zoom
:save-display zoom-reset
 :zoom<Space>0<Tab>2<Tab><Enter>
:save-display zoom-typed
q
q
:save-display back
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in need-two marked compare diff-only all-rows chart wall since-start \
    ema zoom-in tab-zoom zoom-out log zoom-range zoom-reset zoom-typed back; do
    mv "$f" "$f.screen"
done
cd - >/dev/null || exit 1
expect_grep need-two "mark at least two runs (Space)"
expect marked
expect_grep marked "● trial-1"
expect_grep marked "3 runs marked"
expect compare
# A long path keeps both its ends.
expect_grep compare "^  source  *\/usr\/loca…ncher.py \/usr\/loca…ncher.py"
# The column heads: the runs in the order they were marked.
expect_grep compare "^3 runs  *dart-boosting  *trial-1  *baseline-gbdt"
# Params that differ carry the marker; params all runs share do not.
expect_grep compare "^≠ boosting_type  *dart  *gbdt  *gbdt"
expect_grep compare "^≠ learning_rate  *0.05  *0.03  *0.05"
expect_grep compare "^≠ num_leaves  *63  *63  *31"
expect_grep compare "^  bagging_fraction  *0.9  *0.9  *0.9"
expect_no_grep compare "≠ seed"
expect_grep compare "PARAMS 4/9 differ"
# Lower is better for a loss: trial-1's 0.148 is the best.
expect_grep compare "train_logloss ↓  *0.1561088  *0.1481303 \*  *0.2271062"
expect diff-only
expect_no_grep diff-only "bagging_fraction"
expect_no_grep diff-only "objective"
expect_no_grep diff-only "status"
expect_grep diff-only "^≠ n_estimators  *200  *300  *100"
expect_grep diff-only "valid_auc ↑  *0.8692964  *0.8743256 \*  *0.8306415"
expect_grep diff-only "valid_logloss ↓  *0.3475858  *0.3419382 \*  *0.3775845"
expect_grep diff-only "showing only rows that differ"
expect_grep all-rows "^  bagging_fraction"
expect chart
expect_grep chart "^valid_auc ↑  x: step$"
# Each run its own marker, in the legend and on its last point.
expect_grep chart "━● dart-boosting 0.8692964  ━■ trial-1 0.8743256  ━▲ baseline-gbdt 0.8306415"
expect_grep chart "│.*●.*■$"
expect_grep chart "│.*▲"
expect_grep chart "step 0  *step 299$"
expect_grep chart "│.*⣀"
expect_grep wall "x: wall time"
expect_grep wall "01-05 18:16  *01-12 20:19$"
expect_grep since-start "x: time since start"
expect_grep since-start "+1s  *+11m39s$"
expect_grep ema "x: step  ema 0.6$"
# Smoothed: the legend's last values are not the raw ones.
expect_grep ema "━● dart-boosting 0.8697915"
expect_grep zoom-in "steps 150–299"
expect_grep zoom-in "step 150  *step 299$"
# Tab after :zoom offers the chart's first step, the window shown and its
# last step; a prefix completes to one of them.
expect_grep tab-zoom "^0 150 299  "
expect_grep zoom-out "steps 150–299"
expect_grep log "ema 0.6  log y$"
expect_grep log "step 0  *step 299$"
expect zoom-range
expect_grep zoom-range "steps 10–20"
expect_grep zoom-range "step 10  *step 20$"
expect_no_grep zoom-reset "steps 10"
# Typed after a reset: Tab completes 0 and 2 to the first and last steps.
expect_grep zoom-typed "steps 0–299"
# q clears the filter, then goes back: the marks are still there.
expect_grep back "3 runs marked"
expect_grep back "● baseline-gb"

# Marks across experiments: dart-boosting here, three bert runs there
# (deberta-v3-base is running; roberta-large-lr1e-3 failed with NaN),
# compared from the experiments list.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
t
<Space>
:runs bert-finetune-sst2
<Space>
<Space>
<Space>
:save-display bert-marked
:experiments
c
:save-display four
>
:save-display scrolled
>
:save-display scrolled-end
<
<
:save-display scrolled-back
>
:filter ^train_loss
:save-display nan
:unmark
:save-display unmarked
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in bert-marked four scrolled scrolled-end scrolled-back nan unmarked; do
    mv "$f" "$f.screen"
done
cd - >/dev/null || exit 1
expect_grep bert-marked "4 runs marked"
expect four
# c on the experiments list compares marked runs when no experiments are.
expect_grep four "^mltop › experiments › compare 4 runs"
expect_grep four "^4 runs  *dart-boosting  *deberta-v3-base  *roberta-large-lr1…"
expect_grep four "runs 1-3 of 4  <> scroll"
expect_grep four "^≠ status  *FINISHED  *RUNNING  *FINISHED"
expect_grep four "^≠ experiment  *churn-lightgbm  *bert-finetune-sst2  *bert-finetune-sst2"
expect_grep four "^≠ boosting_type  *dart  *–  *–"
expect scrolled
expect_grep scrolled "runs 2-4 of 4"
# The row headers stay; the failed run comes into view.
expect_grep scrolled "^≠ status  *RUNNING  *FINISHED  *FAILED"
expect_grep scrolled-end "runs 2-4 of 4"
expect_grep scrolled-back "runs 1-3 of 4"
expect nan
expect_grep nan "train_loss ↓  *0.5920444  *0.1151251 \*  *NaN"
expect_grep nan "1 NaN 0 Inf  step 299$"
expect_grep nan "━. roberta-large-lr1e-3"
expect_grep unmarked "marks cleared"
expect_no_grep unmarked "runs marked"

# 200x50: every run fits, and the chart (legend on its right) stays.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
t
<Space>
j
j
<Space>
j
j
<Space>
c
:save-display wide
KEYS
run_script demo.db 200 50
(cd "$work" && mv wide wide.screen)
expect wide
expect_grep wide "^valid_auc ↑  x: step"
expect_grep wide "━■ trial-1  *0.8743256"
expect_grep wide "━▲ baseline-gbdt  *0.8306415"
expect_grep wide "^≠ boosting_type  *dart  *gbdt  *gbdt"

# ASCII: the same marks without Unicode.
cat >"$work/keys" <<'KEYS'
:set ascii true
:runs churn-lightgbm
t
<Space>
<Space>
c
D
<Tab>
<Tab>
:save-display ascii
KEYS
run_script demo.db 80 24
(cd "$work" && mv ascii ascii.screen)
expect_grep ascii "^! boosting_type  *dart  *gbdt"
expect_grep ascii "train_logloss v  *0.1561088 \*  *0.2656536"
expect_grep ascii "^-o dart-boosting 0.1561088  -# trial-3 0.2656536"
expect_grep ascii "^ 0.155416|"
expect_no_grep ascii "[≠↓━│]"

# Untrusted text in the comparison: a run name with escape sequences in
# the column head and the legend, a param value with a C1 control.
if command -v sqlite3 >/dev/null; then
    sqlite3 "$work/demo.db" <<SQL || { echo "not ok - edit store"; exit 1; }
UPDATE runs SET name = char(27) || '[2J' || char(27) || ']0;pwned' || char(7) || 'evil'
 WHERE name = 'trial-0';
UPDATE params SET value = 'a' || char(155) || '31mb' WHERE key = 'seed'
 AND run_uuid = (SELECT run_uuid FROM runs WHERE name = 'dart-boosting');
SQL
    cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
t
<Space>
j
j
j
<Space>
c
:save-display hostile
:filter ^(seed|valid_auc)$
:save-display hostile-chart
KEYS
    run_script demo.db 200 50
    (cd "$work" && mv hostile hostile.screen &&
        mv hostile-chart hostile-chart.screen)
    expect_grep hostile '^2 runs  *dart-boosting  *\^\[\[2J\^\[\]0;pwned\^Gevil'
    expect_grep hostile '^≠ seed  *a<U+009B>31mb  *7'
    expect_grep hostile-chart '━. \^\[\[2J\^\[\]0;pwned\^Gevil'
    checks=$((checks + 1))
    if LC_ALL=C grep -q "$(printf '\033')" "$work/hostile.screen" \
        "$work/hostile-chart.screen"; then
        echo "not ok $checks - a raw escape byte reached the screen"
        failures=$((failures + 1))
    else
        echo "ok $checks - no raw escape byte on the screen"
    fi
fi
finish
