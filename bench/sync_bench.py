#!/usr/bin/env python3
"""Sync benchmarks: the kiosk's sync client and the hub's ingest, end to end on this machine (stdlib only).

  sync_bench.py BUILD drain  [--responses 100000] [--batch-records N] [--sealed] [--drain-rounds 3]
      `engage-kiosk seed` N responses, then one `engage-kiosk sync` pass to a local hub (SQLite) until the hub holds
      them all -> responses/s; beside it, in the same run, a plain SQLite insert of the same rows (python sqlite3,
      executemany into a fresh file, one transaction) -> rows/s, and the ratio. Each round (3 by default) times
      the plain insert and then the drain, from a fresh copy of the seeded kiosk to a fresh hub, one right after
      the other: every round's figures are printed, and the summary gives the median round (by ratio).
  sync_bench.py BUILD ingest [--kiosks 500] [--batches 5] [--records 100] [--backend sqlite,postgresql]
                             [--linger S] [--pg-fsync on|off] [--hub-arg=--threads --hub-arg=64]
      500 simulated kiosks (threads, each enrolled with `engage-hub kiosk add`) POST gzip'd protocol-v1 batches
      straight to the hub, all at once -> responses/s and p50/p99 request latency, with SQLite and PostgreSQL
      (a throwaway server from tests/pg_server.py, durable: fsync on unless --pg-fsync off; skipped with a note if
      PostgreSQL is not installed).
      --linger S keeps each kiosk's connection open S seconds after its last batch, as the kiosk's long-lived
      libcurl handle does; --hub-arg passes options to engage-hub serve.
      --mode closed,open (the default: both, on one hub). closed: the above, saturation (every kiosk sends again
      as soon as it is answered: its latency is queueing). open: each kiosk sends its batches at random times (a
      Poisson process) at a total arrival rate, for --open-seconds per rate, the --rates in turn until one fails
      -> p50/p99 latency from each batch's scheduled time, errors, and the highest rate with p99 < --goal-ms (250).
  sync_bench.py BUILD surveys [--kiosks 500] [--rounds 5] [--backend sqlite,postgresql]
      3 surveys published to every kiosk; 500 enrolled kiosks (threads, one kept-alive connection each) fetch
      GET /v1/surveys once, then all at once `--rounds` times with If-None-Match: their ETag (nothing new: 304)
      -> requests/s and p50/p99; in the same run the same requests without the ETag (the whole list, 200) and
      GET /healthz (no database at all), and the ratios.
  sync_bench.py BUILD all    drain and ingest

BUILD is a build folder with hub/engage-hub and app/engage-kiosk. Every figure also goes out as a
"summary: LABEL<TAB>VALUE" line, which run_all.sh gathers into its table. Only 127.0.0.1 is used; every request
loop is bounded by its count and by --max-seconds.
"""
import argparse
import gzip
import hashlib
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "sync"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from harness import Hub, KioskData  # noqa: E402


def summary(label, value):
    print(f"summary: {label}\t{value}", flush=True)


def binaries(build, need_kiosk=True):
    hub = os.path.join(build, "hub", "engage-hub")
    kiosk = os.path.join(build, "app", "engage-kiosk")
    for b in (hub, kiosk) if need_kiosk else (hub,):
        if not os.access(b, os.X_OK):
            sys.exit(f"sync_bench: {b} is missing; build first (cmake --build {build})")
    return hub, kiosk


# ------------------------------------------------------------------------------------------------------ drain
def plain_sqlite_insert(kiosk_db, target):
    """The same rows as the kiosk holds, inserted by python's sqlite3 into a fresh file in one transaction, with
    the hub-like durability settings (WAL, synchronous=FULL) and a unique (kiosk, uuid) key."""
    src = sqlite3.connect(f"file:{kiosk_db}?mode=ro", uri=True)
    rows = src.execute("SELECT r.kiosk_id, r.uuid, r.seq, r.survey_id, r.survey_version, r.created_utc, r.language,"
                       " r.session_id, s.event, s.venue, s.started_utc, s.ended_utc, r.answers_json"
                       " FROM responses r LEFT JOIN sessions s ON s.id = r.session_id ORDER BY r.seq").fetchall()
    src.close()
    rows = [(*r, hashlib.sha256(r[12].encode()).hexdigest()) for r in rows]
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE responses(kiosk_uuid TEXT NOT NULL, uuid TEXT NOT NULL, seq INTEGER NOT NULL,"
                " survey_id TEXT NOT NULL, survey_version INTEGER NOT NULL, created_utc TEXT NOT NULL,"
                " language TEXT NOT NULL, session_id TEXT, session_event TEXT, session_venue TEXT,"
                " session_started_utc TEXT, session_ended_utc TEXT, answers_json TEXT NOT NULL,"
                " content_hash TEXT NOT NULL, PRIMARY KEY (kiosk_uuid, uuid))")
    t = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO responses VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("COMMIT")
    took = time.perf_counter() - t
    con.close()
    return len(rows), took


def drain_round(hub_bin, kiosk_bin, seeded, tmp, args):
    """One round: the plain insert, then the drain of a fresh copy of the seeded kiosk to a fresh hub."""
    n = args.responses
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    kiosk = KioskData(kiosk_bin, os.path.join(tmp, "kiosk"))
    shutil.copytree(seeded, kiosk.data_dir)
    # The plain insert's rows come from the kiosk before any pairing seals them (their answers in the clear).
    rows, plain = plain_sqlite_insert(kiosk.db_path, os.path.join(tmp, "plain.sqlite"))
    hub = Hub(hub_bin, os.path.join(tmp, "hub.sqlite"), tmp).start()
    try:
        enrol = hub.add_kiosk("bench")
        extra = ["--batch-records", str(args.batch_records)] if args.batch_records else []
        extra += ["--in-flight", str(args.in_flight)] if args.in_flight else []
        if args.sealed:  # paired as a real kiosk is: the hub's key arrives and every response is sealed to it
            t = time.perf_counter()
            p = subprocess.run([kiosk_bin, "pair", "--data-dir", kiosk.data_dir, "--hub", hub.url, "--code",
                                enrol.pairing], capture_output=True, text=True, timeout=args.max_seconds)
            if p.returncode != 0:
                sys.exit(f"sync_bench drain: pair failed ({p.returncode}): {p.stderr[-2000:]}")
            print(f"  (paired: {n} responses sealed to the hub's key in {time.perf_counter() - t:.1f} s)",
                  flush=True)
        t = time.perf_counter()
        if args.sealed:  # the token from the pairing
            r = subprocess.run([kiosk_bin, "sync", "--data-dir", kiosk.data_dir, "--retry-base-ms", "100",
                                "--max-seconds", str(args.max_seconds), *extra], capture_output=True, text=True,
                               timeout=args.max_seconds + 60)
        else:
            r = kiosk.sync(hub.url, enrol.token, "--max-seconds", str(args.max_seconds), *extra,
                           timeout=args.max_seconds + 60, retry_base_ms="100")
        took = time.perf_counter() - t
        held = len(hub.responses())
    finally:
        hub.stop()
    if r.returncode != 0 or held != n:
        sys.exit(f"sync_bench drain: sync exited {r.returncode}, the hub holds {held} of {n}:\n{r.stderr[-2000:]}")
    shutil.rmtree(tmp, ignore_errors=True)
    return n / took, rows / plain, took, plain, rows


def drain(build, args):
    hub_bin, kiosk_bin = binaries(build)
    n = args.responses
    what = "sealed " if args.sealed else ""
    rounds = []
    with tempfile.TemporaryDirectory(prefix="engage-sync-bench-") as tmp:
        seeded = os.path.join(tmp, "seeded")
        t = time.perf_counter()
        KioskData(kiosk_bin, seeded).seed(n, seed=42)
        print(f"  (seeded {n} responses in {time.perf_counter() - t:.1f} s)", flush=True)
        for i in range(args.drain_rounds):
            rate, prate, took, plain, rows = drain_round(hub_bin, kiosk_bin, seeded, os.path.join(tmp, "round"), args)
            rounds.append((rate / prate, rate, prate))
            print(f"round {i + 1}: end to end: {n} {what}responses, kiosk SQLite -> engage-kiosk sync -> HTTP -> "
                  f"engage-hub -> SQLite: {took:.2f} s = {rate:,.0f} responses/s; plain SQLite: {rows} rows, python "
                  f"sqlite3 executemany, one transaction (WAL, synchronous=FULL): {plain:.2f} s = {prate:,.0f} rows/s;"
                  f" {100 * rate / prate:.1f} % of its rate", flush=True)
    ratio, rate, prate = sorted(rounds)[len(rounds) // 2]  # the middle round (the upper middle of an even number)
    print(f"median of {len(rounds)} round{'s' if len(rounds) != 1 else ''}: end to end {rate:,.0f} responses/s, "
          f"plain {prate:,.0f} rows/s: {prate / rate:.1f}x slower than a plain local insert ({100 * ratio:.1f} % of "
          f"its rate; rounds: {', '.join(f'{100 * r[0]:.1f} %' for r in rounds)})", flush=True)
    summary(f"sync drain, {n} {what}responses to a local hub (SQLite), median round",
            f"{rate:,.0f} responses/s")
    summary("plain SQLite insert of the same rows (one transaction), same round", f"{prate:,.0f} rows/s")
    summary("plain insert / end-to-end sync, median round", f"{prate / rate:.1f}x ({100 * ratio:.1f} %)")


# ----------------------------------------------------------------------------------------------------- ingest
def canonical_hash(record):
    """The protocol's content hash: SHA-256 of the record without content_hash, compact JSON, keys sorted (what
    nlohmann::json's dump() gives for the ASCII-only records made here)."""
    payload = {k: v for k, v in record.items() if k != "content_hash"}
    if isinstance(payload.get("session"), dict):
        payload["session"] = {k: v for k, v in payload["session"].items() if k != "ended_utc"}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def make_batches(kiosk_id, batches, per_batch, kiosk_no, seq=0):
    session = {"id": str(uuid.uuid4()), "event": "Bench evening", "venue": f"Hall {kiosk_no}",
               "started_utc": "2026-11-22T09:30:00Z", "ended_utc": None}
    bodies = []
    for _ in range(batches):
        records = []
        for _ in range(per_batch):
            seq += 1
            rec = {"uuid": str(uuid.uuid4()), "seq": seq, "survey_id": "demo-community-voice", "survey_version": 1,
                   "created_utc": "2026-11-22T10:04Z", "language": "en", "session": session,
                   "answers": {"today": 1 + seq % 5, "listened": "yes" if seq % 3 else "no",
                               "next_time": {"selected": ["transport", "childcare"][: 1 + seq % 2]},
                               "anything_else": "It would help to have a bus that runs in the evening."}}
            rec["content_hash"] = canonical_hash(rec)
            records.append(rec)
        batch = {"protocol": 1, "kiosk_id": kiosk_id, "batch_id": str(uuid.uuid4()), "records": records}
        bodies.append((batch["batch_id"], gzip.compress(json.dumps(batch).encode(), 6)))
    return bodies


def post_batch(conn, token, body):
    """One POST /v1/batches on conn -> (response, body, conn or None when the hub closes it)."""
    conn.request("POST", "/v1/batches", body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.getheader("Connection", "").lower() == "close":
        conn.close()
        conn = None
    return resp, data, conn


class SimKiosk(threading.Thread):
    def __init__(self, port, token, bodies, start_gate, deadline, per_batch, linger=0.0):
        super().__init__(daemon=True)
        self.linger = linger
        self.port, self.token, self.bodies = port, token, bodies
        self.gate, self.deadline, self.per_batch = start_gate, deadline, per_batch
        self.latencies, self.request_only, self.connects, self.stored, self.errors = [], [], [], 0, []
        self.last_reply = None

    def run(self):
        self.gate.wait()
        conn = None
        for n, (batch_id, body) in enumerate(self.bodies):
            for attempt in range(20):  # a 503/429 is retried (after its Retry-After, capped); all else is an error
                if time.time() > self.deadline[0]:
                    self.errors.append("deadline")
                    return
                t = time.perf_counter()
                phase = "connect"
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                        conn.connect()
                        self.connects.append(time.perf_counter() - t)
                    phase = "request"
                    t_req = time.perf_counter()
                    resp, data, conn = post_batch(conn, self.token, body)
                except (OSError, http.client.HTTPException) as e:
                    if conn is not None:
                        conn.close()
                    conn = None
                    self.errors.append(f"{phase} of batch {n + 1} (attempt {attempt + 1}): {type(e).__name__}: {e}")
                    continue
                self.latencies.append(time.perf_counter() - t)
                self.last_reply = time.perf_counter()
                self.request_only.append(time.perf_counter() - t_req)
                if resp.status in (429, 503):
                    time.sleep(min(float(resp.getheader("Retry-After", "1") or 1), 2.0))
                    continue
                if resp.status != 200:
                    self.errors.append(f"HTTP {resp.status}: {data[:200]!r}")
                    break
                reply = json.loads(data)
                if reply.get("batch_id") != batch_id:
                    self.errors.append("reply for another batch")
                    break
                self.stored += sum(1 for r in reply["results"] if r["status"] in ("stored", "duplicate"))
                break
        if conn is not None:
            # A kiosk's sync thread keeps its libcurl handle, so its connection stays open (idle) after the last
            # batch until the hub closes it; --linger S models that.
            if self.linger > 0:
                time.sleep(self.linger)
            conn.close()


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def ingest_one(hub_bin, db, tmp, args, label):
    # Every simulated kiosk connects from 127.0.0.1: allow them all from one address.
    extra = ["--max-per-address", str(args.kiosks + 50), "--max-connections", str(args.kiosks + 100)]
    hub = Hub(hub_bin, db, tmp, name=f"hub-{label}", extra_args=extra + list(args.hub_arg or [])).start()
    try:
        t = time.perf_counter()
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(8) as pool:  # `engage-hub kiosk add` processes, a few at a time
            tokens = list(pool.map(lambda i: hub.add_kiosk(f"sim-{i}").token, range(args.kiosks)))
        kiosk_ids = [str(uuid.uuid4()) for _ in tokens]  # a token is pinned to its first device id: keep them
        print(f"  ({label}: enrolled {args.kiosks} kiosks in {time.perf_counter() - t:.1f} s)", flush=True)
        seqs = [0] * args.kiosks
        if "closed" in args.mode:
            closed_loop(hub, tokens, kiosk_ids, seqs, args, label)
        if "open" in args.mode:
            open_loop(hub, tokens, kiosk_ids, seqs, args, label)
    finally:
        hub.stop()


def closed_loop(hub, tokens, kiosk_ids, seqs, args, label):
    t = time.perf_counter()
    work = [make_batches(kid, args.batches, args.records, i, seqs[i]) for i, kid in enumerate(kiosk_ids)]
    for i in range(len(seqs)):
        seqs[i] += args.batches * args.records
    print(f"  ({label}: built {args.kiosks * args.batches} gzip batches in {time.perf_counter() - t:.1f} s)",
          flush=True)
    held_before = len(hub.responses())
    gate = threading.Event()
    deadline = [0.0]
    threads = [SimKiosk(hub.port, tok, bodies, gate, deadline, args.records, args.linger)
               for tok, bodies in zip(tokens, work)]
    for th in threads:
        th.start()
    deadline[0] = time.time() + args.max_seconds
    t = time.perf_counter()
    gate.set()
    for th in threads:
        th.join(timeout=max(1.0, deadline[0] - time.time() + 30))
    took = time.perf_counter() - t
    if args.linger > 0:  # the time to the last reply, not to the last close
        took = max(th.last_reply for th in threads if th.last_reply) - t
    stored = sum(th.stored for th in threads)
    lat = [x for th in threads for x in th.latencies]
    connects = [x for th in threads for x in th.connects]
    req_only = [x for th in threads for x in th.request_only]
    errors = [e for th in threads for e in th.errors]
    held = len(hub.responses()) - held_before
    expected = args.kiosks * args.batches * args.records
    print(f"{label}, closed loop (saturation: every kiosk sends its next batch as soon as the last is answered): "
          f"{args.kiosks} kiosks x {args.batches} batches x {args.records} records: {stored} acknowledged, "
          f"{held} held by the hub, in {took:.2f} s = {stored / took:,.0f} responses/s", flush=True)
    print(f"  request latency (send to whole reply, including the TCP connect when a new connection was needed): "
          f"p50 {1000 * pct(lat, 50):.0f} ms, p99 {1000 * pct(lat, 99):.0f} ms, max {1000 * max(lat):.0f} ms over "
          f"{len(lat)} requests (queueing: all {args.kiosks} kiosks are always waiting)", flush=True)
    print(f"  without the connect (on an open connection): p50 {1000 * pct(req_only, 50):.0f} ms, "
          f"p99 {1000 * pct(req_only, 99):.0f} ms", flush=True)
    print(f"  TCP connect alone: p50 {1000 * pct(connects, 50):.1f} ms, p99 {1000 * pct(connects, 99):.0f} ms, "
          f"max {1000 * max(connects):.0f} ms over {len(connects)} connects", flush=True)
    if errors:
        print(f"  {len(errors)} network errors (each retried): {errors[:3]}", flush=True)
    summary(f"hub ingest connection errors, {label}", str(len(errors)))
    if held != expected or stored != expected:
        print(f"  WARNING: expected {expected} at the hub", flush=True)
    summary(f"hub ingest, {args.kiosks} kiosks at once (closed loop), {label}", f"{stored / took:,.0f} responses/s")
    summary(f"hub ingest p99 request latency, closed loop ({args.records}-record batches), {label}",
            f"{1000 * pct(lat, 99):.0f} ms (TCP connect p99 {1000 * pct(connects, 99):.0f} ms)")


class OpenKiosk(threading.Thread):
    """A kiosk that sends each batch at its own scheduled time (a Poisson process), whether or not the hub has
    caught up: latency counts from the scheduled time, so a kiosk kept waiting by its previous batch shows it."""

    def __init__(self, port, token, bodies, times, gate, t0, idle_timeout):
        super().__init__(daemon=True)
        self.port, self.token, self.bodies, self.times, self.gate, self.t0 = port, token, bodies, times, gate, t0
        self.idle_timeout = idle_timeout
        self.latencies, self.service, self.stored, self.errors, self.refused = [], [], 0, [], 0
        self.last_reply = None

    def run(self):
        import select
        self.gate.wait()
        conn, last_used = None, 0.0
        for n, ((batch_id, body), at) in enumerate(zip(self.bodies, self.times)):
            due = self.t0[0] + at
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            for attempt in range(20):
                # As libcurl does with a pooled connection: one the hub has closed meanwhile is not reused.
                if conn is not None and (time.perf_counter() - last_used > self.idle_timeout - 1 or
                                         select.select([conn.sock], [], [], 0)[0]):
                    conn.close()
                    conn = None
                t = time.perf_counter()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                        conn.connect()
                    resp, data, conn = post_batch(conn, self.token, body)
                    last_used = time.perf_counter()
                except (OSError, http.client.HTTPException) as e:
                    if conn is not None:
                        conn.close()
                    conn = None
                    self.errors.append(f"batch {n + 1} (attempt {attempt + 1}): {type(e).__name__}: {e}")
                    continue
                if resp.status in (429, 503):
                    self.refused += 1
                    time.sleep(min(float(resp.getheader("Retry-After", "1") or 1), 2.0))
                    continue
                now = time.perf_counter()
                self.latencies.append(now - due)
                self.service.append(now - t)
                self.last_reply = now
                if resp.status != 200:
                    self.errors.append(f"HTTP {resp.status}: {data[:200]!r}")
                    break
                reply = json.loads(data)
                self.stored += sum(1 for r in reply["results"] if r["status"] in ("stored", "duplicate"))
                break
        if conn is not None:
            conn.close()


def open_loop_rate(hub, tokens, kiosk_ids, seqs, args, rate, rng):
    """One open-loop run at `rate` responses/s in all: each kiosk's batches arrive as a Poisson process."""
    per_kiosk = rate / args.records / len(tokens)  # batches per second per kiosk
    work, times = [], []
    for i, kid in enumerate(kiosk_ids):
        ts, t = [], rng.expovariate(per_kiosk)
        while t < args.open_seconds:
            ts.append(t)
            t += rng.expovariate(per_kiosk)
        times.append(ts)
        work.append(make_batches(kid, len(ts), args.records, i, seqs[i]))
        seqs[i] += len(ts) * args.records
    sent = sum(len(ts) for ts in times) * args.records
    held_before = len(hub.responses())
    gate, t0 = threading.Event(), [0.0]
    threads = [OpenKiosk(hub.port, tok, bodies, ts, gate, t0, args.idle_timeout)
               for tok, bodies, ts in zip(tokens, work, times) if ts]
    for th in threads:
        th.start()
    t0[0] = time.perf_counter() + 0.2
    gate.set()
    for th in threads:
        th.join(timeout=args.open_seconds + args.max_seconds)
    lat = [x for th in threads for x in th.latencies]
    service = [x for th in threads for x in th.service]
    errors = [e for th in threads for e in th.errors]
    refused = sum(th.refused for th in threads)
    stored = sum(th.stored for th in threads)
    held = len(hub.responses()) - held_before
    last = max((th.last_reply for th in threads if th.last_reply), default=t0[0])
    return {"rate": rate, "sent": sent, "stored": stored, "held": held, "requests": len(lat),
            "p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat) if lat else float("nan"),
            "service_p99": pct(service, 99), "errors": errors, "refused": refused,
            "achieved": stored / max(last - t0[0], args.open_seconds)}


def open_loop(hub, tokens, kiosk_ids, seqs, args, label):
    import random
    rng = random.Random(args.seed)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    per = args.open_seconds * 1.0
    print(f"{label}, open loop: {len(tokens)} kiosks, each sending {args.records}-record batches at random times "
          f"(Poisson) for {per:.0f} s at each total arrival rate below; latency from each batch's scheduled time "
          f"to its whole reply; a rate passes with p99 < {args.goal_ms:.0f} ms and no errors", flush=True)
    best = None
    for rate in rates:
        r = open_loop_rate(hub, tokens, kiosk_ids, seqs, args, rate, rng)
        ok = r["p99"] * 1000 < args.goal_ms and not r["errors"] and not r["refused"] and r["held"] == r["sent"]
        every = len(tokens) * args.records / rate
        print(f"  {rate:8,.0f} responses/s (each kiosk a batch every {every:5.1f} s on average): {r['requests']} "
              f"requests, p50 {1000 * r['p50']:.0f} ms, p99 {1000 * r['p99']:.0f} ms, max {1000 * r['max']:.0f} ms "
              f"(hub service p99 {1000 * r['service_p99']:.0f} ms); {len(r['errors'])} errors, {r['refused']} refused "
              f"(503/429); {r['held']} of {r['sent']} held; achieved {r['achieved']:,.0f} responses/s"
              f" -> {'pass' if ok else 'FAIL'}", flush=True)
        if r["errors"]:
            print(f"    errors: {r['errors'][:3]}", flush=True)
        summary(f"hub ingest open loop at {rate:,.0f} responses/s, {label}",
                f"p50 {1000 * r['p50']:.0f} ms, p99 {1000 * r['p99']:.0f} ms, {len(r['errors'])} errors")
        if ok:
            best = rate
        else:
            break
    summary(f"hub ingest open loop, highest rate tried with p99 < {args.goal_ms:.0f} ms, {label}",
            f"{best:,.0f} responses/s" if best else f"none (of {args.rates})")


def ingest(build, args):
    hub_bin, _ = binaries(build)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="engage-ingest-bench-") as tmp:
        if "sqlite" in backends:
            ingest_one(hub_bin, os.path.join(tmp, "hub.sqlite"), tmp, args, "SQLite")
        if "postgresql" in backends:
            try:
                import pg_server
            except ImportError:
                print("PostgreSQL: skipped (tests/pg_server.py is missing)")
                summary("hub ingest, PostgreSQL", "skipped (no tests/pg_server.py)")
                return
            if not pg_available(pg_server):
                print("PostgreSQL: skipped (no PostgreSQL server binaries; apt-get install postgresql)")
                summary("hub ingest, PostgreSQL", "skipped (no postgresql)")
                return
            if args.pg_fsync == "on":
                print("  (PostgreSQL here is tests/pg_server.py's throwaway server, durable: fsync, synchronous_commit"
                      " and full_page_writes on, as PostgreSQL ships)", flush=True)
            else:
                print("  (PostgreSQL here is tests/pg_server.py's throwaway server with --pg-fsync off: fsync=off,"
                      " synchronous_commit=off; a durable server commits slower)", flush=True)
            with pg_url(pg_server, args.pg_fsync == "on") as url:
                ingest_one(hub_bin, url, tmp, args, "PostgreSQL")


# ---------------------------------------------------------------------------------------------------- surveys
def survey_doc(i):
    return {"format": 1, "id": f"bench-{i}", "version": 1, "title": f"Bench {i}", "languages": ["en"],
            "questions": [{"id": f"q{j}", "type": "smiley", "prompt": f"Question {j} of survey {i}?"}
                          for j in range(20)]}


class SurveyKiosk(threading.Thread):
    """One kiosk: `rounds` GETs of `path` on one kept-alive connection, each with If-None-Match when etag is set."""

    def __init__(self, port, token, path, etag, rounds, gate):
        super().__init__(daemon=True)
        self.port, self.token, self.path, self.etag, self.rounds, self.gate = port, token, path, etag, rounds, gate
        self.latencies, self.statuses, self.errors, self.got_etag = [], [], [], None

    def run(self):
        self.gate.wait()
        conn = None
        for _ in range(self.rounds):
            h = {"Authorization": f"Bearer {self.token}"}
            if self.etag:
                h["If-None-Match"] = self.etag
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", self.path, headers=h)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(f"{type(e).__name__}: {e}")
                if conn is not None:
                    conn.close()
                conn = None
                continue
            self.latencies.append(time.perf_counter() - t)
            self.statuses.append(resp.status)
            self.got_etag = resp.getheader("ETag")
        if conn is not None:
            conn.close()


def survey_round(port, tokens, path, etags, rounds):
    gate = threading.Event()
    threads = [SurveyKiosk(port, tok, path, etags[i] if etags else None, rounds, gate) for i, tok in enumerate(tokens)]
    for th in threads:
        th.start()
    t = time.perf_counter()
    gate.set()
    for th in threads:
        th.join(timeout=300)
    took = time.perf_counter() - t
    lat = [x for th in threads for x in th.latencies]
    statuses = {}
    for th in threads:
        for st in th.statuses:
            statuses[st] = statuses.get(st, 0) + 1
    errors = [e for th in threads for e in th.errors]
    return threads, took, lat, statuses, errors


def surveys_one(hub_bin, db, tmp, args, label):
    extra = ["--max-per-address", str(args.kiosks + 50), "--max-connections", str(args.kiosks + 100)]
    hub = Hub(hub_bin, db, tmp, name=f"hub-surveys-{label}", extra_args=extra + list(args.hub_arg or []))
    t = time.perf_counter()
    tokens = [hub.add_kiosk(f"sim-{i}").token for i in range(args.kiosks)]
    print(f"  ({label}: enrolled {args.kiosks} kiosks in {time.perf_counter() - t:.1f} s)", flush=True)
    for i in range(3):
        path = os.path.join(tmp, f"bench-{i}.json")
        with open(path, "w") as f:
            json.dump(survey_doc(i), f)
        hub.cli("survey", "add", path, "--db", db)
        hub.cli("survey", "publish", f"bench-{i}", "--all", "--db", db)
    hub.start()
    try:
        first, _, _, statuses, errors = survey_round(hub.port, tokens, "/v1/surveys", None, 1)
        etags = [th.got_etag for th in first]
        if statuses != {200: args.kiosks} or not all(etags):
            print(f"  WARNING: first fetch: {statuses}, errors {errors[:3]}", flush=True)
        rows = {}
        for name, path, use_etag in (("304 (ETag, nothing new)", "/v1/surveys", True),
                                     ("200 (whole list, no ETag)", "/v1/surveys", False),
                                     ("GET /healthz", "/healthz", False)):
            _, took, lat, statuses, errors = survey_round(hub.port, tokens, path, etags if use_etag else None,
                                                          args.rounds)
            n = len(lat)
            rows[name] = n / took
            print(f"{label}: {args.kiosks} kiosks x {args.rounds} rounds, {name}: {n} requests in {took:.2f} s = "
                  f"{n / took:,.0f} requests/s; p50 {1000 * pct(lat, 50):.1f} ms, p99 {1000 * pct(lat, 99):.1f} ms; "
                  f"statuses {statuses}" + (f"; {len(errors)} errors {errors[:2]}" if errors else ""), flush=True)
        print(f"  {label}: 304 / 200 = {rows['304 (ETag, nothing new)'] / rows['200 (whole list, no ETag)']:.2f}x, "
              f"304 / healthz = {rows['304 (ETag, nothing new)'] / rows['GET /healthz']:.2f}", flush=True)
        summary(f"survey list, {args.kiosks} kiosks, nothing new (304), {label}",
                f"{rows['304 (ETag, nothing new)']:,.0f} requests/s "
                f"({rows['304 (ETag, nothing new)'] / rows['200 (whole list, no ETag)']:.1f}x the whole list, "
                f"{rows['304 (ETag, nothing new)'] / rows['GET /healthz']:.2f} of /healthz)")
    finally:
        hub.stop()


def surveys(build, args):
    hub_bin, _ = binaries(build, need_kiosk=False)
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="engage-surveys-bench-") as tmp:
        if "sqlite" in backends:
            surveys_one(hub_bin, os.path.join(tmp, "hub.sqlite"), tmp, args, "SQLite")
        if "postgresql" in backends:
            import pg_server
            if not pg_available(pg_server):
                print("PostgreSQL: skipped (no PostgreSQL server binaries)")
                return
            with pg_url(pg_server, args.pg_fsync == "on") as url:
                surveys_one(hub_bin, url, tmp, args, "PostgreSQL")


def pg_available(pg_server):
    return pg_server.find_bin_dir() is not None


def pg_url(pg_server, durable):
    import contextlib

    @contextlib.contextmanager
    def cm():
        with pg_server.PgServer(durable=durable) as srv:
            yield srv.create_database("sync_bench")
    return cm()


def main():
    ap = argparse.ArgumentParser(description="sync benchmarks (see the top of this file)")
    ap.add_argument("build")
    ap.add_argument("what", choices=["drain", "ingest", "surveys", "all"])
    ap.add_argument("--rounds", type=int, default=5, help="surveys: requests per kiosk per kind")
    ap.add_argument("--responses", type=int, default=int(os.environ.get("BENCH_RESPONSES", 100000)))
    ap.add_argument("--batch-records", type=int, default=0, help="engage-kiosk sync --batch-records (default: its own)")
    ap.add_argument("--in-flight", type=int, default=0,
                    help="engage-kiosk sync --in-flight: batches in flight at once (default: its own)")
    ap.add_argument("--drain-rounds", type=int, default=3,
                    help="drain: rounds of (plain insert, drain), each from a fresh copy; the median is the summary")
    ap.add_argument("--sealed", action="store_true",
                    help="drain: pair the kiosk first (as a real one is), so its responses go sealed to the hub's key")
    ap.add_argument("--kiosks", type=int, default=500)
    ap.add_argument("--batches", type=int, default=5, help="batches per simulated kiosk")
    ap.add_argument("--records", type=int, default=100, help="records per batch")
    ap.add_argument("--backend", default="sqlite,postgresql")
    ap.add_argument("--pg-fsync", choices=["on", "off"], default="on",
                    help="ingest: the PostgreSQL server's fsync and synchronous_commit (default on: durable, as "
                         "shipped; off: the tests' fast throwaway settings)")
    ap.add_argument("--hub-arg", action="append", default=[],
                    help="ingest: an extra argument for engage-hub serve, e.g. --hub-arg=--threads --hub-arg=64")
    ap.add_argument("--linger", type=float, default=0.0,
                    help="ingest: each simulated kiosk keeps its connection open this many seconds after its last "
                         "batch, as a kiosk's long-lived libcurl handle does (default 0: close at once)")
    ap.add_argument("--mode", default="closed,open",
                    help="ingest: closed (saturation: every kiosk sends again at once), open (arrivals at set rates)")
    ap.add_argument("--rates", default="2000,4000,6000,8000,10000,12000,16000",
                    help="ingest, open loop: total arrival rates in responses/s, tried in turn until one fails")
    ap.add_argument("--open-seconds", type=float, default=15.0, help="ingest, open loop: seconds of arrivals per rate")
    ap.add_argument("--goal-ms", type=float, default=250.0, help="ingest, open loop: the p99 a rate must stay under")
    ap.add_argument("--idle-timeout", type=float, default=15.0,
                    help="ingest, open loop: the hub's --idle-timeout (a connection idle longer is not reused)")
    ap.add_argument("--seed", type=int, default=1, help="ingest, open loop: random seed of the arrival times")
    ap.add_argument("--max-seconds", type=int, default=600)
    args = ap.parse_args()
    if args.what in ("drain", "all") and not 1 <= args.drain_rounds <= 20:
        ap.error(f"--drain-rounds {args.drain_rounds}: 1 to 20")
    build = os.path.abspath(args.build)
    if args.what in ("drain", "all"):
        drain(build, args)
    if args.what in ("ingest", "all"):
        ingest(build, args)
    if args.what == "surveys":
        surveys(build, args)


if __name__ == "__main__":
    main()
