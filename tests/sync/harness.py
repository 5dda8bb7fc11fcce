"""Sync test harness: a real engage-hub process (SQLite file or PostgreSQL URL) on a free 127.0.0.1 port, kiosk
data folders seeded with `engage-kiosk seed`, `engage-kiosk sync` runs, and the exactly-once checks made by
reading both databases directly (python's sqlite3 for SQLite files, psql for PostgreSQL).

    h = Hub(HUB_BIN, os.path.join(tmp, "hub.sqlite"), tmp).start()
    k = KioskData(KIOSK_BIN, os.path.join(tmp, "kiosk")); k.seed(500)
    e = h.add_kiosk("hall")                       # Enrolment(id, token, pairing_code)
    r = k.sync(h.url, e.token, "--batch-records", "50")
    assert_exactly_once([k], h)                   # 0 lost, 0 duplicated, 0 pending

Nothing here talks to anything but 127.0.0.1; every wait has a deadline.
"""
import collections
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))

# Quicker retries everywhere in the tests (the protocol's 10 s base is for real kiosks).
RETRY_BASE_MS = "20"


class HarnessError(AssertionError):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------------------------------------- hub
Enrolment = collections.namedtuple("Enrolment", "id token pairing output")


def parse_enrolment(text):
    """Reads `engage-hub kiosk add` output. Accepts `key: value` / `key=value` lines (kiosk id, token, pairing
    code) or a JSON object with those keys."""
    text = text.strip()
    try:
        j = json.loads(text)
        if isinstance(j, dict):
            kid = j.get("id") or j.get("kiosk_id")  # "id" is the hub's kiosk id; "kiosk_id" the device's
            return Enrolment(str(kid), j["token"], str(j.get("pairing_code", j.get("pairing", ""))), text)
    except ValueError:
        pass
    found = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z][A-Za-z _-]*?)\s*[:=]\s*(\S+)\s*$", line)
        if m:
            found[m.group(1).lower().replace("-", " ").replace("_", " ")] = m.group(2)
    kid = found.get("kiosk id", found.get("id", found.get("kiosk")))
    token = found.get("token")
    pairing = found.get("pairing code", found.get("pairing", found.get("code", "")))
    if not token or kid is None:
        raise HarnessError(f"cannot read the kiosk id and token from `engage-hub kiosk add`:\n{text}")
    return Enrolment(kid, token, pairing, text)


class Hub:
    """One engage-hub serve process. db is a file path (SQLite) or a postgresql:// URL."""

    def __init__(self, binary, db, work_dir, port=None, tls=None, name="hub", extra_args=()):
        self.binary = binary
        self.db = db
        self.work_dir = work_dir
        self.port = port or free_port()
        self.tls = tls  # {"cert":, "key":, "ca":} from tls.make_ca
        self.name = name
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(work_dir, f"{name}.log")
        self.starts = 0
        os.makedirs(work_dir, exist_ok=True)

    @property
    def is_postgres(self):
        return self.db.startswith(("postgres://", "postgresql://"))

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def cli(self, *args, check=True, timeout=60):
        r = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise HarnessError(f"engage-hub {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def add_kiosk(self, name):
        r = self.cli("kiosk", "add", name, "--db", self.db, "--json")
        return parse_enrolment(r.stdout)

    def revoke(self, kiosk_id):
        return self.cli("kiosk", "revoke", str(kiosk_id), "--db", self.db)

    def status(self):
        r = self.cli("status", "--db", self.db, "--json")
        return json.loads(r.stdout)

    def start(self, timeout=30):
        if self.proc is not None and self.proc.poll() is None:
            raise HarnessError(f"{self.name} is already running")
        args = [self.binary, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}", *self.extra_args]
        if self.tls:
            args += ["--tls-cert", self.tls["cert"], "--tls-key", self.tls["key"]]
        log = open(self.log_path, "a")
        log.write(f"==== start {self.starts}: {' '.join(args)}\n")
        log.flush()
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"{self.name} exited ({self.proc.returncode}) at start:\n{tail(self.log_path)}")
            if self.healthy():
                return self
            time.sleep(0.05)
        self.stop()
        raise HarnessError(f"{self.name} did not answer /healthz within {timeout} s:\n{tail(self.log_path)}")

    def healthy(self):
        try:
            if self.tls:
                ctx = ssl.create_default_context(cafile=self.tls["ca"])
                c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=2, context=ctx)
            else:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/healthz")
            r = c.getresponse()
            body = r.read()
            c.close()
            return r.status == 200 and json.loads(body).get("hub") == "engage-hub"
        except (OSError, ValueError, http.client.HTTPException):
            return False

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def sanitizer_reports(self):
        """Lines of the hub's log where ASan / UBSan complained (a -DENGAGE_SANITIZE=ON build)."""
        try:
            with open(self.log_path, errors="replace") as f:
                return [line.rstrip() for line in f
                        if "AddressSanitizer" in line or "runtime error:" in line or "LeakSanitizer" in line]
        except OSError:
            return []

    def restart(self):
        self.stop()
        return self.start()

    # -- what the hub holds
    def query(self, sql):
        """Rows of a read-only query on the hub's database, as tuples of strings (PostgreSQL) or values."""
        if self.is_postgres:
            r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.db,
                                "-c", sql], capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise HarnessError(f"psql failed on {sql!r}: {r.stderr}")
            return [tuple(line.split("\t")) for line in r.stdout.splitlines() if line]
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def responses(self):
        """[(kiosk_uuid, response_uuid, content_hash)] for every row of the hub's responses table."""
        return [tuple(str(x) for x in row) for row in self.query(HUB_RESPONSES_SQL)]

    def conflicts(self):
        return [tuple(str(x) for x in row) for row in self.query(HUB_CONFLICTS_SQL)]


# The hub's schema (hub/store.cpp, migration 1): records(kiosk_id = the kiosk's own id, uuid, content_hash, …,
# UNIQUE (kiosk_id, uuid)); conflicts(kiosk_id, uuid, content_hash, …) holds copies that differed.
# A kiosk response's sync state (schema 4): waiting in outbox, set aside in quarantine, else acknowledged.
SYNC_STATE = ("CASE WHEN seq IN (SELECT seq FROM outbox) THEN 'pending'"
              " WHEN seq IN (SELECT seq FROM quarantine) THEN 'quarantined' ELSE 'acknowledged' END")
HUB_RESPONSES_SQL = "SELECT kiosk_id, uuid, content_hash FROM records"
HUB_CONFLICTS_SQL = "SELECT kiosk_id, uuid, content_hash FROM conflicts"


# -------------------------------------------------------------------------------------------------------- kiosk
class KioskData:
    """A kiosk data folder and the engage-kiosk binary that works on it (seed, sync)."""

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.db_path = os.path.join(data_dir, "engage.sqlite")
        self.last = None

    def seed(self, count, seed=1):
        r = subprocess.run([self.binary, "seed", "--data-dir", self.data_dir, "--count", str(count),
                            "--seed", str(seed)], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise HarnessError(f"seed failed ({r.returncode}): {r.stderr}")
        return self

    def sync_args(self, hub_url, token, *args, retry_base_ms=RETRY_BASE_MS):
        a = [self.binary, "sync", "--data-dir", self.data_dir, "--hub", hub_url, "--token", token]
        if retry_base_ms is not None and "--retry-base-ms" not in args:
            a += ["--retry-base-ms", str(retry_base_ms)]
        return a + [str(x) for x in args]

    def sync(self, hub_url, token, *args, timeout=240, retry_base_ms=RETRY_BASE_MS):
        """One `engage-kiosk sync` pass; returns the CompletedProcess (also kept as .last)."""
        cmd = self.sync_args(hub_url, token, *args, retry_base_ms=retry_base_ms)
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise HarnessError(f"`{' '.join(cmd)}` did not end within {timeout} s; stderr so far:\n"
                               f"{(e.stderr or b'')[-2000:]}")
        r.cmd = cmd
        self.last = r
        return r

    def sync_popen(self, hub_url, token, *args, retry_base_ms=RETRY_BASE_MS, stderr_path=None):
        cmd = self.sync_args(hub_url, token, *args, retry_base_ms=retry_base_ms)
        err = open(stderr_path, "w") if stderr_path else subprocess.DEVNULL
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        if stderr_path:
            err.close()
        p.cmd = cmd
        return p

    def sync_until_done(self, hub_url, token, *args, passes=10, timeout=240):
        """Repeats sync passes until one exits 0 (nothing left); returns the list of results."""
        results = []
        for _ in range(passes):
            r = self.sync(hub_url, token, *args, timeout=timeout)
            results.append(r)
            if r.returncode == 0:
                return results
            if r.returncode not in (0, 1):
                raise HarnessError(describe(r, f"sync exited {r.returncode}"))
        raise HarnessError(describe(results[-1], f"still not done after {passes} sync passes; "
                                                 f"states {self.states()}"))

    # -- what the kiosk holds
    def _con(self):
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)

    def query(self, sql, params=()):
        con = self._con()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def kiosk_id(self):
        return self.query("SELECT value FROM meta WHERE key = 'kiosk_id'")[0][0]

    def states(self):
        return dict(self.query(f"SELECT {SYNC_STATE} AS state, COUNT(*) FROM responses GROUP BY state"))

    def uuids(self, state=None):
        if state is None:
            return {u for (u,) in self.query("SELECT uuid FROM responses")}
        return {u for (u,) in self.query(f"SELECT uuid FROM responses WHERE {SYNC_STATE} = ?", (state,))}

    def count(self, state=None):
        if state is None:
            return self.query("SELECT COUNT(*) FROM responses")[0][0]
        return self.query(f"SELECT COUNT(*) FROM responses WHERE {SYNC_STATE} = ?", (state,))[0][0]

    def execute(self, sql, params=()):
        con = sqlite3.connect(self.db_path, timeout=30)
        try:
            with con:
                con.execute(sql, params)
        finally:
            con.close()


def describe(r, what):
    return (f"{what}\n  command: {' '.join(getattr(r, 'cmd', r.args))}\n  exit: {r.returncode}\n"
            f"  stdout: {r.stdout[-1500:] if r.stdout else ''}\n  stderr: {r.stderr[-3000:] if r.stderr else ''}")


# ------------------------------------------------------------------------------------------------------- checks
def exactly_once_report(kiosks, hubs_or_rows, quarantined_ok=0):
    """Counts for the exactly-once property over some kiosks and one hub database."""
    rows = hubs_or_rows.responses() if hasattr(hubs_or_rows, "responses") else hubs_or_rows
    at_hub = collections.Counter((k, u) for k, u, _ in rows)
    report = {"hub_rows": len(rows), "hub_distinct": len(at_hub), "lost": [], "duplicated": [], "pending": 0,
              "quarantined": 0, "unexpected_at_hub": 0}
    report["duplicated"] = [key for key, n in at_hub.items() if n > 1]
    expected = set()
    for k in kiosks:
        kid = k.kiosk_id()
        states = k.states()
        report["pending"] += states.get("pending", 0)
        report["quarantined"] += states.get("quarantined", 0)
        quarantined = k.uuids("quarantined")
        for u in k.uuids():
            expected.add((kid, u))
            if u not in quarantined and (kid, u) not in at_hub:
                report["lost"].append((kid, u))
    report["unexpected_at_hub"] = len(set(at_hub) - expected)
    report["different"] = content_differences(kiosks, hubs_or_rows) if hasattr(hubs_or_rows, "query") else []
    return report


def content_differences(kiosks, hub, limit=5):
    """Records whose content at the hub is not what the kiosk saved (seq, survey, language, time, answers)."""
    held = {}
    for kid, u, seq, survey, lang, created, answers in hub.query(
            "SELECT kiosk_id, uuid, seq, survey_id, language, created_utc, answers FROM records"):
        held[(str(kid), str(u))] = (int(seq), str(survey), str(lang), str(created), json.loads(answers))
    out = []
    for k in kiosks:
        kid = k.kiosk_id()
        for u, seq, survey, lang, created, answers in k.query(
                "SELECT uuid, seq, survey_id, language, created_utc, answers_json FROM responses"
                f" WHERE {SYNC_STATE} = 'acknowledged'"):
            got = held.get((kid, u))
            if got is None:
                continue  # counted as lost elsewhere
            # Sealed on the kiosk (answers_json ''): only the hub can read them; compare the rest.
            want = (seq, survey, lang, created, json.loads(answers) if answers else got[4])
            if got != want:
                out.append((kid, u, f"kiosk {want!r:.200} hub {got!r:.200}"))
                if len(out) >= limit:
                    return out
    return out


def assert_exactly_once(kiosks, hub, quarantined=0, allow_unknown=False, check_status=True):
    """0 lost (every non-quarantined kiosk response is at the hub), 0 duplicated ((kiosk, uuid) unique at the hub),
    0 pending on the kiosks, exactly `quarantined` quarantined, and the hub holds nothing the kiosks never had."""
    rep = exactly_once_report(kiosks, hub)
    problems = []
    if rep["lost"]:
        problems.append(f"{len(rep['lost'])} lost, e.g. {rep['lost'][:3]}")
    if rep["duplicated"]:
        problems.append(f"{len(rep['duplicated'])} duplicated at the hub, e.g. {rep['duplicated'][:3]}")
    if rep["hub_rows"] != rep["hub_distinct"]:
        problems.append(f"hub rows {rep['hub_rows']} != distinct (kiosk, uuid) {rep['hub_distinct']}")
    if rep["pending"]:
        problems.append(f"{rep['pending']} still pending on the kiosk(s)")
    if rep["quarantined"] != quarantined:
        problems.append(f"{rep['quarantined']} quarantined, expected {quarantined}")
    if rep["unexpected_at_hub"] and not allow_unknown:
        problems.append(f"{rep['unexpected_at_hub']} rows at the hub that no kiosk here holds")
    if rep["different"]:
        problems.append(f"records whose content differs at the hub: {rep['different'][:3]}")
    conflicts = hub.conflicts()
    if conflicts:
        problems.append(f"{len(conflicts)} conflicts at the hub (a record re-sent with other content), "
                        f"e.g. {conflicts[:2]}")
    if not problems and check_status:
        # The hub's own account (engage-hub status --json) must agree: every kiosk's records, and as missing
        # exactly the quarantined ones (the hub can tell what it never got).
        by_device = {s.get("kiosk_id"): s for s in hub.status()}
        for k in kiosks:
            s = by_device.get(k.kiosk_id())
            held = k.count() - k.count("quarantined")
            if s is None:
                if held:
                    problems.append(f"engage-hub status does not list kiosk {k.kiosk_id()}")
                continue
            if s.get("records") != held:
                problems.append(f"engage-hub status says {s.get('records')} records for {k.kiosk_id()}, "
                                f"the kiosk delivered {held}")
            q_seqs = {seq for (seq,) in k.query("SELECT seq FROM quarantine")}
            top = s.get("highest_seq") or 0
            missing = sum(1 for seq in q_seqs if seq < top)
            if s.get("missing") != missing:
                problems.append(f"engage-hub status says {s.get('missing')} missing below seq {top} for "
                                f"{k.kiosk_id()}, expected {missing} (the quarantined ones)")
    if problems:
        raise HarnessError("exactly-once violated: " + "; ".join(problems) + f"\n  report: "
                           f"{ {k: (v if isinstance(v, int) else len(v)) for k, v in rep.items()} }")
    return rep


def kill_after(proc, seconds):
    """SIGKILLs a process after some seconds if it still runs (bounded helper for 'kill mid-sync')."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return True
    return False


def wait_for(pred, what, timeout=30, interval=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(interval)
    raise HarnessError(f"timed out after {timeout} s waiting for {what}")


def hang_guard(seconds):
    import faulthandler
    faulthandler.dump_traceback_later(seconds, exit=True)


def log(msg):
    print(msg, flush=True)
    sys.stdout.flush()
