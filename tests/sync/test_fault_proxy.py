#!/usr/bin/env python3
"""The fault proxy itself, against a tiny stand-in hub (http.server): every action does what it says."""
import gzip
import http.client
import http.server
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import FaultProxy  # noqa: E402


class FakeHub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakeHub.received.append(body)
        out = json.dumps({"hub": "engage-hub", "got": len(body), "pad": "x" * 2000}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        out = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the proxy resets connections on purpose


def post(port, body=b"hello" * 100, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/v1/batches", body=body, headers={"Content-Type": "application/octet-stream"})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def expect_error(fn, what):
    try:
        got = fn()
    except (OSError, http.client.HTTPException) as e:
        return e
    raise AssertionError(f"{what}: expected a network error, got {got!r}"[:300])


def main():
    server = QuietServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    hub_port = server.server_address[1]
    proxy = FaultProxy(hub_port).start()
    try:
        port = proxy.port
        status, _, body = post(port)
        assert status == 200 and json.loads(body)["got"] == 500, (status, body[:100])

        # keep-alive: two requests on one connection, each takes its own action
        proxy.schedule(["pass", {"status": 500}])
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/v1/batches", body=b"a")
        r = c.getresponse()
        assert r.status == 200, r.status
        r.read()
        c.request("POST", "/v1/batches", body=b"b")
        r = c.getresponse()
        assert r.status == 500, r.status
        c.close()

        before = len(FakeHub.received)
        proxy.schedule([{"status": 503, "retry_after": 2}, {"status": 429, "retry_after": 1}, {"status": 413},
                        "captive"])
        status, headers, _ = post(port)
        assert status == 503 and headers.get("Retry-After") == "2", (status, headers)
        status, headers, _ = post(port)
        assert status == 429 and headers.get("Retry-After") == "1", (status, headers)
        status, _, _ = post(port)
        assert status == 413, status
        status, headers, body = post(port)
        assert status == 200 and b"<html>" in body and "text/html" in headers["Content-Type"], (status, headers)
        assert len(FakeHub.received) == before, "self-answered requests reached the hub"

        proxy.schedule(["refuse"])
        expect_error(lambda: post(port), "refuse")

        before = len(FakeHub.received)
        proxy.schedule([{"cut_request": 100}])
        expect_error(lambda: post(port), "cut_request")
        time.sleep(0.2)
        assert len(FakeHub.received) == before, "a cut request reached the hub's handler whole"

        before = len(FakeHub.received)
        proxy.schedule([{"cut_reply": 60}])
        expect_error(lambda: post(port), "cut_reply")
        assert len(FakeHub.received) == before + 1, "cut_reply must forward the whole request"

        called = []
        proxy.schedule([{"drop_reply": True, "hook": lambda i: called.append(i)}])
        expect_error(lambda: post(port), "drop_reply")
        assert len(called) == 1, called

        after = []
        proxy.schedule([{"pass": True, "after": lambda i: after.append(i)}, "replay",
                        {"redirect": "http://portal.invalid/login"}])
        status, _, body1 = post(port, body=b"first")
        deadline = time.time() + 5  # the hook runs on the proxy's thread after the client already has the reply
        while not after and time.time() < deadline:
            time.sleep(0.01)
        assert status == 200 and len(after) == 1, (status, after)
        before = len(FakeHub.received)
        status, _, body2 = post(port, body=b"second")
        assert status == 200 and body2 == body1 and len(FakeHub.received) == before, "replay"
        status, headers, _ = post(port)
        assert status == 302 and headers["Location"] == "http://portal.invalid/login", (status, headers)

        proxy.schedule([{"trickle": 10, "seconds": 1.5}])
        t0 = time.time()
        expect_error(lambda: post(port), "trickle")  # the promised body never comes whole
        assert 1.0 < time.time() - t0 < 5, time.time() - t0

        t0 = time.time()
        proxy.schedule([{"stall_reply": 3}])
        expect_error(lambda: post(port, timeout=1), "stall_reply")
        assert time.time() - t0 < 2.5, "the client's own timeout should have fired first"

        proxy.close_listener()
        e = expect_error(lambda: post(port), "closed listener")
        assert isinstance(e, ConnectionRefusedError), repr(e)
        proxy.reopen_listener()
        assert proxy.port == port
        status, _, _ = post(port)
        assert status == 200, status

        batch = {"protocol": 1, "batch_id": "b1", "records": [{"uuid": "u1"}, {"uuid": "u2"}]}
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/v1/batches", body=gzip.compress(json.dumps(batch).encode()),
                  headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        assert c.getresponse().status == 200
        c.close()
        last = proxy.log[-1]
        assert last["records"] == 2 and last["uuids"] == ["u1", "u2"] and last["status"] == 200, last

        proxy.set_connect_policy(lambda c: True)
        expect_error(lambda: post(port), "connect policy")
        proxy.set_connect_policy(None)

        # A client that asks "Expect: 100-continue" hears 100 from the proxy, and the hub gets the body.
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 100"), "no 100 Continue"
        s.sendall(b"abc")
        got = b""
        while b'"got": 3' not in got:
            chunk = s.recv(65536)
            assert chunk, f"closed early: {got[:200]!r}"
            got += chunk
        s.close()

        proxy.set_policy(lambda i: {"status": 500} if i % 2 else "pass")
        statuses = [post(port)[0] for _ in range(4)]
        assert sorted(statuses) == [200, 200, 500, 500], statuses
        counts = proxy.counts()
        assert counts["connections"] >= 15 and counts["requests"] >= 15, counts
        print(f"proxy counts: {counts}")
    finally:
        proxy.stop()
        server.shutdown()
    # After stop() nothing listens any more.
    s = socket.socket()
    s.settimeout(1)
    try:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "still listening after stop()"
    finally:
        s.close()
    print("passed fault proxy")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
