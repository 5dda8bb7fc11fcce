"""Helpers for the engage-hub tests: run the real engage-hub, build sealed records, talk HTTP with the stdlib,
look into the hub database (SQLite via sqlite3, PostgreSQL via tests/pg_server.py), and the scenarios the
SQLite and PostgreSQL tests share."""
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

SESSION = {"id": "5b0c7a52-3f0e-4a53-9d0e-2f7b8f9f1c11", "event": "Park plan", "venue": "Leith Library",
           "started_utc": "2026-11-22T09:30:00Z", "ended_utc": None}


class TestFailure(AssertionError):
    pass


def check(cond, *what):
    if not cond:
        raise TestFailure(" ".join(str(w) for w in what))


# ---- records --------------------------------------------------------------------------------------
def canonical(record):
    """The canonical payload of docs/sync-protocol.md: without content_hash and session.ended_utc, compact,
    keys sorted (what nlohmann::json's dump() gives)."""
    payload = {k: v for k, v in record.items() if k != "content_hash"}
    if isinstance(payload.get("session"), dict):
        payload["session"] = {k: v for k, v in payload["session"].items() if k != "ended_utc"}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal(record):
    record["content_hash"] = hashlib.sha256(canonical(record)).hexdigest()
    return record


def record(seq, uid=None, answers=None, **fields):
    r = {"uuid": uid or str(uuid.uuid4()), "seq": seq, "survey_id": "demo-community-voice", "survey_version": 1,
         "created_utc": "2026-11-22T10:04Z", "language": "en", "session": dict(SESSION),
         "answers": answers if answers is not None else {"today": 4, "listened": "yes", "more": f"answer {seq}"}}
    r.update(fields)
    return seal(r)


def batch(kiosk_id, records, batch_id=None, protocol=1):
    return {"protocol": protocol, "kiosk_id": kiosk_id, "batch_id": batch_id or str(uuid.uuid4()),
            "records": records}


def new_kiosk_id():
    return str(uuid.uuid4())


# ---- the hub process --------------------------------------------------------------------------------
class Hub:
    """engage-hub serve on 127.0.0.1 with a free port (--listen 127.0.0.1:0; the port is read from its log)."""

    def __init__(self, binary, db, workdir, extra=(), name="hub"):
        self.binary, self.db, self.workdir, self.extra, self.name = binary, db, workdir, list(extra), name
        self.proc = None
        self.log_path = os.path.join(workdir, f"{name}.stderr")
        self.scheme, self.port, self.ssl_context = "http", None, None

    def start(self, timeout=30):
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:0",
                                      "--threads", "4", *self.extra],
                                     stdout=self.log_file, stderr=self.log_file)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"listening on (https?)://127\.0\.0\.1:(\d+)", self.log())
            if m:
                self.scheme, self.port = m.group(1), int(m.group(2))
                return self
            if self.proc.poll() is not None:
                raise TestFailure(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        raise TestFailure(f"{self.name} did not start listening within {timeout} s:\n{self.log()}")

    def stop(self):
        """SIGTERM; the hub must exit 0 (under ASan a leak makes the exit code non-zero) with no sanitizer report."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TestFailure(f"{self.name} did not stop within 30 s of SIGTERM:\n{self.log()[-3000:]}")
        self.log_file.close()
        rc, self.proc = self.proc.returncode, None
        log = self.log()
        check("ERROR: AddressSanitizer" not in log and "ERROR: LeakSanitizer" not in log
              and "runtime error:" not in log, f"{self.name}: sanitizer report:\n{log[-6000:]}")
        check(rc == 0, f"{self.name} exited with {rc} after SIGTERM:\n{log[-3000:]}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *rest):
        if exc_type is None:
            self.stop()
        else:
            self.kill()

    # -- HTTP ---------------------------------------------------------------------------------------
    def connection(self, timeout=60):
        if self.scheme == "https":
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.ssl_context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict with lowercase names, body bytes); a fresh connection each time."""
        c = self.connection()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def post(self, path, payload, token=None, compress=True, raw=None, headers=None):
        """POST JSON (gzip by default) or `raw` bytes as they are. Returns (status, parsed JSON or None, text)."""
        h = {"Content-Type": "application/json"}
        if compress and raw is None:
            h["Content-Encoding"] = "gzip"
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        if raw is not None:
            body = raw
        else:
            body = json.dumps(payload).encode()
            if compress:
                body = gzip.compress(body)
        status, _, data = self.request("POST", path, body, h)
        text = data.decode("utf-8", "replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return status, parsed, text

    def send_batch(self, token, b, **kw):
        return self.post("/v1/batches", b, token=token, **kw)

    def healthz(self):
        status, _, data = self.request("GET", "/healthz")
        check(status == 200, f"{self.name}: /healthz answered {status}: {data!r}")
        check(json.loads(data) == {"ok": True, "hub": "engage-hub", "protocol": 1}, "healthz body", data)


# ---- the command line -------------------------------------------------------------------------------
def cli(binary, *args, check_rc=0, timeout=60):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)
    if check_rc is not None:
        check(r.returncode == check_rc, f"engage-hub {' '.join(args)}: exit {r.returncode}, expected {check_rc}\n"
              f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def add_kiosk(binary, db, name):
    return json.loads(cli(binary, "kiosk", "add", name, "--db", db, "--json").stdout)


def status(binary, db):
    return {k["name"]: k for k in json.loads(cli(binary, "status", "--db", db, "--json").stdout)}


# ---- looking into the database ----------------------------------------------------------------------
class SqliteDb:
    def __init__(self, path):
        self.spec = path

    def rows(self, sql):
        con = sqlite3.connect(self.spec, timeout=30)
        try:
            return [["" if v is None else str(v) for v in row] for row in con.execute(sql).fetchall()]
        finally:
            con.close()

    def execute(self, sql):
        con = sqlite3.connect(self.spec, timeout=30)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()


class PgDb:
    def __init__(self, pg, name):
        self.pg, self.name = pg, name
        self.spec = pg.create_database(name)

    def rows(self, sql):
        return self.pg.query(self.name, sql)

    def execute(self, sql):
        self.pg.psql(self.name, sql)


def counts(db):
    """Rows in the tables that hold what kiosks sent."""
    return {t: int(db.rows(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in ("records", "conflicts", "batches")}


# ---- shared scenarios (SQLite and PostgreSQL) -------------------------------------------------------
def results_by_uuid(reply):
    return {r["uuid"]: r for r in reply["results"]}


def expect_reply(reply, b, statuses):
    """A reply the kiosk would accept (protocol.h's parse_reply rules), with these statuses in order."""
    check(reply is not None, "the reply is not JSON")
    check(reply.get("hub") == "engage-hub" and reply.get("protocol") == 1, "reply header", reply)
    check(reply.get("batch_id") == b["batch_id"], "batch_id not echoed", reply)
    got = [r["status"] for r in reply["results"]]
    check([r["uuid"] for r in reply["results"]] == [r["uuid"] for r in b["records"]], "results not in order", reply)
    check(got == statuses, f"statuses {got}, expected {statuses}: {reply}")


def scenario_enrolment(binary, db, workdir):
    """kiosk add / list / code / revoke, pairing over POST /v1/pair, revoked and mismatched kiosks."""
    k = add_kiosk(binary, db.spec, "Library, Main St")
    check(re.fullmatch(r"[0-9a-f-]{36}", k["id"]), "hub kiosk id", k)
    check(re.fullmatch(r"[A-Za-z0-9_-]{43}", k["token"]), "token: 32 bytes base64url", k)
    check(re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", k["pairing_code"]), "pairing code", k)
    # Only hashes are stored.
    check(not db.rows(f"SELECT 1 FROM tokens WHERE token_hash = '{k['token']}'"), "token stored in clear")
    check(db.rows(f"SELECT 1 FROM tokens WHERE token_hash = '{hashlib.sha256(k['token'].encode()).hexdigest()}'"),
          "token hash not stored")
    code_plain = k["pairing_code"].replace("-", "")
    for col, table in (("code_hash", "pairing_codes"),):
        check(not db.rows(f"SELECT 1 FROM {table} WHERE {col} LIKE '%{code_plain}%'"), "pairing code in clear")

    other = add_kiosk(binary, db.spec, "Community Café")
    listed = cli(binary, "kiosk", "list", "--db", db.spec).stdout
    check("Library, Main St" in listed and "Community Café" in listed and "never" in listed, listed)
    for col in ("NAME", "ID", "CREATED", "LAST HEARD FROM", "REVOKED"):
        check(col in listed, f"kiosk list lacks {col}", listed)

    with Hub(binary, db.spec, workdir, name="enrol") as hub:
        device = new_kiosk_id()
        # Pairing: wrong code, then the right one (any case, with or without the dash), then again (used).
        st, body, _ = hub.post("/v1/pair", {"code": "ABCD-EFGH", "kiosk_id": device}, compress=False)
        check(st == 403 and "pairing code not valid" in body["error"], st, body)
        st, body, _ = hub.post("/v1/pair", {"code": code_plain.lower(), "kiosk_id": device})
        check(st == 200 and body["hub"] == "engage-hub" and re.fullmatch(r"[A-Za-z0-9_-]{43}", body["token"]), st, body)
        paired_token = body["token"]
        check(body["hub_kiosk_id"] == k["id"] and body["name"] == "Library, Main St", body)
        st, body, _ = hub.post("/v1/pair", {"code": k["pairing_code"], "kiosk_id": device}, compress=False)
        check(st == 403 and "already used" in body["error"], "a pairing code works once", st, body)
        for bad in ({"code": "ABCD"}, {"kiosk_id": device}, {"code": 12345678, "kiosk_id": device},
                    {"code": "ABCD-EFGH", "kiosk_id": "not-a-uuid"}, [1, 2]):
            st, body, _ = hub.post("/v1/pair", bad, compress=False)
            check(st == 400 and body and "error" in body, "bad pairing request", bad, st, body)
        # An expired code (older than 24 h) is refused.
        code2 = cli(binary, "kiosk", "code", other["id"][:8], "--db", db.spec).stdout
        m = re.search(r"([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})", code2)
        check(m, "kiosk code prints a code", code2)
        db.execute("UPDATE pairing_codes SET expires_utc = '2000-01-01T00:00:00Z' WHERE used_utc IS NULL")
        st, body, _ = hub.post("/v1/pair", {"code": m.group(1), "kiosk_id": new_kiosk_id()}, compress=False)
        check(st == 403, "expired pairing code accepted", st, body)

        # Both the printed token and the paired one work for this device; the kiosk id is pinned.
        for token in (k["token"], paired_token):
            b = batch(device, [record(1, uid="11111111-1111-4111-8111-111111111111")])
            st, reply, text = hub.send_batch(token, b)
            check(st == 200, st, text)
        st, body, _ = hub.send_batch(k["token"], batch(new_kiosk_id(), [record(1)]))
        check(st == 403 and "belongs to kiosk" in body["error"], "kiosk id mismatch must be 403", st, body)
        # Unknown / missing / malformed tokens: 401.
        for headers in ({"Authorization": "Bearer " + "x" * 43}, {}, {"Authorization": "Basic dXNlcjpwYXNz"},
                        {"Authorization": "Bearer"}):
            st, hdrs, data = hub.request("POST", "/v1/batches", gzip.compress(json.dumps(batch(device, [])).encode()),
                                         {"Content-Encoding": "gzip", **headers})
            check(st == 401 and "error" in json.loads(data) and "www-authenticate" in hdrs, headers, st, data)

        # Revoke: by a prefix of the id; the token and pairing stop working (403); nothing more is stored.
        before = counts(db)
        r = cli(binary, "kiosk", "revoke", k["id"][:8], "--db", db.spec)
        check("Revoked" in r.stdout, r.stdout)
        r = cli(binary, "kiosk", "revoke", k["id"], "--db", db.spec)
        check("already revoked" in r.stdout, r.stdout)
        cli(binary, "kiosk", "revoke", "zzzzzz", "--db", db.spec, check_rc=1)
        cli(binary, "kiosk", "revoke", "abc", "--db", db.spec, check_rc=1)
        for token in (k["token"], paired_token):
            st, body, _ = hub.send_batch(token, batch(device, [record(2)]))
            check(st == 403 and "revoked" in body["error"], "revoked token must be 403", st, body)
        check(counts(db) == before, "a refused batch stored something", counts(db), before)
        hub.healthz()

    kiosks = {x["name"]: x for x in json.loads(cli(binary, "kiosk", "list", "--db", db.spec, "--json").stdout)}
    check(kiosks["Library, Main St"]["revoked_utc"] and kiosks["Library, Main St"]["last_seen_utc"], kiosks)
    check(kiosks["Library, Main St"]["kiosk_id"] == device, kiosks)
    check(not kiosks["Community Café"]["revoked_utc"] and not kiosks["Community Café"]["last_seen_utc"], kiosks)
    listed = cli(binary, "kiosk", "list", "--db", db.spec).stdout
    check(re.search(r"Library, Main St .* \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$", listed, re.M), listed)
    print("passed enrolment, pairing, pinning, revoke")


def scenario_store(binary, db, workdir):
    """stored, replay -> duplicate, same uuid with other content -> conflict (original kept), mixed batches,
    concurrent copies of one batch, the log line, and status with its gaps."""
    k = add_kiosk(binary, db.spec, "Leith Library")
    device = new_kiosk_id()
    log_path = os.path.join(workdir, "store-requests.log")
    with Hub(binary, db.spec, workdir, extra=["--log", log_path], name="store") as hub:
        recs = [record(s, answers={"today": s, "listened": "yes", "note": "café ☕ ü"}) for s in (1, 2, 3)]
        b = batch(device, recs)
        st, reply, text = hub.send_batch(k["token"], b)
        check(st == 200, st, text)
        expect_reply(reply, b, ["stored"] * 3)
        # The same batch again (a lost reply): duplicates, nothing new.
        st, reply, text = hub.send_batch(k["token"], dict(b, batch_id=str(uuid.uuid4())))
        check(st == 200, st, text)
        check([r["status"] for r in reply["results"]] == ["duplicate"] * 3, reply)
        check(counts(db)["records"] == 3, counts(db))

        # Same uuid, different content: conflict; the original stays, the new copy is kept aside (once).
        changed = record(2, uid=recs[1]["uuid"], answers={"today": 1, "listened": "no"})
        b2 = batch(device, [changed, record(5), record(6)])
        for expected in (["conflict", "stored", "stored"], ["conflict", "duplicate", "duplicate"]):
            st, reply, text = hub.send_batch(k["token"], dict(b2, batch_id=str(uuid.uuid4())))
            check(st == 200, st, text)
            check([r["status"] for r in reply["results"]] == expected, reply)
        held = db.rows(f"SELECT content_hash, answers FROM records WHERE uuid = '{recs[1]['uuid']}'")
        check(held == [[recs[1]["content_hash"], json.dumps(recs[1]["answers"], sort_keys=True, separators=(",", ":"),
                                                             ensure_ascii=False)]], "original overwritten", held)
        kept = db.rows(f"SELECT content_hash, record FROM conflicts WHERE uuid = '{recs[1]['uuid']}'")
        check(len(kept) == 1 and kept[0][0] == changed["content_hash"] and json.loads(kept[0][1]) == changed, kept)

        # A mixed batch: the valid records are stored, the invalid one is reported and not stored.
        bad = record(8)
        bad["seq"] = 0
        seal(bad)
        b3 = batch(device, [record(9, session=None), bad])  # a response saved outside any session
        st, reply, text = hub.send_batch(k["token"], b3)
        check(st == 200, st, text)
        expect_reply(reply, b3, ["stored", "invalid"])
        check("records[1].seq: must be a positive integer" in reply["results"][1]["error"], reply)
        check(not db.rows(f"SELECT 1 FROM records WHERE uuid = '{bad['uuid']}'"), "an invalid record was stored")

        # Every stored row gives back its content hash: the fields are stored as sent.
        for row in db.rows("SELECT uuid, seq, survey_id, survey_version, created_utc, language, session_id,"
                           " session_event, session_venue, session_started_utc, session_ended_utc, answers,"
                           " content_hash, kiosk_id, received_utc FROM records"):
            rebuilt = {"uuid": row[0], "seq": int(row[1]), "survey_id": row[2], "survey_version": int(row[3]),
                       "created_utc": row[4], "language": row[5],
                       "session": {"id": row[6], "event": row[7], "venue": row[8], "started_utc": row[9],
                                   "ended_utc": row[10] or None} if row[6] else None,
                       "answers": json.loads(row[11])}
            check(hashlib.sha256(canonical(rebuilt)).hexdigest() == row[12], "stored fields differ from sent", row)
            check(row[13] == device and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[14]), row)

        # Two copies of one batch at the same moment: each record stored exactly once.
        many = [record(s) for s in range(10, 60)]
        results = concurrent_same_batch([hub, hub], [k["token"], k["token"]], batch(device, many))
        check_exactly_once(results, many)
        check(counts(db)["records"] == 3 + 2 + 1 + 50, counts(db))

        # status: held 1 2 3 5 6 9 10..59 -> contiguous 3, gaps 4, 7-8.
        s = status(binary, db.spec)["Leith Library"]
        check(s["records"] == 56 and s["highest_contiguous_seq"] == 3 and s["gaps"] == [[4, 4], [7, 8]], s)
        check(s["conflicts"] == 1 and s["kiosk_id"] == device and s["last_seen_utc"] and s["highest_seq"] == 59, s)
        text = cli(binary, "status", "--db", db.spec).stdout
        check(re.search(r"contiguous from 1 up to:\s+3\b", text) and re.search(r"gaps:\s+4, 7-8\b", text)
              and re.search(r"conflicts:\s+1\b", text) and re.search(r"records held:\s+56\b", text), text)
        hub.healthz()

    # One log line per request, in plain words, to stderr and --log.
    with open(log_path) as f:
        logged = f.read()
    line = re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ kiosk=Leith Library \(" + device[:4] +
                     r"…\) records=3 stored=3 duplicate=0 conflict=0 invalid=0 status=200 \d+ms$", logged, re.M)
    check(line, "no log line like the example:\n" + logged)
    check(re.search(r"records=3 stored=0 duplicate=3 conflict=0 invalid=0 status=200", logged), logged)
    check(re.search(r"records=3 stored=0 duplicate=2 conflict=1 invalid=0 status=200", logged), logged)
    check(re.search(r"invalid=1 status=200 \d+ms error: first invalid record: records\[1\]\.seq", logged), logged)
    check(re.search(r"GET /healthz from 127\.0\.0\.1 status=200 \d+ms", logged), logged)
    check(line.group(0) in hub.log(), "the log file and stderr differ")

    # The untouched second kiosk in status: not paired yet.
    add_kiosk(binary, db.spec, "Spare")
    s = status(binary, db.spec)["Spare"]
    check(s["records"] == 0 and s["kiosk_id"] is None and s["gaps"] == [], s)
    print("passed store, duplicate, conflict, status gaps")


def scenario_group(binary, db, workdir):
    """Many kiosks' batches at once, so that the hub commits several in one transaction (SQLite: group commit):
    each request still hears exactly what became of its own records, a refused or partly invalid batch costs the
    others nothing, one that fails in the database (a trigger raises on it) is rolled back alone, and nothing is
    stored twice or lost."""
    n = 10
    ks = [add_kiosk(binary, db.spec, f"Group {i}") for i in range(n + 3)]
    devices = [new_kiosk_id() for _ in ks]
    revoked, mismatched, poisoned = ks[n], ks[n + 1], ks[n + 2]
    cli(binary, "kiosk", "revoke", revoked["id"], "--db", db.spec)
    if isinstance(db, SqliteDb):
        db.execute("CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.answers LIKE '%poison%'"
                   " BEGIN SELECT RAISE(ABORT, 'poisoned for the test'); END")
    else:
        db.execute("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.answers LIKE '%poison%' THEN"
                   " RAISE EXCEPTION 'poisoned for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;"
                   " CREATE TRIGGER poison BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION poison()")
    with Hub(binary, db.spec, workdir, name="group") as hub:  # 4 workers: up to 4 batches a commit
        pinned = batch(devices[n + 1], [record(1)])
        st, _, text = hub.send_batch(mismatched["token"], pinned)
        check(st == 200, st, text)
        sent = [[] for _ in range(n)]  # every valid record each kiosk has sent so far
        for rnd in range(3):
            jobs = []  # (token, batch, expected statuses or an HTTP status)
            for i in range(n):
                fresh = [record(100 * rnd + s) for s in range(1, 21)]
                recs = sent[i][-5:] + fresh  # five already held: duplicates
                expected = ["duplicate"] * len(sent[i][-5:]) + ["stored"] * 20
                if i % 3 == 0:  # an invalid record among them
                    bad = record(100 * rnd + 50)
                    bad["seq"] = 0
                    seal(bad)
                    recs.append(bad)
                    expected.append("invalid")
                if rnd == 2 and i % 2 == 0:  # the same uuid as a held record, other content
                    other = record(sent[i][0]["seq"], uid=sent[i][0]["uuid"], answers={"today": 1, "changed": i})
                    recs.append(other)
                    expected.append("conflict")
                jobs.append((ks[i]["token"], batch(devices[i], recs), expected))
                sent[i] += fresh
            jobs.append((revoked["token"], batch(devices[n], [record(1)]), 403))
            jobs.append((mismatched["token"], batch(new_kiosk_id(), [record(2)]), 403))
            jobs.append((ks[0]["token"], dict(batch(devices[0], []), records="not a list"), 400))
            bad = record(100 * rnd + 2, answers={"today": 4, "listened": "yes", "more": "poison"})
            jobs.append((poisoned["token"], batch(devices[n + 2], [record(100 * rnd + 1), bad]), 500))
            replies = [None] * len(jobs)
            gate = threading.Barrier(len(jobs))

            def send(j):
                gate.wait()
                replies[j] = hub.send_batch(jobs[j][0], jobs[j][1])

            threads = [threading.Thread(target=send, args=(j,)) for j in range(len(jobs))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            for (_, b, expected), got in zip(jobs, replies):
                check(got is not None, "no reply")
                st, reply, text = got
                if isinstance(expected, int):
                    check(st == expected, f"expected HTTP {expected}, got {st}: {text}")
                else:
                    check(st == 200, st, text)
                    expect_reply(reply, b, expected)
        hub.healthz()
    c = counts(db)
    check(c["records"] == n * 60 + 1, "records held", c)
    check(c["conflicts"] == (n + 1) // 2, "conflicts kept aside", c)
    check(c["batches"] == 3 * n + 1, "batches logged", c)
    check(not db.rows(f"SELECT uuid FROM records WHERE kiosk_id = '{devices[n + 2]}'"), "a failed batch left records")
    for i in range(n):
        held = {r[0] for r in db.rows(f"SELECT uuid FROM records WHERE kiosk_id = '{devices[i]}'")}
        check(held == {r["uuid"] for r in sent[i]}, f"kiosk {i}: held records differ from those sent")
    print("passed concurrent batches from many kiosks (group commit)")
    dashboard_index_resumes(binary, db, workdir, ks[1]["token"], devices[1], c["records"])


def summarised(db):
    """Responses in the dashboard's summaries, and records still queued for them (schema 8), read in one statement
    (one snapshot: a fold committing between two reads would show a record in neither)."""
    row = db.rows("SELECT (SELECT COALESCE(SUM(responses), 0) FROM dash_groups), (SELECT COUNT(*) FROM dash_queue)")
    return int(row[0][0]), int(row[0][1])


def dashboard_index_resumes(binary, db, workdir, token, device, held):
    """serve folds stored records into the dashboard's summaries on a thread of its own, after the reply: a hub
    killed (SIGKILL) right after acknowledging batches leaves them queued, and the next start folds each exactly
    once."""
    with Hub(binary, db.spec, workdir, name="index-kill") as hub:
        for k in range(4):  # acknowledged, then killed at once: the fold of the last batches is cut short
            recs = [record(1000 + 500 * k + s) for s in range(500)]
            st, reply, text = hub.send_batch(token, batch(device, recs))
            check(st == 200 and all(r["status"] == "stored" for r in reply["results"]), st, text[:300])
        hub.kill()
    held += 2000
    total, queued = summarised(db)
    check(int(db.rows("SELECT COUNT(*) FROM records")[0][0]) == held, "records held after the kill")
    check(total + queued == held, f"after the kill: {total} summarised + {queued} queued != {held} held")
    with Hub(binary, db.spec, workdir, name="index-resume"):
        for _ in range(200):  # 10 s at most
            total, queued = summarised(db)
            if queued == 0:
                break
            time.sleep(0.05)
    check(queued == 0 and total == held, f"after the restart: {total} summarised, {queued} queued, {held} held")
    print(f"passed the dashboard's indexer resuming after a kill ({held} records, each summarised once)")


def concurrent_same_batch(hubs, tokens, b, rounds=1):
    """Sends `b` to every hub at once (one thread each, released together); returns the replies."""
    replies = [None] * len(hubs)
    barrier = threading.Barrier(len(hubs))

    def send(i):
        barrier.wait()
        st, reply, text = hubs[i].send_batch(tokens[i], dict(b, batch_id=str(uuid.uuid4())))
        replies[i] = (st, reply, text)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(hubs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for st, reply, text in replies:
        check(st == 200, "concurrent batch:", st, text)
    return [r[1] for r in replies]


def check_exactly_once(replies, recs):
    for rec in recs:
        statuses = sorted(results_by_uuid(r)[rec["uuid"]]["status"] for r in replies)
        check(statuses == ["duplicate"] * (len(replies) - 1) + ["stored"],
              f"record {rec['seq']}: {statuses} (exactly one 'stored' expected)")


def scenario_bad_input(binary, db, workdir):
    """Malformed bodies, huge bodies, wrong types, huge strings, missing fields: 4xx with a clear message, nothing
    stored, and the hub still answers /healthz after each."""
    k = add_kiosk(binary, db.spec, "Bad Input Hall")
    device = new_kiosk_id()
    tok = k["token"]
    with Hub(binary, db.spec, workdir, name="bad") as hub:
        # Pin the kiosk with one good record, so every later refusal is measured against a non-empty database.
        st, _, text = hub.send_batch(tok, batch(device, [record(1)]))
        check(st == 200, st, text)
        before = counts(db)

        def refused(what, status, message, **send):
            st, body, text = hub.send_batch(tok, send.pop("b", None), **send)
            check(st == status, f"{what}: status {st}, expected {status}: {text[:300]}")
            check(body and message in body.get("error", ""), f"{what}: error {text[:300]!r} lacks {message!r}")
            check(counts(db) == before, f"{what}: something was stored", counts(db), before)
            hub.healthz()

        good = batch(device, [record(2)])
        gz = lambda obj: gzip.compress(json.dumps(obj).encode())  # noqa: E731
        refused("malformed JSON", 400, "not valid JSON", raw=gzip.compress(b'{"protocol": 1, "kiosk_id": '),
                headers={"Content-Encoding": "gzip"})
        refused("bad gzip", 400, "could not be decompressed", raw=b"\x1f\x8b\x08\x00 this is not gzip at all",
                headers={"Content-Encoding": "gzip"})
        refused("not gzip at all", 400, "could not be decompressed", raw=json.dumps(good).encode(),
                headers={"Content-Encoding": "gzip"})
        refused("truncated gzip", 400, "JSON", raw=gz(good)[:40], headers={"Content-Encoding": "gzip"})
        refused("unknown encoding", 400, "Content-Encoding", raw=json.dumps(good).encode(),
                headers={"Content-Encoding": "compress"})
        refused("invalid UTF-8", 400, "not valid JSON",
                raw=gzip.compress(json.dumps(good).encode().replace(b"Leith", b"Le\xff\xfeth")),
                headers={"Content-Encoding": "gzip"})
        refused("empty body", 400, "empty", raw=b"")
        refused("an array", 400, "must be a JSON object", b=[good])
        refused("unsupported protocol", 400, "unsupported protocol 2", b=dict(good, protocol=2))
        refused("protocol as a string", 400, "protocol", b=dict(good, protocol="1"))
        refused("no protocol", 400, "protocol: missing", b={k2: v for k2, v in good.items() if k2 != "protocol"})
        refused("no kiosk_id", 400, "kiosk_id: missing", b={k2: v for k2, v in good.items() if k2 != "kiosk_id"})
        refused("kiosk_id not a uuid", 400, "kiosk_id: must be a UUID", b=dict(good, kiosk_id="kiosk-1"))
        refused("batch_id a number", 400, "batch_id: must be a string", b=dict(good, batch_id=7))
        refused("records an object", 400, "records: must be an array", b=dict(good, records={"a": 1}))
        refused("no records", 400, "records: missing", b={k2: v for k2, v in good.items() if k2 != "records"})
        refused("record not an object", 400, "records[1]: must be an object",
                b=dict(good, records=[record(3), "hello"]))
        refused("record without uuid", 400, "records[1].uuid: missing",
                b=dict(good, records=[record(3), {"seq": 4}]))
        refused("uuid a number", 400, "records[0].uuid: must be a string",
                b=dict(good, records=[dict(record(3), uuid=42)]))
        same = record(3)
        refused("uuid twice", 400, "records[1].uuid: the same uuid as records[0]", b=dict(good, records=[same, same]))
        refused("too many records", 413, "too many records",
                b=dict(good, records=[{"uuid": str(i)} for i in range(5001)]))
        deep = dict(good, records=[record(3, answers={"deep": "DEEP"})])
        nested = '{"x":' * 2000 + "{}" + "}" * 2000
        refused("deep nesting", 400, "nested too deeply",
                raw=gzip.compress(json.dumps(deep).replace('"DEEP"', nested).encode()),
                headers={"Content-Encoding": "gzip"})

        # Records that break the rules: 200, each "invalid" with the field named; none stored.
        def broken(change, seq):
            r = record(seq)
            change(r)
            return seal(r)

        cases = [
            (lambda r: r.update(seq="17"), "records[0].seq: must be a positive integer"),
            (lambda r: r.update(seq=0), "records[1].seq: must be a positive integer"),
            (lambda r: r.update(seq=-3), "records[2].seq: must be a positive integer"),
            (lambda r: r.update(seq=2.5), "records[3].seq: must be a positive integer"),
            (lambda r: r.pop("language"), "records[4].language: missing"),
            (lambda r: r.update(survey_version=1.5), "records[5].survey_version: must be a positive integer"),
            (lambda r: r.update(answers=[1, 2]), "records[6].answers: must be an object"),
            (lambda r: r.update(answers={"essay": "x" * 70000}), "records[7].answers: too long"),
            (lambda r: r["session"].update(event="e" * 10000), "records[8].session.event: too long"),
            (lambda r: r.update(survey_id="s" * 1000), "records[9].survey_id: too long"),
            (lambda r: r.update(uuid="not-a-uuid"), "records[10].uuid: must be a UUID"),
            (lambda r: r.update(created_utc="yesterday"), "records[11].created_utc: must be a UTC time"),
            (lambda r: r.update(session="Park plan"), "records[12].session: must be an object"),
            (lambda r: r["session"].pop("started_utc"), "records[13].session.started_utc: missing"),
            (lambda r: r.update(colour="blue"), "records[14].colour: unknown field"),
            (lambda r: r.update(survey_id="a\u0000b"), "records[15].survey_id: contains control characters"),
            (lambda r: r.pop("answers"), "records[16].answers: missing"),
            (lambda r: r.update(seq=2 ** 64), "records[17].seq: must be a positive integer"),
            (lambda r: r["session"].update(ended_utc=5), "records[18].session.ended_utc: must be a UTC time or null"),
        ]
        recs = [broken(change, 100 + i) for i, (change, _) in enumerate(cases)]
        wrong_hash = record(200)
        wrong_hash["answers"]["today"] = 1  # changed after sealing
        recs.append(wrong_hash)
        no_hash = record(201)
        del no_hash["content_hash"]
        recs.append(no_hash)
        b = batch(device, recs)
        st, reply, text = hub.send_batch(tok, b)
        check(st == 200, st, text[:500])
        expect_reply(reply, b, ["invalid"] * len(recs))
        for (_, message), res in zip(cases, reply["results"]):
            check(message in res.get("error", ""), f"expected {message!r} in {res}")
        check("records[19].content_hash: does not match" in reply["results"][19]["error"], reply["results"][19])
        check("records[20].content_hash: missing" in reply["results"][20]["error"], reply["results"][20])
        check(counts(db) == before, "invalid records were stored", counts(db), before)
        hub.healthz()

        # Too big: 100 MB streamed with a Content-Length, 100 MB chunked, and a gzip bomb. All 413.
        st, text = stream_body(hub, tok, 100 * 1024 * 1024, chunked=False)
        check(st == 413 and "larger than" in text, "100 MB body:", st, text[:300])
        hub.healthz()
        st, text = stream_body(hub, tok, 100 * 1024 * 1024, chunked=True)
        check(st == 413 and "larger than" in text, "100 MB chunked body:", st, text[:300])
        hub.healthz()
        refused("gzip bomb", 413, "once decompressed", raw=gzip_bomb(200 * 1024 * 1024),
                headers={"Content-Encoding": "gzip"})
        check(counts(db) == before, "too-large bodies stored something", counts(db), before)

        # Wrong tokens, a kiosk id of another device: 401 / 403, nothing stored.
        for token, status in (("x" * 43, 401), ("", 401)):
            st, body, _ = hub.send_batch(token, good)
            check(st == status and body.get("error"), token, st, body)
        st, body, _ = hub.send_batch(tok, batch(new_kiosk_id(), [record(2)]))
        check(st == 403 and "belongs to kiosk" in body["error"], st, body)
        st, _, _ = hub.request("GET", "/v1/batches")
        check(st in (404, 405), "GET /v1/batches", st)
        st, _, data = hub.request("DELETE", "/v1/batches", b"x" * 1000)
        check(st == 405 and b"error" in data, st, data)
        st, _, data = hub.request("POST", "/nowhere", b"{}")
        check(st == 404 and b"error" in data, st, data)
        check(counts(db) == before, "refused requests stored something", counts(db), before)

        # Garbage instead of HTTP does not stop it either.
        with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as s:
            s.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
            try:
                s.recv(1000)
            except OSError:
                pass
        hub.healthz()
        # And after all that, a good batch still goes in.
        st, reply, text = hub.send_batch(tok, good)
        check(st == 200 and reply["results"][0]["status"] == "stored", st, text)

        # Random damage to a good body (fixed seed): always a JSON answer of 200 / 400 / 413, never a crash; and
        # whatever was stored still matches its hash.
        rng = random.Random(20261122)
        text = json.dumps(batch(device, [record(s) for s in range(300, 305)])).encode()
        for i in range(300):
            damaged = bytearray(text)
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(len(damaged))
                op = rng.random()
                if op < 0.4:
                    damaged[at] = rng.choice(b'{}[]",:0123456789-.ae\\ \x00\xff')
                elif op < 0.7:
                    del damaged[at:at + rng.randint(1, 20)]
                else:
                    damaged[at:at] = bytes(rng.choice(b'{["x\\:,1') for _ in range(rng.randint(1, 5)))
            st, body, raw = hub.send_batch(tok, None, raw=gzip.compress(bytes(damaged)),
                                           headers={"Content-Encoding": "gzip"})
            check(st in (200, 400, 403, 413) and body is not None, f"damaged body {i}: {st} {raw[:200]}")
        for h, rec in db.rows("SELECT content_hash, uuid FROM records WHERE seq >= 300"):
            check(re.fullmatch(r"[0-9a-f]{64}", h), rec, h)
        hub.healthz()
        check(hub.alive(), "the hub died")
    log = hub.log()
    check(re.search(r"status=400 \d+ms error: the body is not valid JSON", log), log[-2000:])
    check(re.search(r"status=413 .*error: .*larger than", log), log[-2000:])
    print("passed bad input")


def stream_body(hub, token, size, chunked):
    """POSTs `size` bytes of zeros in 1 MiB pieces over a raw socket, stopping early if the hub answers or closes.
    Returns (status, body text)."""
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=60)
    try:
        head = (f"POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: application/json\r\n")
        head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
        s.sendall(head.encode())
        piece = b"\0" * (1024 * 1024)
        sent = 0
        try:
            while sent < size:
                s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the hub answered early and closed: read what it said
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            m = re.search(rb"\r\n\r\n", data)
            if m:
                cl = re.search(rb"Content-Length: (\d+)", data[:m.end()], re.I)
                if cl and len(data) >= m.end() + int(cl.group(1)):
                    break
        m = re.match(rb"HTTP/1\.1 (\d+)", data)
        check(m, "no HTTP answer to a streamed body:", data[:200])
        return int(m.group(1)), data.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")
    finally:
        s.close()


def gzip_bomb(size):
    """A small gzip stream that inflates to `size` zero bytes."""
    c = __import__("zlib").compressobj(9, 8, 31)
    piece = b"\0" * (1024 * 1024)
    out = [c.compress(piece) for _ in range(size // len(piece))]
    out.append(c.flush())
    return b"".join(out)


def run_scenario(scenarios, prefix):
    """`test_x.py ENGAGE_HUB SCENARIO`: runs scenarios["scenario_" + SCENARIO](binary, SqliteDb, tmp) on a fresh
    SQLite database in a temporary folder."""
    def main():
        binary, scenario = sys.argv[1], sys.argv[2]
        import tempfile
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            scenarios[f"scenario_{scenario}"](binary, SqliteDb(os.path.join(tmp, "hub.sqlite")), tmp)
    run(main)


def run(main):
    """Runs a test's main(): prints FAILED and exits 1 on a failed check or an unexpected error."""
    try:
        main()
    except TestFailure as e:
        print(f"FAILED: {e}")
        sys.exit(1)
