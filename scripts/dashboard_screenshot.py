"""Screenshots of the dashboard on a campaign of real MD runs (docs/img/dashboard*.png).

Serves one campaign of the LAMMPS smoke preset on loopback, submits N recipes, waits for them,
submits one more and saves what headless Chromium shows while it runs (OUT-running.png), then
once the campaign is complete (OUT.png).

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


def wait(driver, condition: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(f"return {condition}"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the page never showed: {condition}")
        time.sleep(0.2)
    time.sleep(1.0)


def shoot(driver, path: Path) -> None:
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 40, 900), 1800))
    time.sleep(0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    print(f"wrote {path}")


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
        client.post("/campaigns", json={"name": "smoke-md", "backend": "lammps", "budget": n + 1,
                                        "target_deg": 8.5}).raise_for_status()
        client.post("/campaigns/smoke-md/evaluations", json={"recipes": recipes[:n]}).raise_for_status()
        while client.get("/campaigns/smoke-md").json()["n_done"] < n:
            time.sleep(1)
        client.post("/campaigns/smoke-md/evaluations", json={"recipes": recipes[n:]}).raise_for_status()
        driver = headless_chromium(root / "profile")
        try:
            driver.get(f"{server.url}/dashboard#campaign=smoke-md")
            wait(driver, "document.querySelectorAll('#pictures img').length >= 2"
                         " && /[1-9] progress lines/.test(document.body.textContent)")
            shoot(driver, out.with_name(out.stem + "-running" + out.suffix))
            wait(driver, f"document.querySelectorAll('#finished tbody tr').length === {n + 1}"
                         " && document.querySelectorAll('#pictures img').length >= " + str(2 * (n + 1)))
            shoot(driver, out)
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
