"""Campaign reports: ``report.md``, ``evaluations.csv``, ``regret.png`` and ``recipes.png``.

:func:`write_campaign_report` writes them at the end of ``vdwgym campaign`` from the live
campaign; :func:`write_report` writes the same files from a
:class:`~vdwgym.monitor.CampaignSnapshot` read from the store alone (``vdwgym report DIR``),
for running, finished or killed campaigns.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from vdwgym.campaign import Campaign, CampaignResult
from vdwgym.monitor import CampaignSnapshot
from vdwgym.plotting import plot_recipes, plot_regret

__all__ = ["write_campaign_report", "write_report", "evaluation_rows"]

PICTURES = ("structure.png", "diffraction.png")
"""Pictures an MD evaluation leaves beside ``final.dump`` (linked from the report)."""


def snapshot_of(campaign: Campaign) -> CampaignSnapshot:
    """The live campaign's record as a snapshot (no store read but the provenance)."""
    store = campaign.store
    return CampaignSnapshot(
        Path(store.path).parent if store is not None else Path("."), campaign.config,
        sorted(campaign.lab.evaluations, key=lambda e: e.idx), list(campaign.lab.completed), {}, {}, [],
        provenance=store.get_meta("provenance") if store is not None else None)


def evaluation_rows(snapshot: CampaignSnapshot) -> list[dict[str, Any]]:
    """One flat dict per evaluation (index order): recipe, seed, status, twist, regret, ..."""
    rows = []
    target = snapshot.target_deg
    for e in snapshot.evaluations:
        o = e.outcome
        row: dict[str, Any] = {"index": e.idx + 1, "key": e.key, "source": e.source, "cycle": e.cycle,
                               "seed": e.seed, **e.recipe.to_dict()}
        row.update({
            "status": o.status.value if o else "running",
            "crystalline": o.crystalline if o else None,
            "twist_deg": o.twist_deg if o else None,
            "regret_deg": o.regret(target) if o else None,
            "order": o.order if o else None,
            "runtime_s": (o.details.get("runtime_s") if o else None),
            "error": o.error if o else "",
        })
        rows.append(row)
    return rows


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_campaign_report(campaign: Campaign, result: CampaignResult, out: str | Path) -> Path:
    """Write the report files of a campaign that just ran into ``out``; returns ``report.md``."""
    store = campaign.store
    return write_report(snapshot_of(campaign), out, stop_reason=result.stop_reason,
                        wall_s=result.wall_s, virtual_s=result.virtual_s,
                        store_name=store.path.name if store is not None else None)


def _pictures(snapshot: CampaignSnapshot, rows: list[dict[str, Any]], out: Path) -> list[str]:
    """Markdown lines linking the pictures of the best evaluations that have them."""
    by_index = {e.idx + 1: e for e in snapshot.evaluations}
    lines: list[str] = []
    for r in rows:
        e = by_index[r["index"]]
        rd = snapshot.run_dir(e)
        found = [rd / name for name in PICTURES if rd is not None and (rd / name).is_file()]
        if found:
            lines += [f"Evaluation {r['index']} (`{e.key}`, twist {_fmt(r['twist_deg'])} deg):", ""]
            lines += [f"![{p.stem} {e.key}]({os.path.relpath(p, out)})" for p in found] + [""]
    return ["## Structures of the best evaluations", "", *lines] if lines else []


def write_report(snapshot: CampaignSnapshot, out: str | Path, *, stop_reason: str | None = None,
                 wall_s: float | None = None, virtual_s: float | None = None,
                 store_name: str | None = None) -> Path:
    """Write ``report.md``, ``evaluations.csv``, ``regret.png`` and ``recipes.png`` into ``out``
    from a snapshot; the stop reason and times default to the store's ``stop`` event (a
    campaign still running, or killed, has none).  Returns the path of ``report.md``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stop = snapshot.stop or {}
    if stop_reason is None:
        stop_reason = stop.get("reason") or "not stopped (still running, or killed)"
    wall_s = stop.get("wall_s") if wall_s is None else wall_s
    virtual_s = stop.get("virtual_s") if virtual_s is None else virtual_s
    if store_name is None and (snapshot.directory / "campaign.sqlite").is_file():
        store_name = "campaign.sqlite"
    cfg = snapshot.config
    target = snapshot.target_deg
    rows = evaluation_rows(snapshot)
    with open(out / "evaluations.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["index"])
        writer.writeheader()
        writer.writerows(rows)
    title = f"{cfg.agent} ({cfg.mode}, q={cfg.batch}) on {cfg.backend}: target {cfg.target_deg:g} deg"
    plot_regret(snapshot.evaluations, target, out / "regret.png", title=title,
                tolerance_deg=cfg.tolerance_deg)
    plot_recipes(snapshot.evaluations, cfg.parameter_space(), out / "recipes.png", target_deg=target)
    ok = [r for r in rows if r["regret_deg"] is not None]
    best = sorted(ok, key=lambda r: r["regret_deg"])[:5]
    names = list(cfg.parameter_space().names)
    done = [r for r in rows if r["status"] != "running"]
    timing = "- wall time " + ("unknown (no stop recorded)" if wall_s is None else f"{wall_s:.1f} s")
    if cfg.clock == "virtual" and virtual_s is not None:
        timing += f"; simulated time {virtual_s:.0f} s"
    lines = [
        f"# Campaign report: target twist {cfg.target_deg:g} deg",
        "",
        f"- agent `{cfg.agent}`, mode `{cfg.mode}`, batch {cfg.batch}, initial design {cfg.n_init}, "
        f"budget {cfg.budget}, seed {cfg.seed}, backend `{cfg.backend}`",
        f"- stopped: {stop_reason}; evaluations: {len(rows)} "
        f"({sum(r['status'] == 'ok' for r in rows)} ok, {sum(r['status'] != 'ok' for r in done)} not ok, "
        f"{sum(r['status'] == 'ok' and not r['crystalline'] for r in rows)} not crystalline"
        + (f", {len(rows) - len(done)} running" if len(done) < len(rows) else "") + ")",
        f"- best regret: {_fmt(snapshot.best_regret)} deg; evaluations to tolerance "
        f"({cfg.tolerance_deg:g} deg): {_fmt(snapshot.evaluations_to_target)}",
        timing,
        "",
        "![regret](regret.png)",
        "",
        "## Best recipes",
        "",
        "| # | " + " | ".join(names) + " | twist (deg) | regret (deg) | source |",
        "|---" * (len(names) + 4) + "|",
    ]
    for r in best:
        lines.append(f"| {r['index']} | " + " | ".join(_fmt(r[n]) for n in names)
                     + f" | {_fmt(r['twist_deg'])} | {_fmt(r['regret_deg'])} | {r['source']} |")
    lines += ["", "![recipes](recipes.png)", ""]
    lines += _pictures(snapshot, best, out)
    lines += ["## Configuration", "", "```json", json.dumps(cfg.to_dict(), indent=2), "```", ""]
    if snapshot.provenance is not None:
        lines += ["## Provenance", "", "```json", json.dumps(snapshot.provenance, indent=2), "```", ""]
    if store_name is not None:
        lines += [f"Store: `{store_name}`; every evaluation: `evaluations.csv`.", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
