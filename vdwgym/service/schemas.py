"""Request and response bodies of the lab service (they make its OpenAPI description).

Units: degrees for angles, K for temperature, strains as fractions.  A recipe is a JSON
object ``{"temperature_K": 2000, "lattice_strain": 0.02, "shear_strain": 0.056}`` with
exactly the parameter space's fields (``GET /space``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from vdwgym.service.limits import MAX_BATCH, MAX_BUDGET, MAX_SEED, NAME_PATTERN
from vdwgym.space import BOUND_RTOL, ParameterSpace


def integral(value: Any) -> Any:
    """JSON Schema's integers: ``5`` and ``5.0`` are one; booleans and strings are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(integral), Field(strict=True)]
"""An integer as JSON Schema counts them (no bool, no numeric string)."""

RECIPE_EXAMPLE = {"temperature_K": 2000.0, "lattice_strain": 0.02, "shear_strain": 0.056}
EvaluationStatus = Literal["proposed", "running", "done"]
StatusFilter = Literal["proposed", "running", "launched", "done"]
"""The ``status`` filter: ``launched`` is protocol 1's name of ``running``."""


class ErrorBody(BaseModel):
    """Every 4xx answer: a message, and the offending field where there is one."""

    detail: str
    field: str | None = None


class Dimension(BaseModel):
    name: str
    low: float
    high: float
    unit: str
    description: str


class SpaceBody(BaseModel):
    names: list[str]
    dimensions: list[Dimension]


def campaign_create_model(backends: Sequence[str]) -> type[BaseModel]:
    """The body of a new campaign on a server that allows ``backends``.  The server picks a
    name (``c0000``, ...) when none is given."""
    return create_model(
        "CampaignCreate",
        __config__=ConfigDict(extra="forbid"),
        __doc__=campaign_create_model.__doc__,
        name=(str | None, Field(None, pattern=NAME_PATTERN, description="campaign name (unique)")),
        backend=(Literal[tuple(backends)], Field(backends[0], description="evaluation backend")),
        target_deg=(float, Field(8.5, ge=0.0, le=30.0, strict=True, allow_inf_nan=False,
                                 description="target twist, deg")),
        budget=(JsonInt, Field(60, ge=1, le=MAX_BUDGET, strict=True, description="evaluations in all")),
        seed=(JsonInt, Field(0, ge=0, le=MAX_SEED, strict=True,
                         description="root seed of the campaign (a JSON-safe integer)")),
        tolerance_deg=(float, Field(0.1, ge=0.0, le=30.0, strict=True, allow_inf_nan=False,
                                    description="regret counted as reaching the target, deg")),
    )


class CampaignConfigBody(BaseModel):
    name: str
    backend: str
    target_deg: float
    budget: int
    seed: int
    tolerance_deg: float
    space: dict[str, Any]


class CampaignSummary(BaseModel):
    name: str
    config: CampaignConfigBody
    state: Literal["open", "cancelled", "complete"]
    n_submitted: int
    n_done: int
    n_running: int
    budget_left: int
    best_regret_deg: float | None
    target_reached: bool


class CampaignList(BaseModel):
    campaigns: list[CampaignSummary]


def submit_request_model(space: ParameterSpace) -> type[BaseModel]:
    """The body of a submission for recipes of ``space``: each recipe an object with
    exactly the space's fields, numbers within bounds (values up to BOUND_RTOL of the span
    past a bound are clipped to it and reported in ``clipped``).  ``request_id`` makes the
    submission idempotent: the same id with the same recipes returns the evaluations it
    created instead of new ones."""
    fields = {d.name: (float, Field(..., ge=d.low - BOUND_RTOL * (d.high - d.low),
                                    le=d.high + BOUND_RTOL * (d.high - d.low), strict=True,
                                    allow_inf_nan=False,
                                    description=f"{d.description} ({d.unit}); [{d.low:g}, {d.high:g}]"))
              for d in space.dimensions}
    recipe = create_model("Recipe", __config__=ConfigDict(extra="forbid"), **fields)
    example = {"recipes": [space.validate(RECIPE_EXAMPLE).to_dict()] if set(RECIPE_EXAMPLE) == set(space.names)
               else [], "request_id": "step-0001"}
    return create_model(
        "SubmitRequest",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [example]}),
        __doc__=submit_request_model.__doc__,
        recipes=(list[recipe], Field(..., min_length=1, max_length=MAX_BATCH)),
        request_id=(str | None, Field(None, pattern=NAME_PATTERN)),
    )


class EvaluationBody(BaseModel):
    idx: int
    key: str
    recipe: dict[str, float]
    seed: int
    status: EvaluationStatus
    request_id: str | None
    done_order: int | None = Field(description="position in completion order (the results cursor)")
    outcome: dict[str, Any] | None
    regret_deg: float | None
    progress: dict[str, Any] | None


class Clip(BaseModel):
    """A submitted value within the bound tolerance past a bound, clipped to it."""

    index: int = Field(description="position of the recipe in the submission")
    field: str
    given: float
    used: float


class SubmitResponse(BaseModel):
    created: bool = Field(description="false when request_id repeated an earlier submission")
    evaluations: list[EvaluationBody]
    budget_left: int
    clipped: list[Clip] = Field(default_factory=list, description="values clipped to a bound")


class DesignBody(BaseModel):
    """The campaign's shared initial design: the first ``n`` points of the scrambled Sobol
    sequence seeded by the campaign's root seed (``vdwgym.campaign.initial_design``), the
    same points an in-process campaign with that seed and ``n_init = n`` starts with."""

    seed: int
    n: int
    ids: list[str]
    recipes: list[dict[str, float]]


class EvaluationList(BaseModel):
    evaluations: list[EvaluationBody]


class ResultsPage(BaseModel):
    """Completed evaluations in completion order; ask again with ``since=next_since``."""

    results: list[EvaluationBody]
    next_since: int
    summary: CampaignSummary


class CancelResponse(BaseModel):
    stopped: list[int]
    summary: CampaignSummary


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    protocol: int = Field(description="the external protocol version this server speaks")
    campaigns: int
    unreadable: dict[str, str]
