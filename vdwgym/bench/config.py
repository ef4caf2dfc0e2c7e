"""Benchmark configuration: agents x seeds x targets x batch sizes, from a TOML file.

Example (``experiments/fig5_bo_vs_random.toml``)::

    [bench]
    name = "fig5"
    backend = "surrogate"      # or "lammps"
    budget = 120               # evaluations per campaign, initial design included
    n_init = 10                # initial design, identical for every agent on a seed
    mode = "sync"              # or "async"
    clock = "real"             # "virtual": simulated run times (surrogate) order completions
    seeds = [0, 1, 2]
    targets = [8.5]
    batch_sizes = [15]
    tolerance_deg = 2.0
    workers = 2                # processes; results do not depend on it
    [bench.backend_options]    # optional, passed to the backend

    [[agents]]
    name = "ts"                # registry name, entry point or "module:Class" (vdwgym.agents.registry)
    label = "batch TS"         # optional display label
    options = { n_candidates = 5000 }

Every campaign runs with ``stop_at_target = false`` so traces have equal length.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vdwgym import agents as agent_registry
from vdwgym.campaign import MODES, CampaignConfig
from vdwgym.errors import ConfigError, ValidationError

__all__ = ["AgentSpec", "BenchConfig", "RunSpec", "load_config"]


@dataclass(frozen=True)
class AgentSpec:
    name: str
    label: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    """One campaign of the grid."""

    agent: AgentSpec
    seed: int
    target_deg: float
    batch: int

    @property
    def run_id(self) -> str:
        return f"{self.agent.label}__t{self.target_deg:g}__q{self.batch}__s{self.seed}".replace(" ", "_").replace("/", "-")


@dataclass
class BenchConfig:
    name: str
    agents: list[AgentSpec]
    seeds: list[int]
    targets: list[float]
    batch_sizes: list[int]
    budget: int = 60
    n_init: int = 10
    mode: str = "sync"
    clock: str = "real"
    backend: str = "surrogate"
    backend_options: dict[str, Any] = field(default_factory=dict)
    tolerance_deg: float = 2.0
    workers: int = 2

    def __post_init__(self) -> None:
        from vdwgym.validation import check_value

        for key, kind in (("seeds", list[int]), ("targets", list[float]), ("batch_sizes", list[int]),
                          ("budget", int), ("n_init", int), ("workers", int), ("tolerance_deg", float)):
            check_value(getattr(self, key), kind, f"bench.{key}")  # 2.7 or true is no integer
        if not self.agents:
            raise ValidationError("agents", "at least one [[agents]] table", self.agents)
        labels = [a.label for a in self.agents]
        if len(set(labels)) != len(labels):
            raise ValidationError("agents.label", "unique labels", labels)
        for a in self.agents:
            try:
                agent_registry.check(a.name)
            except ValidationError as exc:
                raise ValidationError("agents.name", exc.bound, a.name, exc.args[0]) from None
        for key in ("seeds", "targets", "batch_sizes"):
            if not getattr(self, key):
                raise ValidationError(f"bench.{key}", "a non-empty list", getattr(self, key))
        if self.mode not in MODES:
            raise ValidationError("bench.mode", f"one of {MODES}", self.mode)
        if int(self.workers) != self.workers or self.workers < 1:
            raise ValidationError("bench.workers", "an integer >= 1", self.workers)
        for spec in self.runs():  # every campaign config must be valid before anything runs
            self.campaign_config(spec)

    def runs(self) -> list[RunSpec]:
        """The grid, in a fixed order (agent, target, batch, seed)."""
        return [RunSpec(a, int(s), float(t), int(q)) for a in self.agents for t in self.targets
                for q in self.batch_sizes for s in self.seeds]

    def campaign_config(self, spec: RunSpec) -> CampaignConfig:
        return CampaignConfig(
            target_deg=spec.target_deg, budget=self.budget, batch=spec.batch, n_init=self.n_init,
            mode=self.mode, agent=spec.agent.name, agent_options=dict(spec.agent.options),
            backend=self.backend, backend_options=dict(self.backend_options), seed=spec.seed,
            tolerance_deg=self.tolerance_deg, stop_at_target=False, clock=self.clock)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_config(path: str | Path, **overrides: Any) -> BenchConfig:
    """Read a benchmark TOML file; ``overrides`` replace ``[bench]`` keys (e.g. seeds)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    bench = dict(data.get("bench", {}))
    bench.update({k: v for k, v in overrides.items() if v is not None})
    known = {f for f in BenchConfig.__dataclass_fields__ if f != "agents"}
    unknown = sorted(set(bench) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown [bench] keys {unknown}; known: {sorted(known)}")
    agents = []
    for i, a in enumerate(data.get("agents", [])):
        if "name" not in a:
            raise ConfigError(f"{path}: [[agents]] entry {i + 1} has no name")
        extra = sorted(set(a) - {"name", "label", "options"})
        if extra:
            raise ConfigError(f"{path}: [[agents]] entry {i + 1}: unknown keys {extra}")
        agents.append(AgentSpec(a["name"], a.get("label", a["name"]), dict(a.get("options", {}))))
    bench.setdefault("name", path.stem)
    try:
        return BenchConfig(agents=agents, **bench)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
