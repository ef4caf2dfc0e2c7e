"""A tiny outside controller speaking protocol 1 of the suggest / ingest protocol
(docs/service.md; it has no ``/session``, so the agent speaks protocol 1 to it), run as
``python toy_controller.py PORT``; prints ``ready PORT`` once it listens on 127.0.0.1.

The first path segment picks a behaviour, so one process serves every test:

``/good``      seeded uniform proposals in the given space; records every request
``/quiet``     the same, recording nothing
``/count``     one recipe too many
``/outside``   a temperature above the space's bound
``/garbage``   an answer that is not JSON
``/slow``      answers after 5 s
``/fail``      HTTP 500

``GET /good/log`` returns what ``/good`` was sent: ``{"suggest": [...], "ingest": [...]}``.
"""

import json
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = {"suggest": [], "ingest": []}


def propose(body, rng):
    return [{d["name"]: rng.uniform(d["low"], d["high"]) for d in body["space"]["dimensions"]}
            for _ in range(body["n"])]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, payload):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(200, LOG) if self.path == "/good/log" else self.answer(404, {})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mode, _, endpoint = self.path.strip("/").partition("/")
        if endpoint not in ("suggest", "ingest"):
            self.answer(404, {"detail": "not found"})  # protocol 1: no /session
            return
        if endpoint == "ingest":
            if mode == "good":
                LOG["ingest"].append(body)
            self.answer(200, {})
            return
        rng = random.Random(body["seed"])
        if mode in ("good", "quiet"):
            if mode == "good":
                LOG["suggest"].append(body)
            self.answer(200, {"recipes": propose(body, rng)})
        elif mode == "count":
            self.answer(200, {"recipes": propose({**body, "n": body["n"] + 1}, rng)})
        elif mode == "outside":
            recipes = propose(body, rng)
            recipes[-1]["temperature_K"] = 5000.0
            self.answer(200, {"recipes": recipes})
        elif mode == "garbage":
            self.answer(200, b"<html>not json</html>")
        elif mode == "slow":
            time.sleep(5)
            self.answer(200, {"recipes": propose(body, rng)})
        else:
            self.answer(500, {"detail": "broken"})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()
