"""Plot the on-the-fly history of MD evaluations: temperature, top-layer order and twist
against time.

    python -m vdwgym.md.history_plot OUT.png LABEL=RUN_DIR/progress.jsonl [...]

Only the recipe stages (anneal, quench) are drawn; time in ps from the recipe.  Three panels
share the time axis: the temperature (K); the top layer's structure-factor crystallinity
(peak S/N, solid) and global orientational order ``|<psi6>|`` (dashed); and the twist (deg)
at the frames where both layers pass the crystallinity gate (a twist of an amorphous layer
is not a twist, so nothing is drawn there).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["load_history", "plot_histories"]

RECIPE_STAGES = ("anneal", "quench")


def load_history(path: str | Path) -> list[dict]:
    """The progress lines of a ``progress.jsonl`` file."""
    return [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]


def plot_histories(histories: Mapping[str, Sequence[dict]], axes=None):
    """Draw each history (``label -> progress lines``) on three Axes (temperature, top-layer
    order, twist); ``axes``: three matplotlib Axes sharing x, or None for a new figure.
    Returns the Axes."""
    if axes is None:
        from matplotlib.figure import Figure

        axes = Figure(figsize=(6.4, 6.4), constrained_layout=True).subplots(3, 1, sharex=True)
    ax_t, ax_c, ax_w = axes
    quench_start = None
    for i, (label, lines) in enumerate(histories.items()):
        rows = [ln for ln in lines if ln.get("stage") in RECIPE_STAGES]
        if not rows:
            continue
        color = f"C{i % 10}"
        t = [ln["time_ps"] for ln in rows]
        ax_t.plot(t, [ln["temperature_K"] for ln in rows], color=color, label=label)
        top = [ln["crystallinity"][1] if len(ln["crystallinity"]) > 1 else 0.0 for ln in rows]
        ax_c.plot(t, top, color=color)
        if all("psi6_global" in ln for ln in rows):
            ax_c.plot(t, [ln["psi6_global"][1] if len(ln["psi6_global"]) > 1 else 0.0
                          for ln in rows], color=color, ls="--")
        tw = [(ln["time_ps"], ln["twist_deg"]) for ln in rows if ln.get("twist_deg") is not None]
        if tw:
            ax_w.plot(*zip(*tw, strict=True), "o", color=color, ms=3)
        q = next((ln["time_ps"] for ln in rows if ln["stage"] == "quench"), None)
        quench_start = q if quench_start is None else quench_start
    for ax in axes:
        if quench_start is not None:
            ax.axvline(quench_start, color="0.6", lw=0.8, ls=":")
    ax_t.set_ylabel("T (K)")
    ax_c.set_ylabel("top layer order\n(S/N solid, |<psi6>| dashed)")
    ax_c.set_ylim(0, 1.05)
    ax_w.set_ylabel("twist (deg)\nwhen crystalline")
    ax_w.set_ylim(-1, 31)
    ax_w.set_xlabel("time from the recipe (ps); dotted: anneal -> quench")
    if histories:
        ax_t.legend(fontsize=7, loc="upper right")
    return axes


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or any("=" not in a for a in args[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    histories = {}
    for item in args[1:]:
        label, _, path = item.partition("=")
        histories[label] = load_history(path)
    axes = plot_histories(histories)
    axes[0].figure.savefig(args[0], dpi=120)
    print(args[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
