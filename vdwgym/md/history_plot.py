"""Plot the on-the-fly history of MD evaluations: top-layer crystallinity against time.

    python -m vdwgym.md.history_plot OUT.png LABEL=RUN_DIR/progress.jsonl [...]

Only the recipe stages (anneal, quench) are drawn; time in ps from the recipe.  The
dashed line is the structure-factor crystallinity gate of the analysis for the run's
number of Mo atoms per layer (``max(0.2, 8 / N_Mo)``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["load_history", "plot_crystallinity"]


def load_history(path: str | Path) -> list[dict]:
    """The progress lines of a ``progress.jsonl`` file."""
    return [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]


def plot_crystallinity(histories: dict[str, list[dict]], out: str | Path,
                       title: str = "") -> Path:
    """Top-layer crystallinity (peak S/N) of each history against time (ps), with the
    anneal/quench boundary marked and crystalline frames as filled markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vdwgym.analysis.structure_factor import PEAK_SN_NOISE, PEAK_SN_THRESHOLD

    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=110)
    gate = None
    for label, lines in histories.items():
        post = [ln for ln in lines if ln["stage"] in ("anneal", "quench")
                and len(ln["crystallinity"]) > 1]
        if not post:
            continue
        t = [ln["time_ps"] for ln in post]
        c = [ln["crystallinity"][1] for ln in post]
        (line,) = ax.plot(t, c, lw=1.2, label=label)
        xs = [ti for ti, ln in zip(t, post, strict=True) if ln["crystalline"]]
        ys = [ci for ci, ln in zip(c, post, strict=True) if ln["crystalline"]]
        ax.plot(xs, ys, "o", ms=2.5, color=line.get_color())
        quench = next((ln["time_ps"] for ln in post if ln["stage"] == "quench"), None)
        if quench is not None:
            ax.axvline(quench, color=line.get_color(), lw=0.6, ls=":")
        n_mo = post[-1]["natoms"] // 6
        gate = max(PEAK_SN_THRESHOLD, PEAK_SN_NOISE / max(n_mo, 1))
    if gate is not None:
        ax.axhline(gate, color="k", lw=0.8, ls="--", label=f"crystalline gate {gate:.2f}")
    ax.set_xlabel("time after the recipe (ps)")
    ax.set_ylabel("top-layer crystallinity (peak S/N)")
    ax.set_ylim(0, 1)
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or any("=" not in a for a in args[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    histories = {}
    for item in args[1:]:
        label, _, path = item.partition("=")
        histories[label] = load_history(path)
    plot_crystallinity(histories, args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
