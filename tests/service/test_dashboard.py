"""The web dashboard in headless Chromium: it loads a running campaign, shows a new
evaluation without a reload (the event stream), and draws something (screenshot checked)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from vdwgym.testing.browser import LiveServer, chromium_missing, headless_chromium

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))

TOKEN = "dashboard-test-token"
RECIPE = {"temperature_K": 2500.0, "lattice_strain": 0.02, "shear_strain": 0.056}


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def served(tmp_path):
    from vdwgym.service.campaigns import CampaignRegistry

    registry = CampaignRegistry(tmp_path / "root", backends=["worker"], backend_options={
        "worker": {"options": {"sleep_s": 2.0, "progress_interval_s": 0.1}}})
    with LiveServer(registry, token=TOKEN) as server:
        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"},
                              timeout=30)
        yield server, client
        client.close()


def test_dashboard_shows_a_new_evaluation_without_reload(served, tmp_path):
    server, client = served
    assert client.post("/campaigns", json={"name": "live", "backend": "worker", "budget": 6,
                                           "target_deg": 8.5}).status_code == 201
    assert client.post("/campaigns/live/evaluations", json={"recipes": [RECIPE]}).status_code == 201
    wait_for(lambda: client.get("/campaigns/live").json()["n_done"] == 1, 60, "the first evaluation")
    # the data routes keep the token rule; the page itself holds no data
    assert httpx.get(f"{server.url}/campaigns/live/pictures").status_code == 401
    assert httpx.get(f"{server.url}/dashboard").status_code == 200

    driver = headless_chromium(tmp_path / "profile")
    try:
        driver.get(f"{server.url}/dashboard#token={TOKEN}&campaign=live")
        rows = "return document.querySelectorAll('#finished tbody tr').length"
        wait_for(lambda: driver.execute_script(rows) == 1, 30, "the finished evaluation in the table")
        driver.execute_script("window.__notReloaded = true")
        second = dict(RECIPE, temperature_K=1800.0)
        assert client.post("/campaigns/live/evaluations", json={"recipes": [second]}).status_code == 201
        # running, with live progress lines drawn from the stream ...
        wait_for(lambda: driver.execute_script(
            "const c = document.querySelector('#running .card .head');"
            "return c && /[1-9][0-9]* progress lines/.test(c.textContent)"), 30,
            "the running evaluation with progress")
        # ... then finished, all without a reload
        wait_for(lambda: driver.execute_script(rows) == 2, 60, "the second evaluation in the table")
        assert driver.execute_script("return window.__notReloaded === true")
        assert "1800" in driver.find_element("id", "done-1").text
        assert driver.find_element("id", "connection").text in ("live", "campaign finished")
        shot = tmp_path / "dashboard.png"
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] > 500 and pixels.shape[1] > 800
    assert pixels.std() > 0.1  # not blank
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.6, dark  # text, axes and dots on a light page


def test_progress_and_picture_routes(served):
    _, client = served
    client.post("/campaigns", json={"name": "p", "backend": "worker", "budget": 2})
    client.post("/campaigns/p/evaluations", json={"recipes": [RECIPE]})
    wait_for(lambda: client.get("/campaigns/p").json()["n_done"] == 1, 60, "the evaluation")
    lines = client.get("/campaigns/p/evaluations/0/progress").json()["lines"]
    assert len(lines) >= 5 and lines[-1]["fraction"] == pytest.approx(1.0, abs=0.06)
    assert np.all(np.diff([ln["elapsed_s"] for ln in lines]) > 0)
    assert client.get("/campaigns/p/pictures").json() == {"pictures": {}}  # the surrogate draws none
    r = client.get("/campaigns/p/evaluations/0/pictures/structure.png")
    assert r.status_code == 404 and "has no structure.png" in r.json()["detail"]
    assert client.get("/campaigns/p/evaluations/0/pictures/secret.txt").status_code == 404
    assert client.get("/campaigns/p/evaluations/7/progress").status_code == 404
