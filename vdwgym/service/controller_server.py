"""An in-process external-protocol controller served over HTTP (standard library only).

``POST /session``, ``/suggest`` and ``/ingest`` call the controller's methods with the JSON
body; errors map to the protocol's answers: an unknown session -> 409 ``{"field":
"session"}``, a :class:`~vdwgym.errors.ValidationError` -> 422 naming the field, anything
else -> 500.  Run a gest-api generator as a controller::

    vdwgym serve-controller --port 9000 \\
        --generator libensemble.gen_classes.sampling:UniformSample --seed-option random_seed

The first stdout line is ``ready PORT``.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vdwgym.agents.external import UnknownSession
from vdwgym.errors import ValidationError
from vdwgym.worker.protocol import plain_json

__all__ = ["ControllerServer"]

log = logging.getLogger(__name__)

CALLS = ("session", "suggest", "ingest")
MAX_BODY_BYTES = 1 << 20


class ControllerServer:
    """Serve ``controller`` on ``host:port`` (0: a free port) in a background thread.

    Calls are serialized (one lock), so a controller need not be thread-safe.
    """

    def __init__(self, controller: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.controller = controller
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def answer(self, code: int, payload: Any) -> None:
                data = json.dumps(payload, allow_nan=False).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                call = self.path.strip("/").rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                if call not in CALLS:
                    self.answer(404, {"detail": f"no call {call!r}", "field": None})
                    return
                if length > MAX_BODY_BYTES:
                    self.answer(413, {"detail": "body too large", "field": "body"})
                    return
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    with lock:
                        result = getattr(outer.controller, call)(body)
                except UnknownSession as exc:
                    self.answer(409, {"detail": str(exc), "field": "session"})
                except ValidationError as exc:
                    self.answer(422, {"detail": str(exc), "field": exc.field})
                except Exception as exc:  # noqa: BLE001 - reported to the caller as a 500
                    log.exception("controller %s failed", call)
                    self.answer(500, {"detail": f"{type(exc).__name__}: {exc}", "field": None})
                else:
                    self.answer(200, plain_json(result if result is not None else {}))

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> ControllerServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        close = getattr(self.controller, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ControllerServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
