#!/usr/bin/env bash
# The test suite: lint, then every test that is cheap and real here (LAMMPS smoke runs and
# MPI included; slow and Flux tests are opt-in: pass -m slow or -m flux).
# Usage: bash scripts/test.sh [pytest args...]
VDWGYM_EXTRAS="${VDWGYM_EXTRAS:-dev,md,serve,analysis,peers}"
source "$(dirname "$0")/env.sh"
# The dashboard test drives Debian's headless Chromium (tests/service/test_dashboard.py);
# install it when missing and apt-get is usable (it skips, saying why, otherwise).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[vdwgym] installing chromium for the dashboard test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
        >/dev/null 2>&1 || echo "[vdwgym] chromium install failed: the dashboard test will skip"
fi
ruff check .
if [ "$#" -eq 0 ]; then
    set -- -m "not slow and not flux"
fi
python -m pytest "$@"
