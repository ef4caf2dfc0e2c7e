"""Real servers on loopback for the service tests: ``python -m vdwgym.cli serve`` subprocesses."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

STARTUP_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One ``vdwgym serve`` subprocess; :meth:`stop` (SIGTERM) or :meth:`kill` (SIGKILL)."""

    def __init__(self, root: Path, port: int = 0, args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> None:
        self.root = Path(root)
        self.log = self.root.parent / f"{self.root.name}-server-{time.monotonic_ns()}.log"
        self.args = args
        self.env = env
        self.proc = self._start(port)
        self.url = self._read_url()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.wait_healthy()

    def _start(self, port: int) -> subprocess.Popen:
        env = {**os.environ, **(self.env or {})}
        cmd = [sys.executable, "-m", "vdwgym.cli", "serve", "--port", str(port), "--root", str(self.root),
               *self.args]
        with open(self.log, "a") as err:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)

    def _read_url(self) -> str:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(STARTUP_S)
        m = re.search(r"listening on (http://\S+)", line[0] if line else "")
        if m is None:
            self.kill()
            raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
        return m.group(1)

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not healthy: {self.log.read_text()[-2000:]}")

    def restart(self) -> None:
        """Start again on the same port and root (after :meth:`kill` or :meth:`stop`)."""
        self.proc = self._start(self.port)
        self.url = self._read_url()
        self.wait_healthy()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server shared by one test module (each test makes its own campaigns)."""
    srv = ServerProcess(tmp_path_factory.mktemp("service") / "root")
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    from vdwgym.service.client import ServiceClient

    with ServiceClient(server.url) as c:
        yield c


RECIPE = {"temperature_K": 2000.0, "lattice_strain": 0.02, "shear_strain": 0.056}


def recipes(n: int, seed: int) -> list[dict[str, float]]:
    """``n`` valid recipes of the paper's space drawn from ``seed``."""
    import numpy as np

    from vdwgym.space import PAPER_SPACE

    rng = np.random.default_rng(seed)
    X = PAPER_SPACE.from_unit(PAPER_SPACE.sample_unit(n, rng))
    return [dict(zip(PAPER_SPACE.names, map(float, row), strict=True)) for row in X]


from vdwgym.testing.conformance import controller_conformance  # noqa: E402, F401 - the kit's fixture
