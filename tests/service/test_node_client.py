"""A controller in another language: docs/examples/node_campaign.mjs (Node.js, built-in
fetch) runs a short campaign against a real ``vdwgym serve`` on loopback; its record equals
the same campaign run in process (same design, same pattern search, same seeds, twists)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from vdwgym import agents
from vdwgym.agents.base import Agent
from vdwgym.campaign import Campaign, CampaignConfig
from vdwgym.space import Recipe
from vdwgym.store import Store

SCRIPT = Path(__file__).parents[2] / "docs" / "examples" / "node_campaign.mjs"
NODE = shutil.which("node")


class PatternAgent(Agent):
    """The Node script's controller in Python: ``batch`` steps of ``step`` spans around the
    best recipe so far (one dimension each, + then -), the step halved every batch."""

    name = "pattern"

    def __init__(self, space, target_deg, seed) -> None:
        super().__init__(space, target_deg, seed)
        self.seen: list[tuple[Recipe, float | None]] = []
        self.step = 0.25

    def ask(self, n, pending=None):
        scored = sorted((reg, k) for k, (_, reg) in enumerate(self.seen) if reg is not None)
        best = self.seen[scored[0][1]][0] if scored else self.seen[0][0]
        out = []
        for j in range(n):
            d = self.space.dimensions[j % self.space.d]
            sign = 1 if (j // self.space.d) % 2 == 0 else -1
            value = min(d.high, max(d.low, best[d.name] + sign * self.step * (d.high - d.low)))
            out.append(Recipe({**best.to_dict(), d.name: value}))
        self.step /= 2
        return out

    def propose(self, n, pending_unit):
        raise NotImplementedError("ask is exact in physical units")

    def tell(self, recipes, outcomes) -> None:
        super().tell(recipes, outcomes)
        self.seen += [(r, o.regret(self.target_deg)) for r, o in zip(recipes, outcomes, strict=True)]


agents.register("pattern", f"{__name__}:PatternAgent")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_node_client_campaign_equals_the_in_process_campaign(server, tmp_path):
    seed, budget, batch = 17, 16, 4
    out = subprocess.run([NODE, str(SCRIPT), server.url, "node-17", str(seed), str(budget), str(batch),
                          str(batch)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)["evaluations"]
    assert [r["idx"] for r in record] == list(range(budget))

    cfg = CampaignConfig(agent="pattern", seed=seed, budget=budget, batch=batch, n_init=batch,
                         target_deg=8.5, stop_at_target=False)
    local = Campaign(cfg, tmp_path / "local.sqlite").run().evaluations
    assert [r["recipe"] for r in record] == [e.recipe.to_dict() for e in local]
    assert [int(r["seed"]) for r in record] == [e.seed for e in local]
    assert [r["status"] for r in record] == [e.outcome.status.value for e in local]
    assert [r["twist_deg"] for r in record] == [e.outcome.twist_deg for e in local]
    assert [r["regret_deg"] for r in record] == [e.outcome.regret(8.5) for e in local]
    assert [r["batch"] for r in record] == [e.cycle for e in local]
    assert len({json.dumps(r["recipe"]) for r in record}) > batch  # the search moved
    with Store(tmp_path / "local.sqlite") as st:
        assert [r.source for r in st.evaluations()][:batch] == ["init"] * batch
