"""Datasets shipped with vdwgym, and their loader.

``md/<name>/`` holds one MD dataset, exported from a vdwgym campaign by
:mod:`vdwgym.datasets.export`:

* ``dataset.json``: name, schema, description, provenance (vdwgym commit, LAMMPS version,
  the potential file's SHA-256, never the file), the campaign's configuration, the protocol,
  the potential's relaxed geometry, counts;
* ``evaluations.jsonl.gz``: one JSON record per finished evaluation, in campaign order
  (recipe, seed, status, the on-the-fly record, the final structure re-analysed by the
  analysis of the exporting version, the on-the-fly history);
* ``structures/<key>.dump.gz``: each final structure (LAMMPS dump, ``vdwgym analyze`` reads
  it);
* ``campaign.sqlite``: the campaign's store at export time (to resume the campaign).

    from vdwgym.datasets import load_md
    ds = load_md("reaxff-ws-v1")
    for r in ds.records:
        print(r.recipe, r.seed, r.twist_deg, r.stacking)

Units: K, strain fractions, degrees, ps, eV, Angstrom.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vdwgym.errors import ValidationError
from vdwgym.space import Recipe

__all__ = ["calibration", "MD_DIR", "MDDataset", "MDRecord", "RECORD_DEFAULTS", "SCHEMA", "load_md", "md_names",
           "write_dataset"]

#: Folder of the shipped MD datasets.
MD_DIR = Path(__file__).resolve().parent / "md"
#: Version of the record layout written by :mod:`vdwgym.datasets.export`.
SCHEMA = 1


@dataclass(frozen=True)
class MDRecord:
    """One evaluation of an MD dataset.

    ``twist_deg`` (folded, degrees; None unless both layers are crystalline), ``crystalline``
    and ``stacking`` are those of the final structure as re-analysed at export;
    ``recorded`` holds what the campaign recorded on the fly; ``history`` the on-the-fly
    progress lines; ``structure`` the path of the final structure (None for a failed run).
    """

    idx: int
    key: str
    recipe: Recipe
    seed: int
    status: str
    twist_deg: float | None
    crystalline: bool
    stacking: str | None
    crystallinity: list[float]
    psi6_global: list[float]
    error: str | None
    recorded: dict[str, Any]
    analysis: dict[str, Any] | None
    history: list[dict[str, Any]] = field(repr=False)
    structure: Path | None = None
    box_before_recipe: list[list[float]] | None = field(default=None, repr=False)
    timings: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class MDDataset:
    """A loaded MD dataset: ``meta`` (dataset.json) and ``records`` (campaign order)."""

    path: Path
    meta: dict[str, Any]
    records: list[MDRecord]

    @property
    def name(self) -> str:
        return str(self.meta["name"])

    def __len__(self) -> int:
        return len(self.records)

    def frame(self, idx: int):
        """The final structure of evaluation ``idx`` as a :class:`vdwgym.structures.Structure`."""
        from vdwgym.analysis import read_dump

        rec = next((r for r in self.records if r.idx == idx), None)
        if rec is None or rec.structure is None:
            raise ValidationError("idx", "an evaluation of the dataset with a structure", idx)
        return read_dump(rec.structure)[-1]

    def by_recipe(self) -> dict[tuple[float, ...], list[MDRecord]]:
        """Records grouped by recipe (the repeats of a recipe on several seeds together)."""
        out: dict[tuple[float, ...], list[MDRecord]] = {}
        for r in self.records:
            out.setdefault(tuple(round(v, 9) for v in r.recipe.values()), []).append(r)
        return out


#: Fields of a record and their values when a writer leaves them out.
RECORD_DEFAULTS: dict[str, Any] = {
    "status": "ok", "error": None, "recorded": {}, "analysis": None, "twist_deg": None,
    "crystalline": False, "stacking": None, "crystallinity": [], "psi6_global": [],
    "summary": None, "timings": None, "box_before_recipe": None, "box_after_recipe": None, "amorphous_start": None,
    "history": [], "structure": None,
}


def write_dataset(path: str | Path, meta: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    """Write ``dataset.json`` and ``evaluations.jsonl.gz`` of a dataset in ``path``.
    ``records`` need ``idx``, ``key``, ``recipe`` and ``seed``; other fields default to
    :data:`RECORD_DEFAULTS`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with gzip.open(path / "evaluations.jsonl.gz", "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({**RECORD_DEFAULTS, **r}, separators=(",", ":")) + "\n")
    (path / "dataset.json").write_text(json.dumps({**meta, "schema": SCHEMA}, indent=1,
                                                  default=str))
    return path


def calibration(name_or_path: str | Path) -> dict[str, Any]:
    """The surrogate calibration stored with a dataset (``calibration.json``, written by
    ``experiments/surrogate_vs_md.py``)."""
    path = Path(name_or_path)
    if not (path / "dataset.json").is_file():
        path = MD_DIR / str(name_or_path)
    file = path / "calibration.json"
    if not file.is_file():
        raise ValidationError("calibration", "a dataset with a calibration.json "
                              f"(one of {md_names()})", str(name_or_path))
    return json.loads(file.read_text())


def md_names() -> list[str]:
    """Names of the shipped MD datasets."""
    return sorted(p.name for p in MD_DIR.iterdir() if (p / "dataset.json").is_file()) \
        if MD_DIR.is_dir() else []


def load_md(name_or_path: str | Path) -> MDDataset:
    """Load a shipped MD dataset by name (:func:`md_names`) or any exported folder."""
    path = Path(name_or_path)
    if not (path / "dataset.json").is_file():
        if str(name_or_path) not in md_names():
            raise ValidationError("dataset", f"one of {md_names()} or an exported folder",
                                  str(name_or_path))
        path = MD_DIR / str(name_or_path)
    meta = json.loads((path / "dataset.json").read_text())
    if meta.get("schema") != SCHEMA:
        raise ValidationError("dataset.json schema", f"{SCHEMA}", meta.get("schema"),
                              "written by another vdwgym version")
    records = []
    with gzip.open(path / "evaluations.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            records.append(MDRecord(
                idx=d["idx"], key=d["key"], recipe=Recipe(d["recipe"]), seed=d["seed"],
                status=d["status"], twist_deg=d["twist_deg"], crystalline=d["crystalline"],
                stacking=d["stacking"], crystallinity=d["crystallinity"],
                psi6_global=d["psi6_global"], error=d["error"], recorded=d["recorded"],
                analysis=d["analysis"], history=d["history"],
                box_before_recipe=d.get("box_before_recipe"), timings=d.get("timings"),
                structure=None if d["structure"] is None else path / d["structure"]))
    return MDDataset(path, meta, records)
