#!/usr/bin/env python3
"""A small fault-injecting HTTP/TCP proxy for the sync tests: kiosk -> proxy -> hub, all on 127.0.0.1.

It understands just enough HTTP/1.1 (headers, Content-Length, chunked) to apply one *action* per request.
Each connection is accepted, and before its first request is read the next action is looked at: "refuse"
resets the connection at once. Otherwise every request on the connection takes the next action:

    "pass"                          forward the request to the hub and the reply back (a fresh hub
                                    connection per request)
    "refuse"                        reset the client's connection as soon as it is accepted (RST)
    {"cut_request": N}              forward only the first N bytes of the request, then reset both sides
    {"cut_reply": N}                forward the whole request; forward only N bytes of the reply, then reset
    {"stall_reply": S}              forward the whole request, read the hub's whole reply, hold it for S
                                    seconds (longer than the client's timeout), then close without sending it
    {"drop_reply": True, "hook": f} forward the request; as soon as the hub's reply starts call f() (e.g.
                                    SIGKILL the hub: it has committed but the kiosk never hears), then reset
    {"status": 500}                 answer the request itself, never contacting the hub; also 503/429 with
    {"status": 503, "retry_after": 1}   "retry_after" (seconds, a Retry-After header), 413, 400, anything
    "captive"                       answer itself with "200 OK" and an HTML login page (a captive portal)
    {"redirect": URL}               answer itself with "302 Found" to URL (a portal's other habit)
    "replay"                        answer itself with the last 200 reply the hub gave (for another batch)
    {"trickle": B, "seconds": S}    answer itself with a 200 whose body never ends: B bytes a second for S seconds
    {"after": f}                    with any forwarding action: call f(request index) once the whole reply has
                                    been passed to the client (e.g. SIGKILL the kiosk while it records the acks)

A "hook" may be added to any action; it is called (with the request index) when the request has been read.

Control, when imported:  p = FaultProxy(hub_port); p.start(); p.schedule(["pass", {"status": 500}]);
    p.set_policy(lambda i: "pass")   # a function of the request index, used when the schedule is empty
    p.set_connect_policy(lambda c: c % 10 == 0)   # True: reset connection number c as soon as it is accepted
    p.log -> one dict per request: index, time, action, path, bytes, records, uuids, batch_id, status, reply
    p.close_listener() / p.reopen_listener()   # a real ECONNREFUSED for a while
    p.counts() -> {"connections": …, "requests": …, "actions": {"pass": …}}   p.stop()
From the command line (for poking at a hub by hand; every run ends by itself after --max-seconds):
    fault_proxy.py --target 127.0.0.1:8443 [--listen-port 0] [--control FILE.json] [--max-seconds 600]
FILE.json is {"default": "pass", "schedule": [...]} and is re-read whenever it changes; the schedule is consumed.

Every loop here is bounded: sockets have timeouts, handler threads are daemons, stop() ends everything, and
only 127.0.0.1 is used.
"""
import argparse
import collections
import gzip
import json
import os
import socket
import struct
import sys
import threading
import time
import zlib

HOST = "127.0.0.1"
IO_TIMEOUT = 30.0          # no single read waits longer than this
MAX_MESSAGE = 64 << 20     # a request or reply larger than this is a test bug; the connection is dropped
CAPTIVE_PAGE = (b"<!DOCTYPE html><html><head><title>Welcome to Library WiFi</title></head>"
                b"<body><h1>Welcome!</h1><p>Please accept the terms to continue.</p>"
                b"<form method=post action=/login><input type=submit value=Accept></form></body></html>")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class Closed(Exception):
    pass


def action_name(action):
    if isinstance(action, str):
        return action
    for key in ("status", "cut_request", "cut_reply", "stall_reply", "drop_reply", "redirect", "trickle"):
        if key in action:
            return key if key != "status" else f"status_{action['status']}"
    return "pass" if action.get("pass") else "unknown"


def reset(sock):
    """Close with an RST rather than a FIN (SO_LINGER 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Reader:
    """Buffered reads of one HTTP message at a time from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed("peer closed")
        self.buf += chunk
        if len(self.buf) > MAX_MESSAGE:
            raise Closed("message too large")

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def head(self):
        """Raw bytes up to and including the blank line, or None if the peer closed before sending any."""
        while b"\r\n\r\n" not in self.buf:
            try:
                self._more()
            except Closed:
                if not self.buf:
                    return None
                raise
        i = self.buf.index(b"\r\n\r\n") + 4
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def message(self, is_response, request_method=b"POST"):
        """One whole message: (raw bytes, start line, headers dict lower-cased, body de-chunked). None on a clean
        close."""
        head = self.head()
        if head is None:
            return None
        lines = head.split(b"\r\n")
        start = lines[0]
        headers = {}
        for line in lines[1:]:
            if b":" in line:
                k, v = line.split(b":", 1)
                headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        raw = head
        body = b""
        status = None
        if is_response:
            try:
                status = int(start.split()[1])
            except (IndexError, ValueError):
                raise Closed("bad status line")
        no_body = is_response and (request_method == b"HEAD" or status in (204, 304) or 100 <= status < 200)
        if no_body:
            pass
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size_line = self._line()
                raw += size_line
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:  # trailers up to the blank line
                        t = self._line()
                        raw += t
                        if t == b"\r\n":
                            break
                    break
                data = self._take(size + 2)
                raw += data
                body += data[:-2]
        elif "content-length" in headers:
            if not is_response and headers.get("expect", "").lower() == "100-continue":
                # Say "go on" ourselves, and forward the request without the Expect header.
                self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                raw = b"\r\n".join(l for l in head.split(b"\r\n") if not l.lower().startswith(b"expect:"))
                del headers["expect"]
            body = self._take(int(headers["content-length"]))
            raw += body
        elif is_response:  # until the server closes
            try:
                while True:
                    self._more()
            except Closed:
                pass
            body = self.buf
            raw += body
            self.buf = b""
        return raw, start, headers, body


def describe_batch(headers, body):
    """For /v1/batches requests: how many records and which uuids (the body is gzip'd JSON); {} otherwise."""
    try:
        if "gzip" in headers.get("content-encoding", "").lower():
            body = gzip.decompress(body)
        j = json.loads(body)
        records = j.get("records")
        if isinstance(records, list):
            return {"records": len(records), "uuids": [r.get("uuid") for r in records if isinstance(r, dict)],
                    "batch_id": j.get("batch_id")}
    except (OSError, ValueError, EOFError, AttributeError, zlib.error):
        pass
    return {}


def canned(status, body=b"", content_type="application/json", extra=()):
    reason = REASONS.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
             "Connection: close", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class FaultProxy:
    def __init__(self, target_port, target_host=HOST, listen_port=0, default="pass"):
        self.target = (target_host, target_port)
        self.default = default
        self._queue = collections.deque()
        self._policy = None
        self._connect_policy = None
        self._last_reply = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = None
        self._listen_port = listen_port
        self._threads = []
        self._clients = set()
        self.connections = 0
        self.requests = 0
        self.actions = collections.Counter()
        self.log = []          # one dict per request: index, time, action, path, bytes, records, uuids
        self.control_file = None
        self._control_mtime = None

    # ---- control
    @property
    def port(self):
        return self._listen_port

    @property
    def url(self):
        return f"http://{HOST}:{self._listen_port}"

    def retarget(self, port, host=HOST):
        with self._lock:
            self.target = (host, port)

    def schedule(self, actions):
        """Appends actions for the next requests, in order."""
        with self._lock:
            self._queue.extend(actions)

    def clear(self):
        with self._lock:
            self._queue.clear()

    def set_policy(self, fn):
        """fn(request_index) -> action, used whenever the schedule is empty (None: the default action)."""
        with self._lock:
            self._policy = fn

    def set_connect_policy(self, fn):
        """fn(connection_index) -> True to reset that connection as soon as it is accepted (None: never).
        The schedule's "refuse" entries still come first."""
        with self._lock:
            self._connect_policy = fn

    def set_default(self, action):
        with self._lock:
            self.default = action

    def pending(self):
        with self._lock:
            return len(self._queue)

    def counts(self):
        with self._lock:
            return {"connections": self.connections, "requests": self.requests, "actions": dict(self.actions)}

    def _read_control_file(self):
        if not self.control_file:
            return
        try:
            mtime = os.stat(self.control_file).st_mtime_ns
        except OSError:
            return
        if mtime == self._control_mtime:
            return
        self._control_mtime = mtime
        try:
            with open(self.control_file) as f:
                spec = json.load(f)
        except (OSError, ValueError) as e:
            print(f"fault_proxy: ignoring {self.control_file}: {e}", file=sys.stderr)
            return
        self.default = spec.get("default", "pass")
        self._queue = collections.deque(spec.get("schedule", []))

    def _peek(self):
        with self._lock:
            self._read_control_file()
            return self._queue[0] if self._queue else None

    def _next(self, index):
        with self._lock:
            self._read_control_file()
            if self._queue:
                action = self._queue.popleft()
            elif self._policy is not None:
                action = self._policy(index)
            else:
                action = self.default
            return action or "pass"

    # ---- life cycle
    def _open_listener(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, self._listen_port))
        s.listen(64)
        s.settimeout(0.2)
        self._listen_port = s.getsockname()[1]
        self._listener = s
        t = threading.Thread(target=self._accept_loop, args=(s,), daemon=True)
        t.start()
        self._threads.append(t)

    def start(self):
        self._open_listener()
        return self

    def close_listener(self):
        """Stops listening: new connections are refused by the kernel (ECONNREFUSED) until reopen_listener()."""
        s, self._listener = self._listener, None
        if s is not None:
            s.close()
            time.sleep(0.25)  # the accept loop notices within its 0.2 s timeout

    def reopen_listener(self):
        if self._listener is None:
            self._open_listener()

    def stop(self):
        self._stop.set()
        self.close_listener()
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            reset(c)
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept_loop(self, listener):
        while not self._stop.is_set() and self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(IO_TIMEOUT)
            with self._lock:
                conn_index = self.connections
                self.connections += 1
                self._clients.add(client)
            t = threading.Thread(target=self._serve, args=(client, conn_index), daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()] + [t]

    # ---- one client connection
    def _serve(self, client, conn_index):
        try:
            with self._lock:
                by_policy = self._connect_policy is not None and not self._queue and \
                    bool(self._connect_policy(conn_index))
            if by_policy or self._peek() == "refuse":
                if not by_policy:
                    self._next(None)
                with self._lock:
                    self.actions["refuse"] += 1
                    self.log.append({"index": None, "time": time.time(), "action": "refuse"})
                reset(client)
                return
            reader = Reader(client)
            while not self._stop.is_set():
                msg = reader.message(is_response=False)
                if msg is None:
                    break
                raw, start, headers, body = msg
                with self._lock:
                    index = self.requests
                    self.requests += 1
                action = self._next(index)
                if action == "refuse":  # mid-connection: as good as a reset
                    action = {"cut_request": 0}
                name = action_name(action)
                entry = {"index": index, "time": time.time(), "action": name,
                         "path": start.split(b" ")[1].decode("latin-1") if b" " in start else "",
                         "bytes": len(body), **describe_batch(headers, body)}
                with self._lock:
                    self.actions[name] += 1
                    self.log.append(entry)
                if isinstance(action, dict) and action.get("hook") and "drop_reply" not in action:
                    action["hook"](index)
                keep = self._apply(client, raw, start, headers, action, index, entry)
                if not keep:
                    break
        except (Closed, OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
            try:
                client.close()
            except OSError:
                pass

    def _upstream(self):
        with self._lock:
            target = self.target
        up = socket.create_connection(target, timeout=IO_TIMEOUT)
        return up

    def _apply(self, client, raw, start, headers, action, index, entry):
        """Handles one request; returns whether the client connection may carry another."""
        method = start.split(b" ", 1)[0]
        client_keep = headers.get("connection", "").lower() != "close"
        if action == "captive":
            client.sendall(canned(200, CAPTIVE_PAGE, "text/html; charset=utf-8"))
            return False
        if action == "replay":
            # The last 200 reply the hub gave (for another batch), as a confused cache or proxy might send it;
            # the request never reaches the hub.
            with self._lock:
                last = self._last_reply
            client.sendall(last if last else canned(200, b'{"hub": "engage-hub", "protocol": 1}'))
            return False
        if isinstance(action, dict) and "trickle" in action:
            # A 200 that never ends: headers promising a big body, then a few bytes a second (above any
            # "too slow" threshold), for action["seconds"] at most; the hub never sees the request.
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n")
            rate = max(1, int(action["trickle"]))
            end = time.time() + float(action.get("seconds", 10))
            while time.time() < end and not self._stop.is_set():
                client.sendall(b" " * rate)
                self._stop.wait(1.0)
            reset(client)
            return False
        if isinstance(action, dict) and "redirect" in action:
            client.sendall(canned(302, b"", "text/html", [f"Location: {action['redirect']}"]))
            return False
        if isinstance(action, dict) and "status" in action:
            status = int(action["status"])
            extra = []
            if action.get("retry_after") is not None:
                extra.append(f"Retry-After: {action['retry_after']}")
            body = action.get("body")
            if body is None:
                body = json.dumps({"error": f"fault proxy says {status}"}).encode()
            elif isinstance(body, str):
                body = body.encode()
            client.sendall(canned(status, body, action.get("content_type", "application/json"), extra))
            return False
        if isinstance(action, dict) and "cut_request" in action:
            n = int(action["cut_request"])
            if n > 0:
                try:
                    up = self._upstream()
                    up.sendall(raw[:n])
                    time.sleep(0.05)
                    reset(up)
                except OSError:
                    pass
            reset(client)
            return False
        # Everything else forwards the whole request to the hub.
        try:
            up = self._upstream()
        except OSError:
            reset(client)  # the hub is down: the client sees a reset, much as it would see a refusal
            return False
        try:
            up.sendall(raw)
            up_reader = Reader(up)
            if isinstance(action, dict) and "drop_reply" in action:
                # Wait for the first byte of the reply: the hub has committed (it replies after COMMIT).
                up_reader._more()
                if action.get("hook"):
                    action["hook"](index)
                reset(client)
                return False
            reply = up_reader.message(is_response=True, request_method=method)
            if reply is None:
                reset(client)
                return False
            reply_raw, reply_start, reply_headers, reply_body = reply
            try:
                entry["status"] = int(reply_start.split()[1])
                entry["reply"] = reply_body[:1 << 20]
            except (IndexError, ValueError):
                pass
            if isinstance(action, dict) and "cut_reply" in action:
                n = int(action["cut_reply"])
                client.sendall(reply_raw[:n])
                time.sleep(0.05)
                reset(client)
                return False
            if isinstance(action, dict) and "stall_reply" in action:
                self._stop.wait(float(action["stall_reply"]))
                reset(client)
                return False
            client.sendall(reply_raw)
            if reply_body and entry.get("status") == 200:
                with self._lock:
                    self._last_reply = reply_raw
            if isinstance(action, dict) and action.get("after"):
                action["after"](index)
            server_keep = reply_headers.get("connection", "").lower() != "close"
            return client_keep and server_keep
        finally:
            try:
                up.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True, help="127.0.0.1:PORT of the hub")
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--control", help="JSON file {default, schedule}, re-read when it changes")
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    host, port = args.target.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost"):
        ap.error("only 127.0.0.1 targets")
    p = FaultProxy(int(port), listen_port=args.listen_port)
    p.control_file = args.control
    p.start()
    print(f"listening on {p.url} -> {host}:{port}", flush=True)
    deadline = time.time() + args.max_seconds
    try:
        while time.time() < deadline:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    p.stop()
    print(json.dumps(p.counts()))


if __name__ == "__main__":
    main()
