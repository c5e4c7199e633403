#!/usr/bin/env python3
"""The soak's webhook receiver (scripts/soak.sh), on loopback only.

POST /prescale      the controller's webhook actuator: answered as the
                    webhook mode says (ok: 200; 500: HTTP 500; hang: no
                    answer for 60 s; slow: 200 after 3 s)
POST /alertmanager  Alertmanager's notifications: always 200
GET  /metrics       soak_demand, the demand of one soak target, of value
                    DEMAND: one series, or 16 (series mode series16);
                    soak_spare, another's: one series, or none (spare mode
                    none)
POST /control?webhook=MODE&series=MODE&spare=MODE&demand=DEMAND   sets them

Each request to /prescale and /alertmanager is logged as one line on stdout:
epoch seconds, path, status answered. Nothing is parsed from the bodies.
"""

import argparse
import ipaddress
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATE = {"webhook": "ok", "series": "one", "spare": "one", "demand": "3"}
LOCK = threading.Lock()
WEBHOOK_MODES = {"ok", "500", "hang", "slow"}
SERIES_MODES = {"one", "series16"}
SPARE_MODES = {"one", "none"}


def log(path, status):
    with LOCK:
        sys.stdout.write(f"{time.time():.3f} {path} {status}\n")
        sys.stdout.flush()


def exposition(state):
    n = 16 if state["series"] == "series16" else 1
    lines = ["# TYPE soak_demand gauge"]
    lines += [f'soak_demand{{shard="{i}"}} {state["demand"]}' for i in range(n)]
    lines.append("# TYPE soak_spare gauge")
    if state["spare"] == "one":
        lines.append("soak_spare 2")
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep stderr quiet
        pass

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drain(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def do_GET(self):
        if urlsplit(self.path).path != "/metrics":
            self.answer(404)
            return
        with LOCK:
            body = exposition(STATE)
        self.answer(200, body)

    def do_POST(self):
        url = urlsplit(self.path)
        self.drain()
        if url.path == "/control":
            self.control(parse_qs(url.query))
        elif url.path == "/alertmanager":
            log(url.path, 200)
            self.answer(200)
        elif url.path == "/prescale":
            self.webhook()
        else:
            self.answer(404)

    def control(self, q):
        with LOCK:
            for v in q.get("demand", []):
                STATE["demand"] = str(float(v))
            for key, modes in (("webhook", WEBHOOK_MODES), ("series", SERIES_MODES), ("spare", SPARE_MODES)):
                for v in q.get(key, []):
                    if v not in modes:
                        self.answer(400, f"{key}: unknown mode {v}\n".encode())
                        return
                    STATE[key] = v
        self.answer(200)

    def webhook(self):
        with LOCK:
            mode = STATE["webhook"]
        if mode == "hang":
            log("/prescale", "hang")
            time.sleep(60)
            self.close_connection = True
            return
        if mode == "slow":
            time.sleep(3)
        status = 500 if mode == "500" else 200
        log("/prescale", status)
        self.answer(status)


MAX_ECHOED = 100  # bytes of a refused value repeated, as redact.MaxEchoed


def loopback_address(value):
    """--listen's HOST:PORT as (host, port), HOST an IPv4 loopback address
    (127.0.0.0/8) or localhost and PORT in [1, 65535]: the soak is
    loopback only, and an empty or other host would serve the receiver's
    /control to the network (the server is IPv4: AF_INET)."""
    shown = value if len(value) <= MAX_ECHOED else value[:MAX_ECHOED] + "..."
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"want 127.0.0.1:PORT, PORT in [1, 65535]; got {shown!r}")
    try:
        loopback = host == "localhost" or ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise argparse.ArgumentTypeError(
            f"the soak listens on loopback only: the host must be 127.0.0.1 (or another 127.x address, or localhost); got {shown!r}")
    return host, int(port)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", required=True, type=loopback_address, help="127.0.0.1:PORT (loopback only)")
    a = p.parse_args()
    host, port = a.listen
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
