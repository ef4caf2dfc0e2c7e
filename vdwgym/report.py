"""Campaign reports: ``report.md``, ``evaluations.csv``, ``regret.png`` and ``recipes.png``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from vdwgym.campaign import Campaign, CampaignResult
from vdwgym.plotting import plot_recipes, plot_regret

__all__ = ["write_campaign_report", "evaluation_rows"]


def evaluation_rows(campaign: Campaign) -> list[dict[str, Any]]:
    """One flat dict per evaluation (index order): recipe, seed, status, twist, regret, ..."""
    rows = []
    for e in sorted(campaign.lab.evaluations, key=lambda e: e.idx):
        o = e.outcome
        row: dict[str, Any] = {"index": e.idx + 1, "key": e.key, "source": e.source, "cycle": e.cycle,
                               "seed": e.seed, **e.recipe.to_dict()}
        row.update({
            "status": o.status.value if o else "running",
            "crystalline": o.crystalline if o else None,
            "twist_deg": o.twist_deg if o else None,
            "regret_deg": o.regret(campaign.lab.target_deg) if o else None,
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
    """Write the report files into ``out``; returns the path of ``report.md``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = campaign.config
    rows = evaluation_rows(campaign)
    with open(out / "evaluations.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["index"])
        writer.writeheader()
        writer.writerows(rows)
    title = f"{cfg.agent} ({cfg.mode}, q={cfg.batch}) on {cfg.backend}: target {cfg.target_deg:g} deg"
    plot_regret(result.evaluations, campaign.lab.target_deg, out / "regret.png", title=title,
                tolerance_deg=cfg.tolerance_deg)
    plot_recipes(result.evaluations, campaign.space, out / "recipes.png", target_deg=campaign.lab.target_deg)
    ok = [r for r in rows if r["regret_deg"] is not None]
    best = sorted(ok, key=lambda r: r["regret_deg"])[:5]
    names = list(campaign.space.names)
    lines = [
        f"# Campaign report: target twist {cfg.target_deg:g} deg",
        "",
        f"- agent `{cfg.agent}`, mode `{cfg.mode}`, batch {cfg.batch}, initial design {cfg.n_init}, "
        f"budget {cfg.budget}, seed {cfg.seed}, backend `{cfg.backend}`",
        f"- stopped: {result.stop_reason}; evaluations: {len(rows)} "
        f"({sum(r['status'] == 'ok' for r in rows)} ok, {sum(r['status'] != 'ok' for r in rows)} not ok, "
        f"{sum(r['status'] == 'ok' and not r['crystalline'] for r in rows)} not crystalline)",
        f"- best regret: {_fmt(result.best_regret)} deg; evaluations to tolerance "
        f"({cfg.tolerance_deg:g} deg): {_fmt(result.evaluations_to_target)}",
        f"- wall time {result.wall_s:.1f} s" + (f"; simulated time {result.virtual_s:.0f} s"
                                                if cfg.clock == "virtual" else ""),
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
    lines += ["", "![recipes](recipes.png)", "", "## Configuration", "", "```json",
              json.dumps(cfg.to_dict(), indent=2), "```", ""]
    if campaign.store is not None:
        lines += ["## Provenance", "", "```json",
                  json.dumps(campaign.store.get_meta("provenance"), indent=2), "```",
                  "", f"Store: `{campaign.store.path.name}`; every evaluation: `evaluations.csv`.", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
