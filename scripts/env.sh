# Shared set-up for scripts/quickstart.sh and scripts/test.sh (sourced, not run).
# Creates .venv once, installs a CPU torch where one is available, then vdwgym with the
# extras in VDWGYM_EXTRAS (none by default: the core); re-running is cheap: the install is
# skipped while pyproject.toml and the extras are unchanged.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
EXTRAS="${VDWGYM_EXTRAS-}"
if [ ! -x .venv/bin/python ]; then
    echo "[vdwgym] creating .venv with $($PY --version)"
    "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
if ! python -c "import torch" >/dev/null 2>&1; then
    # torch 2.13.0 is a small CPU build on these machines; an unpinned torch would pull a
    # multi-GB CUDA build.  Elsewhere, fall back to whatever pip resolves.
    echo "[vdwgym] installing torch"
    pip install --disable-pip-version-check -q "torch==2.13.0" || pip install --disable-pip-version-check -q torch
fi
STAMP=".venv/.vdwgym-installed"
WANT="$(sha256sum pyproject.toml | cut -c1-16)-$EXTRAS"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
    echo "[vdwgym] installing vdwgym${EXTRAS:+[$EXTRAS]} (editable)"
    pip install --disable-pip-version-check -q -e ".${EXTRAS:+[$EXTRAS]}"
    echo "$WANT" > "$STAMP"
fi
