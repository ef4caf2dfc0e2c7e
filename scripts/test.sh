#!/usr/bin/env bash
# The test suite: lint, then every test that is cheap and real here (LAMMPS smoke runs and
# MPI included; slow and Flux tests are opt-in: pass -m slow or -m flux).
# Usage: bash scripts/test.sh [pytest args...]
VDWGYM_EXTRAS="${VDWGYM_EXTRAS:-dev,md,serve,analysis,peers}"
source "$(dirname "$0")/env.sh"
ruff check .
if [ "$#" -eq 0 ]; then
    set -- -m "not slow and not flux"
fi
python -m pytest "$@"
