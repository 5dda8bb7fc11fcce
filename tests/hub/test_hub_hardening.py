#!/usr/bin/env python3
"""engage-hub under hostile and busy clients (docs/hub.md, "HTTP layer"), each scenario on a fresh SQLite hub:
  slowloris    more idle and slow connections than workers; a kiosk's batch still goes in at once
  idle         a silent connection is closed after --idle-timeout
  memory       header floods, huge chunked bodies (POST and PRI) and forged gzip sizes leave the RSS bounded
  burst        300 connections opened at once: every one answered, none reset
  per_address  past --max-per-address, new connections from that address are closed; the others still work
  smuggling    two Content-Lengths, Content-Length with chunked, other transfer codings: 400, nothing stored
  early        a method or path the hub does not serve is refused before its body is read
Usage: test_hub_hardening.py ENGAGE_HUB SCENARIO"""
import gzip
import json
import socket
import threading
import time

import hubtest
from hubtest import batch, check, counts, new_kiosk_id, record


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise hubtest.TestFailure("no VmRSS for the hub")


def read_reply(s, timeout=10):
    """What the hub sends on socket s until it closes or a whole reply came: (status or None, raw bytes)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            data += part
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length" and len(body) >= int(v):
                        return int(data.split(b" ", 2)[1]), data
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        raise hubtest.TestFailure(f"no reply within {timeout} s; got {data[:200]!r}")
    if data.startswith(b"HTTP/1."):
        return int(data.split(b" ", 2)[1]), data
    return None, data


def raw(hub, head, body=b"", timeout=10):
    """Sends a hand-made request (head without the final blank line) and returns (status, raw reply)."""
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=timeout)
    try:
        s.sendall(head.encode() + b"\r\n\r\n" + body)
        return read_reply(s, timeout)
    finally:
        s.close()


def good_batch(device, seq):
    return batch(device, [record(seq)])


def scenario_slowloris(binary, db, tmp):
    k = hubtest.add_kiosk(binary, db.spec, "Busy Hall")
    with hubtest.Hub(binary, db.spec, tmp, extra=[]) as hub:
        socks = []
        # 24 connections that never finish their headers, 24 that promise a body and send one byte of it.
        for i in range(48):
            s = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
            if i % 2:
                s.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + k["token"].encode() +
                          b"\r\nContent-Length: 1000\r\n\r\n{")
            else:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        time.sleep(0.5)
        device = new_kiosk_id()
        c = hub.connection(timeout=5)  # the old server held a worker per connection: this waited 30 s
        try:
            body = __import__("json").dumps(good_batch(device, 1)).encode()
            c.request("POST", "/v1/batches", body=body,
                      headers={"Authorization": f"Bearer {k['token']}", "Content-Type": "application/json"})
            r = c.getresponse()
            reply = __import__("json").loads(r.read())
        finally:
            c.close()
        check(r.status == 200 and reply["results"][0]["status"] == "stored", "a sync during slowloris", r.status, reply)
        hub.healthz()
        for s in socks:
            s.close()
    check(counts(db)["records"] == 1, counts(db))
    print("passed slowloris")


def scenario_idle(binary, db, tmp):
    with hubtest.Hub(binary, db.spec, tmp, extra=["--idle-timeout", "1"]) as hub:
        s = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        start = time.monotonic()
        st, data = read_reply(s, timeout=10)
        s.close()
        check(st is None and data == b"", "a silent connection got", data[:200])
        check(time.monotonic() - start < 8, "a silent connection was kept", time.monotonic() - start)
        hub.healthz()
    print("passed idle")


def flood_headers(port, total, results, i):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    sent = 0
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        line = b"X-Flood: " + b"a" * 100 + b"\r\n"
        chunk = line * 1000
        while sent < total:
            s.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    results[i] = sent
    s.close()


def send_chunked(port, head, total):
    """A chunked body of `total` bytes in 1 MiB chunks; stops when the hub answers or closes. Returns the status."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(head.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n%s\r\n" % (1024 * 1024, b"\0" * 1024 * 1024)
        sent = 0
        try:
            while sent < total:
                s.sendall(piece)
                sent += 1024 * 1024
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        st, _ = read_reply(s, timeout=30)
        return st
    finally:
        s.close()


def scenario_memory(binary, db, tmp):
    k = hubtest.add_kiosk(binary, db.spec, "Memory Hall")
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        hub.healthz()
        before = rss_kib(hub.proc.pid)
        # Four connections each trying to send 96 MiB of header lines (the old hub grew by 770 MiB).
        results = [0] * 4
        ts = [threading.Thread(target=flood_headers, args=(hub.port, 96 * 1024 * 1024, results, i)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        check(all(r < 8 * 1024 * 1024 for r in results), "the hub kept reading header lines", results)
        # A PRI request with a chunked body: refused before the body (the old hub buffered 512 MiB of it).
        st = send_chunked(hub.port, "PRI /v1/batches HTTP/1.1\r\nHost: x", 256 * 1024 * 1024)
        check(st in (400, 405, None), "PRI with a chunked body", st)
        # A chunked POST over --max-body-mib: 413, read and dropped, never held.
        st = send_chunked(hub.port, f"POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k['token']}",
                          64 * 1024 * 1024)
        check(st == 413, "64 MiB chunked batch", st)
        # gzip'd batches whose trailers claim 4 GiB once decompressed: the hub reserves for a body by that size,
        # at most 32 times what came; each is refused (zlib checks the trailer), nothing is held.
        body = bytearray(gzip.compress(json.dumps(good_batch(new_kiosk_id(), 1)).encode()))
        body[-4:] = b"\xff\xff\xff\xff"
        for _ in range(40):
            st, _ = raw(hub, f"POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k['token']}\r\n"
                             f"Content-Encoding: gzip\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(body)}", bytes(body))
            check(st == 400, "a batch with a forged gzip trailer", st)
        after = rss_kib(hub.proc.pid)
        check(after - before < 64 * 1024, f"the hub's RSS grew from {before} to {after} KiB")
        hub.healthz()
    check(counts(db)["records"] == 0, counts(db))
    print(f"passed memory (RSS {before} -> {after} KiB)")


def scenario_burst(binary, db, tmp):
    n = 300
    with hubtest.Hub(binary, db.spec, tmp, extra=["--max-per-address", "400"]) as hub:
        socks, errors = [], []
        # Non-blocking connects, all at once, before anyone is answered (the old backlog of 5 dropped them).
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", hub.port))
            socks.append(s)
        statuses = []
        for s in socks:
            s.setblocking(True)
            s.settimeout(20)
        for s in socks:
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            except OSError as e:
                errors.append(repr(e))
        for s in socks:
            try:
                st, _ = read_reply(s, timeout=20)
                statuses.append(st)
            except (OSError, hubtest.TestFailure) as e:
                errors.append(repr(e))
            s.close()
        check(not errors, f"{len(errors)} of {n} connections failed:", errors[:5])
        check(statuses == [200] * n, "not every connection was answered 200:",
              {st: statuses.count(st) for st in set(statuses)})
        hub.healthz()
    print("passed burst")


def scenario_per_address(binary, db, tmp):
    with hubtest.Hub(binary, db.spec, tmp, extra=["--max-per-address", "5"]) as hub:
        held = [socket.create_connection(("127.0.0.1", hub.port), timeout=10) for _ in range(5)]
        for s in held:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            st, data = read_reply(extra, timeout=10)
        except (BrokenPipeError, ConnectionResetError):
            st, data = None, b""
        extra.close()
        check(st is None, "a sixth connection from one address was served", data[:200])
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while True:  # the hub notices the closed sockets at once, but give it a moment
            try:
                hub.healthz()
                break
            except (OSError, hubtest.TestFailure):
                check(time.monotonic() < deadline, "the hub did not serve again after the connections closed")
                time.sleep(0.1)
    print("passed per_address")


def scenario_smuggling(binary, db, tmp):
    k = hubtest.add_kiosk(binary, db.spec, "Smuggling Hall")
    device = new_kiosk_id()
    body = __import__("json").dumps(good_batch(device, 1)).encode()
    auth = f"POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k['token']}\r\nContent-Type: application/json"
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        shapes = [
            ("two Content-Lengths", f"{auth}\r\nContent-Length: {len(body)}\r\nContent-Length: {len(body) + len(smuggled)}",
             body + smuggled),
            ("two equal Content-Lengths", f"{auth}\r\nContent-Length: {len(body)}\r\nContent-Length: {len(body)}", body),
            ("Content-Length and chunked", f"{auth}\r\nContent-Length: {len(chunked)}\r\nTransfer-Encoding: chunked",
             chunked),
            ("chunked and Content-Length", f"{auth}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4", chunked),
            ("gzip, chunked", f"{auth}\r\nTransfer-Encoding: gzip, chunked", chunked),
            ("Content-Length not a number", f"{auth}\r\nContent-Length: +{len(body)}", body),
        ]
        for name, head, payload in shapes:
            st, data = raw(hub, head, payload + smuggled)
            check(st == 400, f"{name}: answered {st}", data[:300])
            check(b'"ok":true' not in data and b"200 OK" not in data, f"{name}: the smuggled request was answered",
                  data[:600])
            if "not a number" not in name:  # that one libmicrohttpd refuses itself, with its own HTML page
                check(b'"error"' in data, f"{name}: not a JSON error", data[:300])
        check(counts(db)["records"] == 0, "a smuggled batch was stored", counts(db))
        # And the plain shapes still work.
        st, data = raw(hub, f"{auth}\r\nContent-Length: {len(body)}", body)
        check(st == 200 and b'"stored"' in data, st, data[:300])
        st, data = raw(hub, f"{auth}\r\nTransfer-Encoding: chunked", b"%x\r\n%s\r\n0\r\n\r\n" % (
            len(body), body.replace(b'"seq": 1', b'"seq": 1')))
        check(st == 200 and b'"duplicate"' in data, st, data[:300])
        log = hub.log()
        check("Content-Length" in log and "status=400" in log, "refusals not logged", log[-2000:])
    print("passed smuggling")


def scenario_early(binary, db, tmp):
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        # Headers promising 100 MiB, and no body: the refusal must come without waiting for it.
        for head, status in (("DELETE /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600", 405),
                             ("PUT /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600", 405),
                             ("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600", 404),
                             ("PRI /v1/batches HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", 405),
                             ("POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n"
                              "Expect: 100-continue", 413),
                             ("POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824", 413)):
            st, data = raw(hub, head, timeout=5)
            check(st == status, head.split("\r\n")[0], "answered", st, data[:300])
            check(b"nosniff" in data and b'"error"' in data, "JSON refusal", data[:300])
        hub.healthz()
    print("passed early")


if __name__ == "__main__":
    hubtest.run_scenario(globals(), "engage-hub-hard-")
