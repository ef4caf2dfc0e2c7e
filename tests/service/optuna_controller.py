"""An Optuna controller speaking protocol 2 of the external protocol (docs/service.md), as
an outside group would write it: ``python optuna_controller.py PORT``; prints
``ready PORT`` once it listens on 127.0.0.1.

One study per session (TPE seeded with the session's seed, constant liar for pending
points); suggestion ids are trial numbers; design points and other foreign points are
added as finished trials; failures are told as failed trials.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
SESSIONS = {}
LOCK = threading.Lock()


class Session:
    def __init__(self, body):
        self.dists = {d["name"]: optuna.distributions.FloatDistribution(d["low"], d["high"])
                      for d in body["space"]["dimensions"]}
        sampler = optuna.samplers.TPESampler(seed=body["seed"], constant_liar=True, n_startup_trials=5)
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        self.trials = {}
        self.n_ingested = 0

    def suggest(self, n):
        out = []
        for _ in range(n):
            trial = self.study.ask(self.dists)
            self.trials[f"t{trial.number}"] = trial
            out.append({"id": f"t{trial.number}", "recipe": dict(trial.params)})
        return out

    def ingest(self, body):
        skip = max(self.n_ingested - body["offset"], 0)
        for item in body["items"][skip:]:
            ok = item["status"] == "ok"
            trial = self.trials.pop(item["id"], None) if item["source"] == "controller" else None
            if trial is not None:
                if ok:
                    self.study.tell(trial, item["regret_deg"])
                else:
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            elif ok:
                self.study.add_trial(optuna.trial.create_trial(
                    params=item["recipe"], distributions=self.dists, value=item["regret_deg"]))
        self.n_ingested += len(body["items"]) - skip


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, payload):
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        call = self.path.strip("/").rsplit("/", 1)[-1]
        with LOCK:
            if call == "session":
                SESSIONS[body["session"]] = Session(body)
                self.answer(200, {"protocol": 2})
                return
            session = SESSIONS.get(body.get("session"))
            if call not in ("suggest", "ingest"):
                self.answer(404, {"detail": "no such call", "field": None})
            elif session is None:
                self.answer(409, {"detail": "unknown session", "field": "session"})
            elif call == "suggest":
                self.answer(200, {"protocol": 2, "suggestions": session.suggest(body["n"])})
            else:
                session.ingest(body)
                self.answer(200, {})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()
