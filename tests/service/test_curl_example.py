"""The curl example of docs/service.md, run against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vdwgym.service.client import ServiceClient

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def example_script() -> str:
    text = DOC.read_text()
    m = re.search(r"<!-- curl-example:begin -->\s*```bash\n(.*?)```\s*<!-- curl-example:end -->", text, re.S)
    assert m is not None, "docs/service.md lost its curl example markers"
    return m.group(1)


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                    reason="needs curl and bash")
def test_curl_example_runs_against_a_live_server(server, tmp_path):
    script = tmp_path / "example.sh"
    script.write_text(example_script())
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "VDWGYM_URL": server.url, "VDWGYM_TOKEN": ""})
    assert proc.returncode == 0, proc.stderr
    assert len(re.findall(r'"twist_deg":', proc.stdout)) == 2
    assert "over budget -> HTTP 409" in proc.stdout
    with ServiceClient(server.url) as c:
        demo = [s for s in c.campaigns() if s["name"].startswith("curl-demo-")]
    assert len(demo) == 1
    assert demo[0]["n_done"] == 2 and demo[0]["budget_left"] == 1
