"""Screenshot of the dashboard on a finished campaign of real MD runs (docs/img/dashboard.png).

Serves one campaign of the LAMMPS smoke preset on loopback, submits a few recipes, waits for
them and for one more to be running, and saves what headless Chromium shows.

Usage: python scripts/dashboard_screenshot.py [OUT.png] [N_RECIPES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from vdwgym.service.campaigns import CampaignRegistry
from vdwgym.space import PAPER_SPACE
from vdwgym.testing.browser import LiveServer, headless_chromium


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/dashboard.png")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    root = Path(tempfile.mkdtemp(prefix="vdwgym-dashboard-"))
    registry = CampaignRegistry(root, backends=["lammps"], backend_options={
        "lammps": {"preset": "smoke", "engine_options": {"slots": 2}}})
    rng = np.random.default_rng(3)
    recipes = [{d.name: float(rng.uniform(d.low, d.high)) for d in PAPER_SPACE.dimensions}
               for _ in range(n + 1)]
    with LiveServer(registry) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        client.post("/campaigns", json={"name": "smoke-md", "backend": "lammps", "budget": n + 4,
                                        "target_deg": 8.5}).raise_for_status()
        client.post("/campaigns/smoke-md/evaluations", json={"recipes": recipes[:n]}).raise_for_status()
        while client.get("/campaigns/smoke-md").json()["n_done"] < n:
            time.sleep(1)
        client.post("/campaigns/smoke-md/evaluations", json={"recipes": recipes[n:]}).raise_for_status()
        driver = headless_chromium(root / "profile")
        try:
            driver.get(f"{server.url}/dashboard#campaign=smoke-md")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not driver.execute_script(
                    "return document.querySelectorAll('#pictures img').length >= 2"
                    " && /[1-9] progress lines/.test(document.body.textContent)"):
                time.sleep(0.2)
            time.sleep(1.0)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1400, min(max(height + 40, 900), 2400))
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
        while client.get("/campaigns/smoke-md").json()["n_running"]:
            time.sleep(1)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
