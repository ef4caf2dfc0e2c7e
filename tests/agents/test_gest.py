"""gest-api generators as vdwgym agents: a generator shipped by a registry package
(libEnsemble's UniformSample) runs a campaign; any generator's ingest gets inputs and
outputs merged, ``_id`` for its own points, and failures as failures."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("gest_api")

from gest_api import Generator  # noqa: E402

from vdwgym import agents  # noqa: E402
from vdwgym.campaign import Campaign, CampaignConfig  # noqa: E402
from vdwgym.gest import FAILURE_REGRET_DEG  # noqa: E402
from vdwgym.space import PAPER_SPACE  # noqa: E402
from vdwgym.store import Store  # noqa: E402
from vdwgym.testing.backends import FunctionBackend  # noqa: E402

LIBE = "libensemble.gen_classes.sampling:UniformSample"


class Recorder(Generator):
    """A gest-api generator that returns ids and records what it is given."""

    returns_id = True
    made: list = []

    def __init__(self, vocs, seed=0):
        self.vocs = vocs
        self.seed = seed
        self.ingested: list[dict] = []
        self.n = 0
        self.finalized = False
        Recorder.made.append(self)
        super().__init__(vocs)

    def _validate_vocs(self, vocs):
        if not vocs.objective_names:
            raise ValueError("needs an objective")

    def suggest(self, num_points):
        out = []
        for _ in range(num_points):
            u = ((self.n * 0.618 + self.seed * 1e-3) % 1.0)
            out.append({**{k: v.domain[0] + u * (v.domain[1] - v.domain[0]) for k, v in self.vocs.variables.items()},
                        "_id": 1000 + self.n})
            self.n += 1
        return out

    def ingest(self, results):
        self.ingested += results

    def finalize(self):
        self.finalized = True


def test_a_registry_generator_runs_a_campaign_as_an_agent(tmp_path):
    pytest.importorskip("libensemble")
    cfg = CampaignConfig(agent="gest", agent_options={"generator": LIBE, "seed_option": "random_seed"},
                         budget=15, batch=5, n_init=5, seed=4, stop_at_target=False)
    res = Campaign(cfg, tmp_path / "c.sqlite").run()
    assert len(res.evaluations) == 15
    assert [e.source for e in res.evaluations] == ["init"] * 5 + ["agent"] * 10
    assert res.best_regret is not None
    again = Campaign(cfg, tmp_path / "d.sqlite").run()  # seeded through random_seed: reproducible
    assert [e.recipe for e in again.evaluations] == [e.recipe for e in res.evaluations]
    other = CampaignConfig(**{**cfg.to_dict(), "seed": 5})
    assert [e.recipe for e in Campaign(other).run().evaluations][5:] != [e.recipe for e in res.evaluations][5:]
    with Store(tmp_path / "c.sqlite") as st:
        assert all(r.told for r in st.evaluations())


def test_ingest_merges_inputs_and_outputs_with_ids_and_labels_failures():
    Recorder.made.clear()
    backend = FunctionBackend(fail_below=0.3)
    cfg = CampaignConfig(agent="gest", agent_options={"generator": f"{__name__}:Recorder", "seed_option": "seed"},
                         budget=12, batch=4, n_init=4, seed=0, stop_at_target=False)
    camp = Campaign(cfg, backend=backend)
    res = camp.run()
    (gen,) = Recorder.made
    assert gen.vocs.variable_names == list(PAPER_SPACE.names)
    assert len(gen.ingested) == 12
    names = set(PAPER_SPACE.names) | {"regret_deg", "twist_deg", "order", "failed"}
    assert all(names <= set(p) for p in gen.ingested)
    # the shared design and its points carry no _id; the generator's own carry theirs
    assert ["_id" in p for p in gen.ingested] == [False] * 4 + [True] * 8
    assert [p["_id"] for p in gen.ingested[4:]] == list(range(1000, 1008))
    for p, e in zip(gen.ingested, res.evaluations, strict=True):
        assert {k: p[k] for k in PAPER_SPACE.names} == e.recipe.to_dict()
        if e.outcome.ok:
            assert p["failed"] == 0.0 and p["regret_deg"] == pytest.approx(e.outcome.regret(8.5))
        else:
            assert p["failed"] == 1.0 and p["regret_deg"] == FAILURE_REGRET_DEG and math.isnan(p["twist_deg"])
    assert any(p["failed"] == 1.0 for p in gen.ingested)
    assert gen.finalized  # the campaign finalized the generator when it stopped


def test_generator_must_be_module_and_class():
    from vdwgym.errors import ConfigError, ValidationError

    with pytest.raises(ValidationError):
        agents.make("gest", space=PAPER_SPACE, target_deg=8.5, seed=0, generator="no-colon")
    with pytest.raises(ConfigError):
        agents.make("gest", space=PAPER_SPACE, target_deg=8.5, seed=0, generator="no_such_module:X")


def test_an_xopt_generator_runs_a_campaign_as_an_agent():
    pytest.importorskip("xopt", reason="Xopt is not installed (it is in the dev extra)")
    cfg = CampaignConfig(agent="gest", agent_options={
        "generator": "xopt.generators.sequential.neldermead:NelderMeadGenerator"},
        budget=24, batch=1, n_init=4, seed=2, target_deg=8.5, stop_at_target=False)
    res = Campaign(cfg).run()
    assert len(res.evaluations) == 24
    proposed = [e for e in res.evaluations if e.source == "agent"]
    assert len(proposed) == 20 and len({e.recipe for e in proposed}) > 1
    assert res.best_regret is not None
