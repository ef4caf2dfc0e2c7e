"""Request and response bodies of the lab service (they make its OpenAPI description).

Units: degrees for angles, K for temperature, strains as fractions.  A recipe is a JSON
object ``{"temperature_K": 2000, "lattice_strain": 0.02, "shear_strain": 0.056}`` with
exactly the parameter space's fields (``GET /space``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vdwgym.service.campaigns import BACKENDS
from vdwgym.service.limits import MAX_BATCH, MAX_BUDGET, NAME_PATTERN

RECIPE_EXAMPLE = {"temperature_K": 2000.0, "lattice_strain": 0.02, "shear_strain": 0.056}
EvaluationStatus = Literal["proposed", "launched", "done"]


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


class CampaignCreate(BaseModel):
    """A new campaign.  The server picks a name (``c0000``, ...) when none is given."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, pattern=NAME_PATTERN, description="campaign name (unique)")
    backend: Literal[BACKENDS] = Field("surrogate", description="one the server allows")  # type: ignore[valid-type]
    target_deg: float = Field(8.5, ge=0.0, le=30.0, allow_inf_nan=False, description="target twist, deg")
    budget: int = Field(60, ge=1, le=MAX_BUDGET, description="evaluations in all")
    seed: int = Field(0, ge=0, lt=2**63, description="root seed of the campaign")
    tolerance_deg: float = Field(0.1, ge=0.0, le=30.0, allow_inf_nan=False,
                                 description="regret counted as reaching the target, deg")


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


class SubmitRequest(BaseModel):
    """Recipes to evaluate.  ``request_id`` makes the submission idempotent: the same id
    with the same recipes returns the evaluations it created instead of new ones."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"recipes": [RECIPE_EXAMPLE], "request_id": "step-0001"}]})

    recipes: list[dict[str, float]] = Field(..., min_length=1, max_length=MAX_BATCH)
    request_id: str | None = Field(None, pattern=NAME_PATTERN)


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


class SubmitResponse(BaseModel):
    created: bool = Field(description="false when request_id repeated an earlier submission")
    evaluations: list[EvaluationBody]
    budget_left: int


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
    campaigns: int
    unreadable: dict[str, str]
