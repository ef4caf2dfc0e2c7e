"""Export a finished (or running) MD campaign as a compact versioned dataset.

    python -m vdwgym.datasets.export CAMPAIGN_DIR DEST [--name NAME] [--description TEXT]

Reads the campaign's store (a consistent snapshot, safe beside the running controller), keeps
every finished evaluation (failed ones with their error), re-analyses each final structure
with this version's analysis, compresses the structures and copies the store.  The potential
file is never copied: the dataset names it by its SHA-256.  Layout: :mod:`vdwgym.datasets`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from vdwgym.datasets import write_dataset
from vdwgym.errors import ValidationError
from vdwgym.store import Store

__all__ = ["export_campaign"]

log = logging.getLogger(__name__)


def _snapshot(store_path: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite store (WAL included), via the backup API."""
    src = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(dest)
        with out:
            src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")
        out.close()
    finally:
        src.close()


def _anonymous_potential(potential: dict[str, Any]) -> dict[str, Any]:
    """The potential's description with file paths replaced by name and SHA-256."""
    files = []
    for f in potential.get("files", []):
        p = Path(f)
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        files.append({"name": p.name, "sha256": digest})
    return {**potential, "files": files}


def _record(rec, analyse) -> dict[str, Any]:
    out = rec.outcome
    details = out.details if out is not None else {}
    run_dir = Path(out.run_dir) if out is not None and out.run_dir else None
    dump = run_dir / "final.dump" if run_dir is not None else None
    analysis = analyse(dump) if dump is not None and dump.is_file() else None
    layers = analysis["layers"] if analysis else []
    return {
        "idx": rec.idx, "key": rec.key, "recipe": dict(rec.recipe), "seed": rec.seed,
        "status": rec.status if out is None else out.status.value,
        "error": None if out is None else (out.error or None),
        "recorded": {} if out is None else {"twist_deg": out.twist_deg,
                                            "crystalline": out.crystalline,
                                            "order": out.order},
        "analysis": analysis,
        "twist_deg": analysis["twist_deg"] if analysis else None,
        "crystalline": bool(analysis["crystalline"]) if analysis else False,
        "stacking": analysis.get("stacking") if analysis else None,
        "crystallinity": [ly["peak_sn"] for ly in layers],
        "psi6_global": [ly["psi6_global"] for ly in layers],
        "summary": details.get("summary"), "timings": details.get("timings"),
        "box_before_recipe": details.get("box_before_recipe"),
        "box_after_recipe": details.get("box_after_recipe"),
        "amorphous_start": (details.get("amorphous_start") or {}).get("key"),
        "history": [] if out is None else out.history,
        "structure": f"structures/{rec.key}.dump.gz" if analysis else None,
        "_dump": str(dump) if analysis else None,
    }


def export_campaign(campaign_dir: str | Path, dest: str | Path, name: str | None = None,
                    description: str = "") -> Path:
    """Write the dataset of the campaign in ``campaign_dir`` to ``dest`` (replaced
    atomically).  Returns ``dest``."""
    from vdwgym.analysis import analyze_frame, read_dump
    from vdwgym.provenance import provenance

    src = Path(campaign_dir)
    store_path = src / "campaign.sqlite"
    if not store_path.is_file():
        raise ValidationError("campaign_dir", "a folder with campaign.sqlite", str(src))
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _snapshot(store_path, work / "campaign.sqlite")
        store = Store(work / "campaign.sqlite")
        config = store.get_meta("campaign")
        backend = store.get_meta("backend") or {}
        done = [r for r in store.evaluations() if r.outcome is not None]
        store.close()
        geometry = {}

        def analyse(dump: Path) -> dict[str, Any]:
            frame = read_dump(dump)[-1]
            a = geometry.get("a", 3.16)
            return analyze_frame(frame.positions, frame.types, frame.cell, a=a).to_dict()

        first = next((r.outcome.details for r in done if r.outcome.details.get("geometry")), {})
        geometry.update(first.get("geometry") or {})
        records = [_record(r, analyse) for r in done]
        (work / "structures").mkdir()
        for r in records:
            dump = r.pop("_dump")
            if dump is not None:
                with open(dump, "rb") as fi, open(work / r["structure"], "wb") as raw, \
                        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as fo:
                    shutil.copyfileobj(fi, fo)  # mtime 0: a re-export of a record is byte-identical
        opts = dict(config.get("backend_options", {}))
        opts.pop("root", None)
        if "potential_options" in opts:
            opts["potential_options"] = {k: Path(v).name if k == "ffield" else v
                                         for k, v in opts["potential_options"].items()}
        meta = {
            "name": name or dest.name, "description": description,
            "n_evaluations": len(records),
            "n_ok": sum(r["status"] == "ok" for r in records),
            "n_crystalline": sum(r["crystalline"] for r in records),
            "campaign": {**config, "backend_options": opts,
                         "agent_options": config.get("agent_options")},
            "budget": config.get("budget"),
            "potential": _anonymous_potential(first.get("potential") or {}),
            "geometry": first.get("geometry"), "protocol": first.get("protocol"),
            "units": first.get("units"),
            "backend": {k: v for k, v in backend.items() if k != "root"},
            "exported_by": provenance(),
        }
        write_dataset(work, meta, records)
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            dest.rename(old)
            work.rename(dest)
            shutil.rmtree(old)
        else:
            work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("exported %d evaluations of %s to %s", len(records), src, dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("campaign_dir", type=Path)
    p.add_argument("dest", type=Path)
    p.add_argument("--name", default=None)
    p.add_argument("--description", default="")
    args = p.parse_args(argv)
    out = export_campaign(args.campaign_dir, args.dest, args.name, args.description)
    meta = json.loads((out / "dataset.json").read_text())
    print(f"{out}: {meta['n_evaluations']} evaluations ({meta['n_ok']} ok, "
          f"{meta['n_crystalline']} crystalline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
