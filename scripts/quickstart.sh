#!/usr/bin/env bash
# The main job: batch Thompson sampling (q = 15, as in the paper's Figure 6) searching the
# surrogate lab for a 15 deg twist, stopping once a recipe lands within 0.5 deg (the nearest
# commensurate states are 15.46 and 13.54 deg, see docs/surrogate.md).  Progress bar, summary
# table, and a report with plots in runs/quickstart/.  Re-running starts the same campaign
# afresh (same seed, same result).  Extra arguments are passed to `vdwgym campaign`.
source "$(dirname "$0")/env.sh"
vdwgym campaign --agent ts --target 15 --batch 15 --n-init 15 --budget 90 --tolerance 0.5 \
    --seed 0 --out runs/quickstart --overwrite "$@"
