"""A webhook subscriber for the end-to-end tests, judged by the reference
Standard Webhooks library rather than by our own code.

    webhook_receiver.py LOG_FILE

Listens on 127.0.0.1 on a free port and prints `PORT <n>` as its first line.
Each path `/hooks/<name>` is one subscriber endpoint:

- a `webhook.challenge` is answered 200 with `{"challenge": <value>}` (the
  subscriber cannot know its secret before registration answers);
- every other request is verified with
  `standardwebhooks.webhooks.Webhook(secret).verify(body, headers)`:
  unverifiable requests are answered 400, verified ones 200 — or 500 while
  the endpoint is told to fail.

`POST /control/<name>` with JSON sets the endpoint's behaviour:
`{"secret": "whsec_...", "fail_first": N, "fail_seconds": S, "delay_ms": D}`
(answer 500 to the next N deliveries / for S seconds from now; wait D ms
before answering).

Every request is appended to LOG_FILE as one JSON line: endpoint, kind
(challenge or delivery), webhook_id, traceparent, status answered, verified, error, and
for deliveries the event's type, uri, version and action.
The process exits when its standard input closes (the test went away).
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

LOCK = threading.Lock()
ENDPOINTS = {}  # name -> {"secret", "fail_first", "fail_until", "delay_ms"}


def endpoint(name):
    return ENDPOINTS.setdefault(
        name, {"secret": None, "fail_first": 0, "fail_until": 0.0, "delay_ms": 0}
    )


def log(entry):
    with LOCK, open(LOG_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the JSON lines are the log
        pass

    def answer(self, status, body=b""):
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender went away (the tests kill publish mid-delivery)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] not in ("hooks", "control"):
            return self.answer(404)
        kind, name = parts
        if kind == "control":
            return self.control(name, json.loads(body or b"{}"))
        return self.hook(name, body)

    def control(self, name, settings):
        with LOCK:
            e = endpoint(name)
            if "secret" in settings:
                e["secret"] = settings["secret"]
            if "fail_first" in settings:
                e["fail_first"] = int(settings["fail_first"])
            if "fail_seconds" in settings:
                e["fail_until"] = time.time() + float(settings["fail_seconds"])
            if "delay_ms" in settings:
                e["delay_ms"] = int(settings["delay_ms"])
        self.answer(204)

    def hook(self, name, body):
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {
            "endpoint": name,
            "webhook_id": headers.get("webhook-id"),
            "traceparent": headers.get("traceparent"),
            "at": time.time(),
        }
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        if doc.get("type") == "webhook.challenge":
            entry.update(kind="challenge", status=200, verified=None)
            log(entry)
            return self.answer(200, json.dumps({"challenge": doc.get("challenge")}).encode())

        with LOCK:
            e = dict(endpoint(name))
        entry["kind"] = "delivery"
        try:
            if not e["secret"]:
                raise ValueError("no secret configured for this endpoint yet")
            event = Webhook(e["secret"]).verify(body, headers)
            entry["verified"] = True
        except Exception as err:  # any failure to verify is a test failure
            entry.update(verified=False, error=f"{type(err).__name__}: {err}", status=400)
            log(entry)
            return self.answer(400)

        data = event.get("data") or {}
        article = data.get("article") or {}
        entry.update(
            type=event.get("type"),
            uri=article.get("uri"),
            version=article.get("version"),
            action=(data.get("publication") or {}).get("action"),
        )
        with LOCK:
            live = endpoint(name)
            failing = live["fail_first"] > 0 or time.time() < live["fail_until"]
            if live["fail_first"] > 0:
                live["fail_first"] -= 1
        if e["delay_ms"]:
            time.sleep(e["delay_ms"] / 1000)
        entry["status"] = 500 if failing else 200
        log(entry)
        self.answer(entry["status"])


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


if __name__ == "__main__":
    LOG_FILE = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever()
