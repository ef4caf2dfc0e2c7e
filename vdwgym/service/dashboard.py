"""The web dashboard of ``vdwgym serve``: one HTML page and a small vanilla script.

Routes (added by :func:`add_dashboard` to the service app):

====== ============================================= ========================================
GET    /dashboard                                    the page (static; no data, no token)
GET    /dashboard/static/{file}                      its script and style sheet
GET    /campaigns/{cid}/evaluations/{idx}/progress   every progress line of the latest attempt
GET    /campaigns/{cid}/pictures                     ``{idx: [picture names]}`` of finished ones
GET    /campaigns/{cid}/evaluations/{idx}/pictures/{name}   structure.png / diffraction.png
====== ============================================= ========================================

The page holds no data: everything comes from the JSON API and the event stream
(``/campaigns/{cid}/stream``), with the bearer token when the server has one (the page reads
it from the address's ``#token=...`` fragment, which browsers never send to the server, and
keeps it in the tab's session storage).  The data routes need the token like every other.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from vdwgym.errors import NotFound
from vdwgym.monitor import last_progress_line, latest_attempt
from vdwgym.pictures import PICTURE_NAMES
from vdwgym.service import schemas
from vdwgym.service.campaigns import CampaignRegistry, ServedCampaign
from vdwgym.service.limits import MAX_BUDGET, NAME_PATTERN
from vdwgym.worker.protocol import PROGRESS_FILE, tail_progress

__all__ = ["add_dashboard"]

CampaignId = Annotated[str, PathParam(pattern=NAME_PATTERN, description="campaign name")]
EvaluationIdx = Annotated[int, PathParam(ge=0, le=MAX_BUDGET, description="evaluation index")]
ERRORS = {code: {"model": schemas.ErrorBody} for code in (400, 401, 404, 422)}
STATIC_FILES = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
MAX_PROGRESS_LINES = 2000
"""Progress lines returned per evaluation (evenly thinned beyond, the last one always kept)."""


def _static(name: str) -> bytes:
    return resources.files("vdwgym.service").joinpath("static", name).read_bytes()


def _run_dir(camp: ServedCampaign, idx: int) -> Path | None:
    """The evaluation's run directory: its outcome's, else the latest attempt under the
    backend's root; None for in-process backends."""
    rec = next((r for r in camp.records() if r.idx == idx), None)
    if rec is None:
        raise NotFound(f"campaign {camp.name} has no evaluation {idx}")
    if rec.outcome is not None and rec.outcome.run_dir:
        return Path(rec.outcome.run_dir)
    root = camp.backend.config().get("root")
    return latest_attempt(Path(root) / rec.key) if root else None


def _thin(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(lines) <= MAX_PROGRESS_LINES:
        return lines
    step = len(lines) / (MAX_PROGRESS_LINES - 1)
    return [lines[int(i * step)] for i in range(MAX_PROGRESS_LINES - 1)] + [lines[-1]]


def add_dashboard(app: FastAPI, registry: CampaignRegistry, guarded: list) -> None:
    """Add the dashboard's routes to ``app``; ``guarded``: the token dependencies of the
    data routes (empty without a token)."""
    page = APIRouter(include_in_schema=False)
    data = APIRouter(dependencies=guarded, tags=["dashboard"])

    @page.get("/dashboard", response_class=HTMLResponse)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(_static("dashboard.html"), headers={"Cache-Control": "no-store"})

    @page.get("/dashboard/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise NotFound(f"no dashboard file {name!r}")
        return Response(_static(name), media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "no-store"})

    @data.get("/campaigns/{cid}/evaluations/{idx}/progress", responses=ERRORS)
    def progress(cid: CampaignId, idx: EvaluationIdx) -> dict[str, Any]:
        """Every progress line of the evaluation (finished: its outcome's history)."""
        camp = registry.get(cid)
        view = camp.evaluation(idx)
        if view["outcome"] is not None and view["outcome"].get("history"):
            return {"idx": idx, "lines": _thin(view["outcome"]["history"])}
        rd = _run_dir(camp, idx)
        lines: list[dict[str, Any]] = []
        if rd is not None and (rd / PROGRESS_FILE).is_file():
            lines, _ = tail_progress(rd / PROGRESS_FILE, 0)
            if not lines and (last := last_progress_line(rd / PROGRESS_FILE)) is not None:
                lines = [last]
        return {"idx": idx, "lines": _thin(lines)}

    @data.get("/campaigns/{cid}/pictures", responses=ERRORS)
    def pictures(cid: CampaignId) -> dict[str, Any]:
        """``{"pictures": {idx: [names]}}`` of the finished evaluations that left pictures."""
        camp = registry.get(cid)
        found: dict[str, list[str]] = {}
        for r in camp.records():
            if r.outcome is None or not r.outcome.run_dir:
                continue
            names = [n for n in PICTURE_NAMES if (Path(r.outcome.run_dir) / n).is_file()]
            if names:
                found[str(r.idx)] = names
        return {"pictures": found}

    @data.get("/campaigns/{cid}/evaluations/{idx}/pictures/{name}", response_class=FileResponse,
              responses={**ERRORS, 200: {"content": {"image/png": {}}, "description": "the PNG"}})
    def picture(cid: CampaignId, idx: EvaluationIdx, name: str) -> FileResponse:
        if name not in PICTURE_NAMES:
            raise NotFound(f"no picture {name!r}: one of {list(PICTURE_NAMES)}")
        rd = _run_dir(registry.get(cid), idx)
        if rd is None or not (rd / name).is_file():
            raise NotFound(f"evaluation {idx} of {cid} has no {name}")
        return FileResponse(rd / name, media_type="image/png")

    app.include_router(page)
    app.include_router(data)
