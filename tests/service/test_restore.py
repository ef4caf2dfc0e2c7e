"""A restarted server re-launches the evaluations a killed one left unfinished, and never
shows a half-created campaign."""

from __future__ import annotations

from tests.service.conftest import ServerProcess, recipes
from vdwgym.backends.surrogate import SurrogateBackend
from vdwgym.lab import key_of
from vdwgym.outcome import Outcome
from vdwgym.seeding import evaluation_seed
from vdwgym.service.campaigns import META_KEY, STORE_NAME, CampaignRegistry, ServiceCampaignConfig
from vdwgym.service.client import ServiceClient
from vdwgym.space import Recipe
from vdwgym.store import Store


def crashed_campaign(root, name: str, seed: int, n_done: int, n_open: int) -> list[Recipe]:
    """The store a server killed mid-campaign leaves: ``n_done`` recorded completions, then
    ``n_open`` proposals (half launched, half only proposed) with no result."""
    batch = [Recipe(r) for r in recipes(n_done + n_open, seed=seed)]
    backend = SurrogateBackend()
    with Store(root / name / STORE_NAME) as store:
        store.set_meta(META_KEY, ServiceCampaignConfig(name=name, budget=10, seed=seed).to_dict())
        store.add_proposals([(i, key_of(i), r, evaluation_seed(seed, i), 0, "remote")
                             for i, r in enumerate(batch)], None)
        for i, r in enumerate(batch):
            if i < n_done:
                store.mark_done(i, backend.submit(r, evaluation_seed(seed, i)).result())
            elif i % 2:
                store.mark_launched(i)
    return batch


def test_restart_relaunches_unfinished_evaluations(tmp_path):
    root = tmp_path / "root"
    batch = crashed_campaign(root, "crashed", seed=4, n_done=3, n_open=4)
    (root / ".new-half").mkdir(parents=True)
    srv = ServerProcess(root)
    try:
        with ServiceClient(srv.url) as c:
            assert [s["name"] for s in c.campaigns()] == ["crashed"]
            done = c.wait("crashed", list(range(7)), timeout_s=60)
            summary = c.campaign("crashed")
        assert summary["n_submitted"] == summary["n_done"] == 7 and summary["budget_left"] == 3
        want = SurrogateBackend().evaluate(batch, [evaluation_seed(4, i) for i in range(7)])
        for view, w in zip(done, want, strict=True):
            assert Outcome.from_dict(view["outcome"]).twist_deg == w.twist_deg
        assert not (root / ".new-half").exists()
    finally:
        srv.stop()


def test_registry_reopens_what_it_created(tmp_path):
    reg = CampaignRegistry(tmp_path)
    camp = reg.create(name="a", backend="surrogate", target_deg=5.0, budget=3, seed=1, tolerance_deg=0.1)
    camp.submit(recipes(2, seed=0), request_id="r1")
    reg.close()
    again = CampaignRegistry(tmp_path)
    again.open_all()
    try:
        reopened = again.get("a")
        assert reopened.config == camp.config
        views, created = reopened.submit(recipes(2, seed=0), request_id="r1")
        assert not created and [v["idx"] for v in views] == [0, 1]
        assert reopened.summary()["n_submitted"] == 2
    finally:
        again.close()
