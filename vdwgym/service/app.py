"""The lab service: an HTTP JSON API over served campaigns (FastAPI; ``vdwgym serve``).

Endpoints (the full description is at ``/openapi.json``, browsable at ``/docs``):

====== =========================================== =========================================
GET    /health                                     liveness (never needs the token)
GET    /space                                      the parameter space of new campaigns
GET    /campaigns                                  every campaign's summary
POST   /campaigns                                  create one (backend, target, budget, seed)
GET    /campaigns/{cid}                            one summary
GET    /campaigns/{cid}/design                     the shared initial design (``n`` points)
POST   /campaigns/{cid}/evaluations                submit recipes -> evaluation ids
GET    /campaigns/{cid}/evaluations                list (``since`` index, ``status``, ``limit``)
GET    /campaigns/{cid}/evaluations/{idx}          one evaluation
POST   /campaigns/{cid}/evaluations/{idx}/cancel   stop one running evaluation
GET    /campaigns/{cid}/results                    completed, in completion order from ``since``
GET    /campaigns/{cid}/stream                     the same as server-sent events, plus progress
POST   /campaigns/{cid}/cancel                     close the campaign, stop what runs
====== =========================================== =========================================

Every 4xx answer is ``{"detail": message, "field": name-or-null}``.  Submissions beyond the
budget get 409; invalid input 422 naming the field; bodies over the size bound 413.  With a
token, every endpoint but ``/health`` and the API description (``/openapi.json``, ``/docs``)
needs ``Authorization: Bearer TOKEN``.

Protocol: the server speaks :data:`vdwgym.protocol.PROTOCOL_VERSION` (``/health`` says
which).  A client may state the version it needs in the ``Vdwgym-Protocol`` header; a
newer one than the server's gets 400 naming both.  Clients that state none are served as
before (every answer of protocol 2 is a superset of protocol 1's, except the evaluation
status ``running``, protocol 1's ``launched``, which the ``status`` filter still accepts).
"""

import contextlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from vdwgym import __version__
from vdwgym.campaign import initial_design
from vdwgym.errors import (
    BudgetExhausted,
    Conflict,
    NotFound,
    Unavailable,
    ValidationError,
    VdwgymError,
)
from vdwgym.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, design_ids
from vdwgym.service import schemas
from vdwgym.service.campaigns import CampaignRegistry, ServedCampaign
from vdwgym.service.limits import MAX_BODY_BYTES, MAX_BUDGET, MAX_PAGE, MAX_STREAM_S, NAME_PATTERN

__all__ = ["create_app"]

log = logging.getLogger(__name__)

MAX_STREAMS = 16
"""Server-sent-event streams open at once; more get 503."""

ERRORS = {code: {"model": schemas.ErrorBody} for code in (400, 401, 404, 409, 413, 422)}
CampaignId = Annotated[str, Path(pattern=NAME_PATTERN, description="campaign name")]
EvaluationIdx = Annotated[int, Path(ge=0, le=MAX_BUDGET, description="evaluation index")]


class Unauthorized(VdwgymError):
    """The request lacks the server's bearer token."""


class BodyLimit:
    """ASGI middleware: answer 413 to a request body over ``max_bytes`` (declared or sent)."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(send)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send) -> None:
        await JSONResponse({"detail": f"request body over {self.max_bytes} bytes", "field": "body"},
                           status_code=413)({"type": "http"}, None, send)


def field_of(loc: tuple | list) -> str:
    """``("body", "recipes", 0, "temperature_K")`` -> ``"recipes[0].temperature_K"``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def error(status: int, detail: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "field": field}, status_code=status)


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, allow_nan=False)}\n\n"


def create_app(registry: CampaignRegistry, token: str | None = None) -> FastAPI:
    """The service over ``registry`` (opened at start-up, closed at shutdown)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        registry.open_all()
        log.info("serving %d campaigns from %s", len(registry.names()), registry.root)
        yield
        registry.close()

    app = FastAPI(title="vdwgym lab service", version=__version__, lifespan=lifespan,
                  description="Campaigns of recrystallization recipes evaluated by a vdwgym lab. "
                              "See docs/service.md.")
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    @app.middleware("http")
    async def protocol_version(request: Request, call_next):
        stated = request.headers.get(PROTOCOL_HEADER)
        if stated is not None:
            if not (stated.strip().isdigit() and len(stated.strip()) < 6):
                return error(400, f"{PROTOCOL_HEADER}: expected an integer version, got {stated!r}",
                             PROTOCOL_HEADER)
            if int(stated) > PROTOCOL_VERSION:
                return error(400, f"the client needs vdwgym protocol {int(stated)}; this server speaks "
                                  f"protocol {PROTOCOL_VERSION} (upgrade the server)", PROTOCOL_HEADER)
        return await call_next(request)
    bearer = HTTPBearer(auto_error=False)
    streams = threading.BoundedSemaphore(MAX_STREAMS)

    def authorized(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        if token is None:
            return
        if creds is None or not hmac.compare_digest(creds.credentials.encode(), token.encode()):
            raise Unauthorized

    guarded = [Depends(authorized)] if token is not None else []
    SubmitRequest = schemas.submit_request_model(registry.space)
    CampaignCreate = schemas.campaign_create_model(registry.backends)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse({"detail": "missing or wrong bearer token", "field": "Authorization"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = sorted({m for route in app.router.routes
                              if route.matches(request.scope)[0] is Match.PARTIAL
                              for m in getattr(route, "methods", ())})
            headers["Allow"] = ", ".join(allowed)
        return JSONResponse({"detail": str(exc.detail), "field": None}, status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {"loc": ("body",), "msg": "invalid request"}
        field = "body" if first.get("type") == "json_invalid" else field_of(first.get("loc", ()))
        return error(422, f"{field}: {first.get('msg', 'invalid')}", field)

    @app.exception_handler(ValidationError)
    async def _invalid_value(request: Request, exc: ValidationError) -> JSONResponse:
        return error(422, str(exc), exc.field)

    @app.exception_handler(BudgetExhausted)
    async def _budget(request: Request, exc: BudgetExhausted) -> JSONResponse:
        return error(409, str(exc), "recipes")

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error(409, str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, str(exc))

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> JSONResponse:
        response = error(503, str(exc))
        response.headers["Retry-After"] = "30"
        return response

    @app.get("/health", response_model=schemas.Health)
    def health() -> dict:
        return {"status": "ok", "version": __version__, "protocol": PROTOCOL_VERSION,
                "campaigns": len(registry.names()),
                "unreadable": dict(registry.unreadable)}

    @app.get("/space", response_model=schemas.SpaceBody, dependencies=guarded, responses=ERRORS)
    def space() -> dict:
        return {"names": list(registry.space.names), **registry.space.to_dict()}

    @app.get("/campaigns", response_model=schemas.CampaignList, dependencies=guarded, responses=ERRORS)
    def list_campaigns() -> dict:
        out = []
        for name in registry.names():
            with contextlib.suppress(NotFound):
                out.append(registry.get(name).summary())
        return {"campaigns": out}

    @app.post("/campaigns", response_model=schemas.CampaignSummary, status_code=201,
              dependencies=guarded, responses=ERRORS)
    def create_campaign(body: CampaignCreate) -> dict:
        camp = registry.create(name=body.name, backend=body.backend, target_deg=body.target_deg,
                               budget=body.budget, seed=body.seed, tolerance_deg=body.tolerance_deg)
        return camp.summary()

    @app.get("/campaigns/{cid}", response_model=schemas.CampaignSummary, dependencies=guarded,
             responses=ERRORS)
    def get_campaign(cid: CampaignId) -> dict:
        return registry.get(cid).summary()

    @app.get("/campaigns/{cid}/design", response_model=schemas.DesignBody, dependencies=guarded,
             responses=ERRORS)
    def design(cid: CampaignId,
               n: Annotated[int, Query(ge=0, le=MAX_PAGE, description="number of points")] = 10) -> dict:
        camp = registry.get(cid)
        X = initial_design(camp.space, n, camp.config.seed)
        return {"seed": camp.config.seed, "n": n, "ids": design_ids(n),
                "recipes": [r.to_dict() for r in camp.space.to_recipes(X)] if n else []}

    @app.post("/campaigns/{cid}/evaluations", response_model=schemas.SubmitResponse, status_code=201,
              dependencies=guarded,
              responses={**ERRORS, 200: {"model": schemas.SubmitResponse,
                                         "description": "a repeated request_id: the earlier evaluations"}})
    def submit(cid: CampaignId, body: SubmitRequest) -> Any:
        camp = registry.get(cid)
        given = [r.model_dump() for r in body.recipes]
        views, created = camp.submit(given, body.request_id)
        clipped = [{"index": i, **c} for i, (g, v) in enumerate(zip(given, views, strict=True))
                   for c in camp.space.clips(g, v["recipe"])]
        payload = {"created": created, "evaluations": views, "budget_left": camp.summary()["budget_left"],
                   "clipped": clipped}
        return payload if created else JSONResponse(payload, status_code=200)

    @app.get("/campaigns/{cid}/evaluations", response_model=schemas.EvaluationList,
             dependencies=guarded, responses=ERRORS)
    def list_evaluations(cid: CampaignId,
                         since: Annotated[int, Query(ge=0, le=MAX_BUDGET, description="first index")] = 0,
                         status: schemas.StatusFilter | None = None,
                         limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> dict:
        return {"evaluations": registry.get(cid).evaluations(since=since, status=status, limit=limit)}

    @app.get("/campaigns/{cid}/evaluations/{idx}", response_model=schemas.EvaluationBody,
             dependencies=guarded, responses=ERRORS)
    def get_evaluation(cid: CampaignId, idx: EvaluationIdx) -> dict:
        return registry.get(cid).evaluation(idx)

    @app.post("/campaigns/{cid}/evaluations/{idx}/cancel", response_model=schemas.EvaluationBody,
              dependencies=guarded, responses=ERRORS)
    def cancel_evaluation(cid: CampaignId, idx: EvaluationIdx) -> dict:
        return registry.get(cid).cancel_evaluation(idx)

    @app.get("/campaigns/{cid}/results", response_model=schemas.ResultsPage, dependencies=guarded,
             responses=ERRORS)
    def results(cid: CampaignId,
                since: Annotated[int, Query(ge=0, le=MAX_BUDGET, description="completion cursor")] = 0,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> dict:
        camp = registry.get(cid)
        page = camp.results(since=since, limit=limit)
        nxt = page[-1]["done_order"] + 1 if page else since
        return {"results": page, "next_since": nxt, "summary": camp.summary()}

    @app.post("/campaigns/{cid}/cancel", response_model=schemas.CancelResponse, dependencies=guarded,
              responses=ERRORS)
    def cancel_campaign(cid: CampaignId) -> dict:
        camp = registry.get(cid)
        stopped = camp.cancel()
        return {"stopped": stopped, "summary": camp.summary()}

    @app.get("/campaigns/{cid}/stream", dependencies=guarded,
             responses={**ERRORS, 200: {"content": {"text/event-stream": {}},
                                        "description": "events: result, progress, summary, end, timeout"}})
    def stream(request: Request, cid: CampaignId,
               since: Annotated[int, Query(ge=0, le=MAX_BUDGET, description="completion cursor")] = 0,
               timeout_s: Annotated[float, Query(gt=0, le=MAX_STREAM_S)] = 60.0) -> StreamingResponse:
        camp = registry.get(cid)
        last = request.headers.get("last-event-id", "")
        if last.isdigit() and len(last) < 12:
            since = max(since, int(last) + 1)
        return StreamingResponse(_events(camp, since, timeout_s, streams), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    from vdwgym.service.dashboard import add_dashboard

    add_dashboard(app, registry, guarded)
    return app


def _events(camp: ServedCampaign, since: int, timeout_s: float,
            streams: threading.BoundedSemaphore) -> Iterator[str]:
    """Server-sent events: ``result`` per completion (id = its done_order), ``progress`` per
    changed progress summary, ``summary`` on change, then ``end`` (campaign complete or
    cancelled with nothing running) or ``timeout``; a single ``busy`` event when
    ``MAX_STREAMS`` streams are open already."""
    if not streams.acquire(blocking=False):
        yield sse("busy", {"detail": f"{MAX_STREAMS} streams are open; poll /results instead"})
        return
    try:
        deadline = time.monotonic() + timeout_s
        cursor = since
        progress: dict[int, Any] = {}
        last_summary = None
        while True:
            version = camp.version
            for r in camp.results(since=cursor, limit=MAX_PAGE):
                yield sse("result", r, r["done_order"])
                cursor = r["done_order"] + 1
            for r in camp.evaluations(status="running", limit=MAX_PAGE):
                if r["progress"] is not None and progress.get(r["idx"]) != r["progress"]:
                    progress[r["idx"]] = r["progress"]
                    yield sse("progress", {"idx": r["idx"], "key": r["key"], "progress": r["progress"]})
            summary = camp.summary()
            if summary != last_summary:
                yield sse("summary", summary)
                last_summary = summary
            finished = summary["state"] == "complete" or (
                summary["state"] == "cancelled" and summary["n_running"] == 0)
            if finished and summary["n_done"] <= cursor:
                yield sse("end", summary)
                return
            left = deadline - time.monotonic()
            if left <= 0:
                yield sse("timeout", summary)
                return
            if camp.wait_changed(version, min(left, 5.0)) == version:
                yield ": keep-alive\n\n"
    finally:
        streams.release()
