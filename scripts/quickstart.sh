#!/usr/bin/env bash
# The main job: batch Thompson sampling (q=5) searching the surrogate lab for the paper's
# 8.5 deg target, with a progress bar, a summary table and a report with plots in
# runs/quickstart/.  Re-running starts the same campaign afresh (same seed, same result).
source "$(dirname "$0")/env.sh"
vdwgym campaign --agent ts --target 8.5 --batch 5 --budget 60 --seed 0 \
    --out runs/quickstart --overwrite "$@"
