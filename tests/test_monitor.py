"""vdwgym status / watch / report on a real worker-backend campaign running in the background."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time

import pytest

from vdwgym.errors import StoreError
from vdwgym.monitor import load_snapshot
from vdwgym.store import Store

CAMPAIGN = ["--backend", "worker", "--slots", "2", "--batch", "2", "--budget", "6", "--n-init", "2",
            "--no-stop-at-target", "--backend-option",
            'options={"sleep_s": 4.0, "progress_interval_s": 0.1}']


def vdwgym(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdwgym", *args], capture_output=True, text=True,
                          timeout=timeout)


FINISHED_ROW = re.compile(r"^  #\d+\s+e\d{6} ok\s+twist [\d.]+ deg, regret [\d.]+ deg$", re.M)
RUNNING_ROW = re.compile(r"^  #\d+\s+e\d{6} for \d+s: step=\d+, elapsed_s=[\d.]+, fraction=[\d.]+$", re.M)


def screen_with_both(*args: str, timeout: float = 90) -> str:
    """Run ``vdwgym ARGS`` until its screen lists a finished evaluation and a running one
    with progress (the campaign runs meanwhile); returns that screen."""
    deadline = time.monotonic() + timeout
    out = ""
    while time.monotonic() < deadline:
        res = vdwgym(*args)
        out = res.stdout
        if res.returncode == 0 and FINISHED_ROW.search(out) and RUNNING_ROW.search(out):
            return out
        time.sleep(0.2)
    pytest.fail(f"vdwgym {' '.join(args)} never showed running and finished evaluations:\n{out}")


def test_status_watch_report_of_a_running_campaign(tmp_path):
    out = tmp_path / "camp"
    proc = subprocess.Popen([sys.executable, "-m", "vdwgym", "campaign", *CAMPAIGN, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "campaign.sqlite").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        status = screen_with_both("status", str(out))
        assert "state       running (no stop recorded" in status
        assert re.search(r"budget      [1-5] done of 6 \([12] running", status)
        assert re.search(r"^best        regret [\d.]+ deg, twist [\d.]+ deg \(e\d{6}: ", status,
                         re.M)
        watch = screen_with_both("watch", str(out), "--count", "1", "--interval", "0.2")
        assert "state       running" in watch and "(refreshed " in watch
        proc.wait(timeout=120)
        assert proc.returncode == 0, proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    final = vdwgym("status", str(out)).stdout
    assert "state       finished: budget" in final and "6 done of 6 (0 running" in final
    assert len(FINISHED_ROW.findall(final)) == 5 and not RUNNING_ROW.search(final)  # --recent 5
    rebuilt = vdwgym("report", str(out), "--out", str(tmp_path / "rebuilt"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    original = (out / "report.md").read_text()
    assert (tmp_path / "rebuilt" / "report.md").read_text() == original
    assert (tmp_path / "rebuilt" / "evaluations.csv").read_text() == (out / "evaluations.csv").read_text()
    assert "stopped: budget; evaluations: 6 (6 ok" in original


def test_report_of_a_killed_campaign_says_so(tmp_path):
    out = tmp_path / "camp"
    proc = subprocess.Popen([sys.executable, "-m", "vdwgym", "campaign", *CAMPAIGN, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if load_snapshot(out).completed:
                    break
            except StoreError:  # not created yet, or its config not yet written
                pass
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait()
    snap = load_snapshot(out)
    assert snap.state == "running" and snap.stop is None and len(snap.completed) >= 1
    rebuilt = vdwgym("report", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr
    text = (out / "report.md").read_text()
    assert "stopped: not stopped (still running, or killed)" in text
    assert "wall time unknown" in text
    assert (out / "regret.png").stat().st_size > 1000


def test_read_only_store_refuses_writes(tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        st.set_meta("x", 1)
    ro = Store.read_only(tmp_path / "s.sqlite")
    assert ro.get_meta("x") == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        ro.set_meta("x", 2)
    ro.close()
    with pytest.raises(StoreError, match="no campaign store"):
        Store.read_only(tmp_path / "missing.sqlite")


def test_status_of_a_served_campaign_folder(tmp_path):
    from vdwgym.service.campaigns import CampaignRegistry

    registry = CampaignRegistry(tmp_path, backends=["surrogate"])
    camp = registry.create(name="s1", backend="surrogate", target_deg=12.0, budget=4, seed=3,
                           tolerance_deg=0.1)
    camp.submit([{"temperature_K": 2500.0, "lattice_strain": 0.02, "shear_strain": 0.056}])
    deadline = time.monotonic() + 30
    while camp.summary()["n_done"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    snap = load_snapshot(tmp_path / "s1")
    assert snap.config.agent == "external" and snap.config.target_deg == 12.0
    assert len(snap.completed) == 1 and snap.state == "running"
    registry.close()
    out = vdwgym("status", str(tmp_path / "s1")).stdout
    assert "budget      1 done of 4" in out and "agent external" in out
