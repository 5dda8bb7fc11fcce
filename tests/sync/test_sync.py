#!/usr/bin/env python3
"""Sync scenarios: the real engage-hub and `engage-kiosk sync`, a fault proxy between them, and at the end of
each the exactly-once check (0 lost, 0 duplicated at the hub, 0 pending on the kiosk).

usage: test_sync.py HUB_BINARY KIOSK_BINARY NAME [--seed N] [--keep] [--records N]
    NAME is one of the scenarios below (or "all"); --seed reruns the randomized run; --keep keeps the temp folder.
Exit 0 passed, 1 failed, 77 skipped (e.g. no PostgreSQL for the two-hub scenario).
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import FaultProxy  # noqa: E402
from harness import (SOURCE_DIR, HarnessError, Hub, KioskData, assert_exactly_once, describe,  # noqa: E402
                     free_port, log, wait_for)
import tls  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("hub")
ap.add_argument("kiosk")
ap.add_argument("name")
ap.add_argument("--seed", type=int, default=None, help="the randomized run's seed (default: a new one, printed)")
ap.add_argument("--records", type=int, default=None, help="records for the randomized run (default 3000)")
ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
ARGS = ap.parse_args()
HUB_BIN, KIOSK_BIN = ARGS.hub, ARGS.kiosk

# A transfer slower than 64 B/s for --stall-seconds is aborted by the client; a stalled reply is held longer.
REQUEST_TIMEOUT_ARGS = ["--stall-seconds", "2"]
STALL_SECONDS = 5


class Env:
    """A temp folder with one hub (SQLite unless db is given), one seeded kiosk and its enrolment."""

    def __init__(self, records=300, seed=1, db=None, tls_certs=None, hub_args=()):
        self.tmp = tempfile.mkdtemp(prefix="engage-sync-")
        self.hub = Hub(HUB_BIN, db or os.path.join(self.tmp, "hub.sqlite"), self.tmp, tls=tls_certs,
                       extra_args=hub_args)
        self.hub.start()
        self.kiosk = KioskData(KIOSK_BIN, os.path.join(self.tmp, "kiosk"))
        if records:
            self.kiosk.seed(records, seed=seed)
        self.enrol = self.hub.add_kiosk("hall")
        self.token = self.enrol.token
        self.proxy = None

    def with_proxy(self):
        self.proxy = FaultProxy(self.hub.port).start()
        return self.proxy

    def sync(self, *args, url=None, **kw):
        return self.kiosk.sync(url or (self.proxy.url if self.proxy else self.hub.url), self.token, *args, **kw)

    def drain(self, *args, url=None, passes=10, timeout=240):
        return self.kiosk.sync_until_done(url or (self.proxy.url if self.proxy else self.hub.url), self.token,
                                          *args, passes=passes, timeout=timeout)

    def close(self, failed=False):
        if self.proxy:
            self.proxy.stop()
        self.hub.stop()
        if ARGS.keep or failed:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def proxy_log(self, n=40):
        if not self.proxy:
            return ""
        return "\n".join(f"  #{e.get('index')} {e.get('action')} records={e.get('records')} "
                         f"status={e.get('status')}" for e in self.proxy.log[-n:])


def scenario(fn):
    """Runs fn(env_factory) with the temp folders cleaned up (kept when the scenario fails)."""
    def run():
        envs = []

        def make(**kw):
            e = Env(**kw)
            envs.append(e)
            return e
        failed = True
        try:
            fn(make)
            for e in envs:
                e.hub.stop()
                reports = e.hub.sanitizer_reports()
                if reports:
                    raise HarnessError(f"the hub's log has sanitizer reports ({e.hub.log_path}):\n" +
                                       "\n".join(reports[:10]))
            failed = False
        finally:
            for e in envs:
                if failed and e.proxy:
                    log(f"proxy log (last requests):\n{e.proxy_log()}")
                if failed:
                    log(f"hub log tail ({e.hub.log_path}):\n" + "".join(open(e.hub.log_path).readlines()[-20:]))
                e.close(failed)
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def out(r):
    return (r.stdout or "") + (r.stderr or "")


# ----------------------------------------------------------------------------------------------------- scenarios
@scenario
def test_drain_10k(make):
    """10,000 responses drained in one pass; the hub holds exactly 10,000, the kiosk none pending."""
    e = make(records=10000, seed=10)
    t0 = time.time()
    r = e.sync("--max-seconds", "200", timeout=230)
    took = time.time() - t0
    assert r.returncode == 0, describe(r, "a clean drain of 10,000 must exit 0")
    rep = assert_exactly_once([e.kiosk], e.hub)
    assert rep["hub_rows"] == 10000 and e.kiosk.count("acknowledged") == 10000, rep
    log(f"drained 10000 in {took:.1f} s ({10000 / took:.0f} responses/s)")
    r = e.sync()
    assert r.returncode == 0, describe(r, "a second pass with nothing left must exit 0")
    assert len(e.hub.responses()) == 10000


@scenario
def test_damaged_database(make):
    """`engage-kiosk sync` runs quick_check beside its first batches (as the kiosk app does after its first frame):
    a page in the middle overwritten is found, the pass stops, the file is moved aside (never deleted), a fresh one
    keeps the kiosk's id, and the run fails saying so. The hub holds only responses that were on the kiosk, each
    once; the next sync has nothing to send and exits 0."""
    import sqlite3
    e = make(records=3000, seed=31)
    uuids, kiosk_id = e.kiosk.uuids(), e.kiosk.kiosk_id()
    db = sqlite3.connect(e.kiosk.db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page, pages = db.execute("PRAGMA page_size").fetchone()[0], db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    assert pages > 20, pages
    with open(e.kiosk.db_path, "r+b") as f:  # a page two thirds in: responses, never the schema or the settings
        f.seek(page * (pages * 2 // 3))
        f.write(bytes([0xA5]) * page)
    r = e.sync("--batch-records", "100")
    assert r.returncode == 1, describe(r, "a damaged database must fail the run")
    assert "is damaged" in r.stderr and "moved aside" in r.stderr, describe(r, "the damage must be named")
    files = os.listdir(e.kiosk.data_dir)
    aside = [n for n in files if n.startswith("engage.sqlite.corrupt-") and not n.endswith(("-wal", "-shm"))]
    assert len(aside) == 1, files
    assert e.kiosk.kiosk_id() == kiosk_id and e.kiosk.count() == 0, "a fresh database with the kiosk's own id"
    held = [u for _, u, _ in e.hub.responses()]
    assert len(held) == len(set(held)) and set(held) <= uuids, "the hub holds only the kiosk's, once each"
    log(f"the hub holds {len(held)} of 3000 sent before the check found the damage")
    r = e.sync()
    assert r.returncode == 0, describe(r, "the fresh database has nothing waiting")
    # A file that is not a database at all is moved aside at opening: that run fails too, saying nothing was sent.
    for suffix in ("-wal", "-shm"):
        if os.path.exists(e.kiosk.db_path + suffix):
            os.remove(e.kiosk.db_path + suffix)
    with open(e.kiosk.db_path, "wb") as f:
        f.write(bytes([0x5A]) * 8192)
    r = e.sync()
    assert r.returncode == 1, describe(r, "a file that is not a database must fail the run")
    assert "moved aside" in r.stderr and "nothing was sent" in r.stderr, describe(r, "the damage must be named")
    files = os.listdir(e.kiosk.data_dir)
    assert len([n for n in files if n.startswith("engage.sqlite.corrupt-") and not n.endswith(("-wal", "-shm"))]) == 2
    assert e.kiosk.count() == 0, "a fresh database"


@scenario
def test_refused(make):
    """Nothing listening, then connections reset on accept: nothing acknowledged, exit 1; later all delivered."""
    e = make(records=300)
    dead = f"http://127.0.0.1:{free_port()}"
    r = e.sync("--max-seconds", "2", url=dead, timeout=60)
    assert r.returncode == 1, describe(r, "sync to a port nobody listens on must exit 1")
    assert e.kiosk.count("acknowledged") == 0 and e.kiosk.count("pending") == 300, e.kiosk.states()

    p = e.with_proxy()
    p.close_listener()
    r = e.sync("--max-seconds", "2", timeout=60)
    assert r.returncode == 1 and e.kiosk.count("pending") == 300, describe(r, "refused: must exit 1")
    p.reopen_listener()
    p.schedule(["refuse"] * 4)
    results = e.drain("--batch-records", "100")
    assert p.actions["refuse"] == 4, p.counts()
    assert_exactly_once([e.kiosk], e.hub)
    log(f"passes after refusals: {len(results)}; proxy {p.counts()}")


@scenario
def test_cut_request(make):
    """The connection is cut while the request is being sent (after 0, 100, 1000 bytes): nothing is stored
    from a cut request; a retry delivers it once."""
    e = make(records=400)
    p = e.with_proxy()
    p.schedule(["pass", {"cut_request": 100}, {"cut_request": 1}, "pass", {"cut_request": 1000},
                {"cut_request": 3000}])
    e.drain("--batch-records", "50")
    assert p.actions["cut_request"] == 4, p.counts()
    assert_exactly_once([e.kiosk], e.hub)


@scenario
def test_hub_killed_after_commit(make):
    """The hub is SIGKILLed once it has committed a batch, before the kiosk hears the reply; after a restart the
    replayed batch comes back as duplicate and the kiosk acknowledges it: once at the hub, nothing pending."""
    e = make(records=500)
    p = e.with_proxy()
    killed = threading.Event()

    def kill_hub(index):
        e.hub.kill(signal.SIGKILL)
        killed.set()
    p.schedule(["pass", "pass", {"drop_reply": True, "hook": kill_hub}])
    r = e.sync("--batch-records", "100", "--max-seconds", "3", "--in-flight", "1", timeout=60)  # counted in order
    assert killed.is_set(), f"the hub was never killed; proxy {p.counts()}"
    assert r.returncode == 1, describe(r, "with the hub dead the pass must end with exit 1")
    at_hub = len(e.hub.responses())
    acked = e.kiosk.count("acknowledged")
    assert at_hub == 300 and acked == 200, (f"after the kill the hub should hold 3 batches (it committed the third)"
                                            f" and the kiosk have 2 acknowledged: hub {at_hub}, kiosk {acked}")
    e.hub.start()
    e.drain("--batch-records", "100")
    assert_exactly_once([e.kiosk], e.hub)
    dup = [x for x in p.log if x.get("status") == 200 and b'"duplicate"' in x.get("reply", b"")]
    assert dup, "the replayed batch should have come back with 'duplicate' results"


@scenario
def test_cut_reply(make):
    """The reply is cut midway (in the headers, in the body): the hub committed, the kiosk must not acknowledge
    on a truncated reply; the replay comes back duplicate. One batch at a time, then three in flight."""
    e = make(records=400)
    p = e.with_proxy()
    p.schedule(["pass", {"cut_reply": 10}, {"cut_reply": 200}, "pass", {"cut_reply": 400}])
    r = e.sync("--batch-records", "50", "--max-seconds", "60", "--in-flight", "1")
    e.drain("--batch-records", "50", "--in-flight", "1")
    assert p.actions["cut_reply"] == 3, p.counts()
    assert_exactly_once([e.kiosk], e.hub)
    assert any(b'"duplicate"' in x.get("reply", b"") for x in p.log), "no replay came back duplicate"

    # Three batches in flight at once (--in-flight 3), replies and requests cut among them: the requests overlap
    # at the proxy, each on its own connection, and still every response arrives once, none acknowledged unanswered.
    e.kiosk.seed(1500, seed=2)
    lock, flying = threading.Lock(), {"now": 0, "most": 0}

    def enter(_):
        with lock:
            flying["now"] += 1
            flying["most"] = max(flying["most"], flying["now"])

    def leave(_):
        with lock:
            flying["now"] -= 1
    p.set_policy(lambda i: {"pass": True, "hook": enter, "after": leave})
    connections = p.counts()["connections"]
    p.schedule([{"pass": True, "hook": enter, "after": leave}] * 4 +
               [{"cut_reply": 200}, {"cut_request": 300}, {"status": 503, "retry_after": 1}, {"cut_reply": 10}])
    e.drain("--batch-records", "50", "--in-flight", "3")
    assert p.actions["cut_reply"] == 5 and p.actions["cut_request"] == 1, p.counts()
    assert_exactly_once([e.kiosk], e.hub)
    assert len(e.hub.responses()) == 1900
    assert flying["most"] >= 2, f"batches never overlapped at the proxy: {flying}"
    assert p.counts()["connections"] - connections >= 3, p.counts()
    log(f"in flight at once, at most: {flying['most']}; proxy {p.counts()}")


@scenario
def test_stalled_reply(make):
    """The reply is held past the client's timeout: the kiosk gives up on it, retries, and the records arrive
    once."""
    e = make(records=200)
    p = e.with_proxy()
    p.schedule(["pass", {"stall_reply": STALL_SECONDS}])
    t0 = time.time()
    e.drain("--batch-records", "50", *REQUEST_TIMEOUT_ARGS, timeout=110)
    assert p.actions.get("stall_reply") == 1, p.counts()
    assert_exactly_once([e.kiosk], e.hub)
    log(f"stalled scenario took {time.time() - t0:.1f} s")


@scenario
def test_busy_500_503(make):
    """Bursts of 500, 503 and 429 (with Retry-After): nothing acknowledged on them, Retry-After is honoured,
    everything arrives once."""
    e = make(records=300)
    p = e.with_proxy()
    p.schedule(["pass", {"status": 500}, {"status": 500}, {"status": 500}, {"status": 503, "retry_after": 1},
                {"status": 503, "retry_after": 1}, "pass", {"status": 429, "retry_after": 1}, {"status": 502}])
    # One batch at a time: with several in flight, those sent before the 503 came back follow it at once.
    e.drain("--batch-records", "50", "--max-seconds", "60", "--in-flight", "1")
    assert_exactly_once([e.kiosk], e.hub)
    reqs = [x for x in p.log if x.get("index") is not None]
    for i, x in enumerate(reqs[:-1]):
        if x["action"] in ("status_503", "status_429"):
            gap = reqs[i + 1]["time"] - x["time"]
            assert gap >= 0.9, (f"request #{x['index']} got {x['action']} with Retry-After: 1 but the next "
                                f"request came {gap:.3f} s later")


@scenario
def test_too_large_413(make):
    """413 Payload Too Large: the kiosk halves its batch and goes on; everything arrives once."""
    e = make(records=400)
    p = e.with_proxy()
    p.schedule([{"status": 413}, {"status": 413}])
    e.drain("--batch-records", "200", "--max-seconds", "60", "--in-flight", "1")  # sizes in order
    assert_exactly_once([e.kiosk], e.hub)
    sizes = [x.get("records") for x in p.log if x.get("index") is not None]
    assert sizes[:3] == [200, 100, 50], f"batch sizes after 413s: {sizes[:6]} (expected 200, 100, 50 …)"


POISON = '"not an object"'

NGINX_400 = {"status": 400, "content_type": "text/html",
             "body": "<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request</h1>"
                     "</center><hr><center>nginx</center></body></html>"}
NGINX_413 = {"status": 413, "content_type": "text/html",
             "body": "<html><head><title>413 Request Entity Too Large</title></head><body><center>"
                     "<h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>"}


@scenario
def test_middlebox_errors(make):
    """A proxy or portal in the way (not the hub: an HTML body, no {"error"} JSON) answers 400 or 413 to a dozen
    requests in a row, after the hub has already accepted this kiosk's batches. Those answers say nothing about
    any record: none may be quarantined (a quarantined response never reaches the hub by itself), and every
    response arrives once. The hub's own 400/413 (JSON) still bisect and halve (sync_poisoned_record,
    sync_too_large_413)."""
    failures = []
    for name, action in (("400", NGINX_400), ("413", NGINX_413)):
        e = make(records=200, seed=3)
        p = e.with_proxy()
        r = e.sync("--batch-records", "100")
        assert r.returncode == 0, describe(r, "the first, clean pass")
        e.kiosk.seed(300, seed=4)
        p.schedule([action] * 12)
        r = e.sync("--batch-records", "100", "--max-seconds", "30", timeout=60)
        quarantined = e.kiosk.count("quarantined")
        if quarantined:
            failures.append(describe(r, f"HTTP {name} from a middlebox (HTML, 12 requests in a row): {quarantined} "
                                        f"good responses were quarantined (expected 0)"))
            continue
        e.drain("--batch-records", "100")
        assert_exactly_once([e.kiosk], e.hub)
    assert not failures, "\n".join(failures)


@scenario
def test_other_protocol(make):
    """A hub that does not speak protocol 1 (400 {"error": "unsupported protocol 1"}): the kiosk stops, keeps
    every record pending (none quarantined), exits 1 and says so; a later pass to a good hub delivers them."""
    e = make(records=400)
    p = e.with_proxy()
    p.set_default({"status": 400, "body": '{"error": "unsupported protocol 1"}'})
    r = e.sync("--batch-records", "50", "--max-seconds", "10", timeout=60)
    assert r.returncode == 1, describe(r, "an unsupported protocol must exit 1")
    assert e.kiosk.count("pending") == 400, describe(r, f"records must stay pending: {e.kiosk.states()}")
    assert "protocol" in out(r).lower(), describe(r, "the message should say it is about the protocol")
    # The 3 batches in flight (by default) before the first reply came, and nothing after it (8 batches wait).
    assert p.requests <= 3, f"the kiosk kept sending ({p.requests} requests) to a hub that cannot read it"
    p.set_default("pass")
    e.drain("--batch-records", "50")
    assert_exactly_once([e.kiosk], e.hub)


@scenario
def test_poisoned_record(make):
    """One record in a batch is one the hub calls invalid: it alone is quarantined, every other record is
    delivered once."""
    e = make(records=300)
    victim = e.kiosk.query("SELECT uuid FROM responses WHERE seq = 137")[0][0]
    e.kiosk.execute("UPDATE responses SET answers_json = ? WHERE uuid = ?", (POISON, victim))
    p = e.with_proxy()
    r = e.sync("--batch-records", "100", "--max-seconds", "60")
    assert r.returncode == 0, describe(r, "a quarantined record is not 'left': the pass should exit 0")
    assert e.kiosk.uuids("quarantined") == {victim}, e.kiosk.states()
    assert_exactly_once([e.kiosk], e.hub, quarantined=1)
    assert victim not in {u for _, u, _ in e.hub.responses()}
    invalid = [x for x in p.log if b'"invalid"' in x.get("reply", b"")]
    assert invalid, "the hub never answered 'invalid'"
    log(f"requests: {len(p.log)}, sizes {[x.get('records') for x in p.log]}")


SECRET = "SECRET-WORDS"


def seal_to_other_key(plain):
    """crypto_box_seal to a fresh key pair no hub holds (libsodium through ctypes: no Python binding needed)."""
    import ctypes
    import ctypes.util
    na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    assert na.sodium_init() >= 0
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)
    na.crypto_box_keypair(pk, sk)
    out = ctypes.create_string_buffer(len(plain) + 48)
    assert na.crypto_box_seal(out, plain, ctypes.c_ulonglong(len(plain)), pk) == 0
    return out.raw


def kiosk_files(k):
    """What a thief reads off the kiosk's card: the database, its write-ahead log, the kiosk's log."""
    data = b""
    for name in ("engage.sqlite", "engage.sqlite-wal", "engage-kiosk.log"):
        path = os.path.join(k.data_dir, name)
        if os.path.exists(path):
            data += open(path, "rb").read()
    return data


@scenario
def test_sealed(make):
    """A stolen kiosk reveals nothing: responses saved before pairing are sealed to the hub's key when the kiosk
    pairs, those saved after are sealed as they are saved, and the free text is in none of the kiosk's files; the
    hub opens them and holds each exactly once, the words readable. A sealed box cut, flipped, sealed to another
    key or swapped with another record's is refused with the record named; nothing of it is stored and the
    kiosk keeps it."""
    import base64
    e = make(records=0)
    k = e.kiosk

    def seed(n, seed):
        r = subprocess.run([k.binary, "seed", "--data-dir", k.data_dir, "--count", str(n), "--seed", str(seed),
                            "--text", SECRET], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, describe(r, "seed --text")

    seed(30, 3)
    assert SECRET.encode() in kiosk_files(k), "the test must see the words while they are still in the clear"
    r = subprocess.run([k.binary, "pair", "--data-dir", k.data_dir, "--hub", e.hub.url, "--code",
                        e.enrol.pairing], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, describe(r, "pair")
    assert SECRET.encode() not in kiosk_files(k), "the words are still on the kiosk after pairing sealed them"
    seed(30, 4)
    assert SECRET.encode() not in kiosk_files(k), "a response saved after pairing was stored in the clear"
    rows = k.query("SELECT uuid, seq, answers_json, sealed FROM responses ORDER BY seq")
    assert len(rows) == 60 and all(a == "" and s for _, _, a, s in rows), rows[:2]
    with_text = 0  # responses whose answers hold the words (every free-text answer is SECRET)

    # Hostile boxes, one each: cut, a flipped byte, sealed to another key, another record's box.
    bad = {}
    v2 = "v2:"  # what this kiosk writes (a key shared per epoch); the other key's box below is the older form
    assert rows[5][3].startswith(v2) and rows[40][3].startswith(v2), rows[5][3][:10]
    raw = base64.b64decode(rows[5][3][len(v2):], validate=True)
    bad[rows[5][0]] = v2 + base64.b64encode(raw[:-7]).decode()
    raw = bytearray(base64.b64decode(rows[40][3][len(v2):], validate=True))
    raw[len(raw) // 2] ^= 0x10
    bad[rows[40][0]] = v2 + base64.b64encode(bytes(raw)).decode()
    bad[rows[41][0]] = base64.b64encode(seal_to_other_key(b'{"answers":{},"content_hash":"00"}')).decode()
    bad[rows[42][0]] = rows[43][3]
    for u, box in bad.items():
        k.execute("UPDATE responses SET sealed = ? WHERE uuid = ?", (box, u))

    e.drain("--batch-records", "25")
    assert k.uuids("quarantined") == set(bad), k.states()
    reasons = dict(k.query("SELECT r.uuid, q.reason FROM quarantine q JOIN responses r ON r.seq = q.seq"))
    for u in list(bad)[:3]:
        assert "sealed: does not open with this hub's key" in reasons[u], reasons[u]
    assert "content_hash: does not match" in reasons[rows[42][0]], reasons[rows[42][0]]
    assert k.count() == 60, "the kiosk must keep the refused records"
    assert_exactly_once([k], e.hub, quarantined=4)
    held = e.hub.query("SELECT uuid, answers FROM records")
    assert {u for u, _ in held} == {u for u, *_ in rows} - set(bad), "stored something refused"
    with_text = sum(1 for _, a in held if SECRET in a)
    assert with_text > 0 and all(SECRET in a or '"why"' not in a for _, a in held), held[:2]
    # Readable at the hub through its export, each response once.
    r = e.hub.cli("export", "--db", e.hub.db, "--format", "json")
    exported = json.loads(r.stdout)
    exported = exported.get("responses", exported) if isinstance(exported, dict) else exported
    assert len(exported) == 56 and len({x.get("response_id") for x in exported}) == 56, len(exported)
    assert r.stdout.count(SECRET) >= with_text, "the export does not show the words"
    assert SECRET.encode() not in kiosk_files(k), "the words reached the kiosk's files while syncing"
    log(f"sealed: 60 saved, 56 delivered once ({with_text} with free text), 4 hostile boxes refused and kept")


@scenario
def test_captive_portal(make):
    """A captive portal answers every request with a 200 HTML page: nothing is acknowledged, the pass exits 1;
    then redirects, foreign JSON and replayed replies now and then: none acknowledges anything; everything
    arrives once."""
    e = make(records=200)
    p = e.with_proxy()
    p.set_default("captive")
    r = e.sync("--batch-records", "50", "--max-seconds", "2", timeout=60)
    assert r.returncode == 1, describe(r, "behind a captive portal the pass must exit 1")
    assert e.kiosk.count("acknowledged") == 0 and len(e.hub.responses()) == 0, e.kiosk.states()
    assert p.actions["captive"] >= 1
    p.set_default("pass")
    # Other things a portal or a confused middlebox says with a straight face: a redirect to its login page,
    # JSON that is not the hub's, the hub's last reply replayed for another batch, the right shape with a
    # result missing. Each request is answered by the proxy (the hub never sees it): acknowledging on any of
    # them would lose those records, which the final check would find.
    p.schedule(["captive", "pass", {"redirect": "http://portal.invalid/login?continue=/v1/batches"},
                {"status": 200, "body": "{}"}, "replay", "pass", "replay",
                {"status": 200, "body": '{"protocol": 1, "hub": "engage-hub", "results": []}'},
                {"status": 200, "body": "<html><body>Session expired</body></html>", "content_type": "text/html"}])
    e.drain("--batch-records", "50")
    assert p.actions["replay"] == 2 and p.actions["redirect"] == 1, p.counts()
    assert_exactly_once([e.kiosk], e.hub)


@scenario
def test_bad_token(make):
    """A wrong token, another kiosk's token, and a revoked kiosk: nothing acknowledged, a non-zero exit, and the
    message says it is about the token."""
    e = make(records=100)
    p = e.with_proxy()
    for what, token in (("wrong", "not-the-token"), ("short", "x")):
        before = p.requests
        r = e.kiosk.sync(p.url, token, "--max-seconds", "5", timeout=60)
        assert r.returncode != 0, describe(r, f"a {what} token must not exit 0")
        assert "token" in out(r).lower(), describe(r, f"a {what} token: the message should mention the token")
        assert e.kiosk.count("acknowledged") == 0, e.kiosk.states()
        assert p.requests - before == 1, (f"a refused token should pause sync after one request (401), not retry:"
                                          f" {p.requests - before} requests")
    assert len(e.hub.responses()) == 0

    # Pinning: the token is learnt by this kiosk; another kiosk with the same token is refused (403).
    e.drain(url=e.hub.url)
    other = KioskData(KIOSK_BIN, os.path.join(e.tmp, "other")).seed(20, seed=5)
    r = other.sync(e.hub.url, e.token, "--max-seconds", "5", timeout=60)
    assert r.returncode != 0 and other.count("acknowledged") == 0, describe(r, "a token pinned to another kiosk")
    assert "token" in out(r).lower(), describe(r, "kiosk id mismatch: the message should mention the token")

    # Revoked: more responses, then the kiosk is revoked.
    e.kiosk.seed(50, seed=2)
    e.hub.revoke(e.enrol.id)
    r = e.sync("--max-seconds", "5", url=e.hub.url, timeout=60)
    assert r.returncode != 0, describe(r, "a revoked kiosk must not exit 0")
    assert "token" in out(r).lower() or "revoked" in out(r).lower(), describe(r, "revoked: say why")
    assert e.kiosk.count("pending") == 50 and e.kiosk.count("acknowledged") == 100, e.kiosk.states()
    assert len(e.hub.responses()) == 100


@scenario
def test_kiosk_killed(make):
    """The sync process is SIGKILLed midway, several times: once while the hub commits a batch, twice the instant
    the reply has arrived (while it records the acks), and at random moments; then restarted: everything arrives
    once."""
    e = make(records=4000)  # enough that 8 rounds of kills leave some to send
    p = e.with_proxy()
    rng = random.Random(4)
    kills = 0
    for round_ in range(8):
        proc = e.kiosk.sync_popen(p.url, e.token, "--batch-records", "50", "--max-seconds", "60")
        if round_ == 0:
            # Exactly while a batch is at the hub: the reply is dropped and the kiosk killed before it.
            hit = threading.Event()
            p.schedule(["pass", "pass", {"drop_reply": True, "hook": lambda i: (proc.kill(), hit.set())}])
            wait_for(lambda: hit.is_set() or proc.poll() is not None, "the kill hook", timeout=60)
        elif round_ in (1, 2):
            # The moment the whole reply has reached the kiosk: it is killed while recording the acks (or just
            # before, or just after).
            hit = threading.Event()
            delay = 0 if round_ == 1 else 0.002
            p.schedule(["pass", {"pass": True, "after": lambda i: (time.sleep(delay), proc.kill(), hit.set())}])
            wait_for(lambda: hit.is_set() or proc.poll() is not None, "the kill hook", timeout=60)
        else:
            start = len(p.log)
            target = rng.randint(1, 6)
            wait_for(lambda: len(p.log) - start >= target or proc.poll() is not None, "requests", timeout=60)
            time.sleep(rng.random() * 0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        kills += proc.returncode == -signal.SIGKILL
    assert kills >= 4, f"only {kills} kills landed mid-sync; the scenario proves nothing"
    assert e.kiosk.count("pending") > 0, "the kills came too late: nothing was left"
    e.drain("--batch-records", "50")
    assert_exactly_once([e.kiosk], e.hub)
    log(f"{kills} kills; proxy {p.counts()}")


@scenario
def test_concurrent_saves(make):
    """Responses are saved (engage-kiosk seed, another connection to the same database) while a sync pass runs
    through a lossy line: the new ones are sent too, none twice, none lost."""
    e = make(records=1000)
    p = e.with_proxy()
    rng = random.Random(7)
    p.set_policy(lambda i: rng.choice(["pass"] * 6 + [{"cut_reply": 30}, {"drop_reply": True}, {"status": 503,
                                                                                               "retry_after": 0}]))
    proc = e.kiosk.sync_popen(p.url, e.token, "--batch-records", "40", "--max-seconds", "60", "--retries", "50")
    saved = 1000
    for i in range(6):
        e.kiosk.seed(150, seed=100 + i)
        saved += 150
        time.sleep(0.05)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise HarnessError("sync with --max-seconds 60 still running after 90 s")
    assert e.kiosk.count() == saved, (e.kiosk.count(), saved)
    p.set_policy(None)
    e.drain("--batch-records", "40")
    assert_exactly_once([e.kiosk], e.hub)
    log(f"first pass exit {proc.returncode}; proxy {p.counts()}")


def pg_server_module():
    path = os.path.join(SOURCE_DIR, "tests")
    if not os.path.exists(os.path.join(path, "pg_server.py")):
        return None
    sys.path.insert(0, path)
    import pg_server
    return pg_server


@scenario
def test_two_hubs_postgres(make):
    """Two hub processes on one PostgreSQL database; the kiosk switches between them mid-stream, with lost
    replies and a kill: everything arrives once (the unique key holds across the hubs)."""
    pg = pg_server_module()
    if pg is None:
        log("SKIP: tests/pg_server.py is not there")
        sys.exit(77)
    with pg_session(pg) as url:
        e = make(records=1000, db=url)
        b = Hub(HUB_BIN, url, e.tmp, name="hub-b").start()
        try:
            pa = e.with_proxy()
            pb = FaultProxy(b.port).start()
            try:
                # A: two batches, then a committed batch whose reply is lost; the kiosk gives up on A ...
                pa.schedule(["pass", "pass", {"drop_reply": True}])
                pa.set_default({"status": 503, "retry_after": 0})
                r = e.kiosk.sync(pa.url, e.token, "--batch-records", "100", "--max-seconds", "6", timeout=60)
                assert r.returncode == 1, describe(r, "A stopped answering: exit 1")
                assert e.kiosk.count("acknowledged") == 200 and len(e.hub.responses()) == 300, \
                    (e.kiosk.states(), len(e.hub.responses()))
                # ... and goes on with B, which sees the replay as a duplicate; its reply is cut once too.
                pb.schedule(["pass", {"cut_reply": 50}, "pass"])
                proc = e.kiosk.sync_popen(pb.url, e.token, "--batch-records", "100", "--max-seconds", "60")
                wait_for(lambda: len(pb.log) >= 4 or proc.poll() is not None, "B's requests", timeout=60)
                proc.kill()
                proc.wait(timeout=30)
                assert any(b'"duplicate"' in x.get("reply", b"") for x in pb.log), "B never saw the replay"
                # Back to A (now healthy), then B again to finish; meanwhile a second kiosk sends through B and
                # a third through A, at the same time.
                pa.set_default("pass")
                others = [KioskData(KIOSK_BIN, os.path.join(e.tmp, f"other-{n}")).seed(600, seed=50 + n)
                          for n in range(2)]
                tokens = [e.hub.add_kiosk(f"other-{n}").token for n in range(2)]
                procs = [o.sync_popen(hub_url, tok, "--batch-records", "50", "--max-seconds", "60")
                         for o, tok, hub_url in zip(others, tokens, (b.url, e.hub.url))]
                e.kiosk.sync(pa.url, e.token, "--batch-records", "100", "--max-seconds", "1", timeout=60)
                e.kiosk.sync_until_done(b.url, e.token, "--batch-records", "100")
                for proc in procs:
                    proc.wait(timeout=90)
                for o, tok in zip(others, tokens):
                    o.sync_until_done(b.url, tok, "--batch-records", "50")
                assert_exactly_once([e.kiosk] + others, e.hub)
                assert_exactly_once([e.kiosk] + others, b)
                b.stop()
                assert not b.sanitizer_reports(), "\n".join(b.sanitizer_reports()[:10])
            finally:
                pb.stop()
        finally:
            b.stop()
            e.hub.stop()


def pg_session(pg):
    """A context manager giving the postgresql:// URL of a fresh database on a throwaway server
    (tests/pg_server.py; it exits 77 with a SKIP line when PostgreSQL is not installed)."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        with pg.PgServer() as srv:
            yield srv.create_database("sync_two_hubs")
    return cm()


FAULTS = [  # (weight, action factory)
    (40, lambda rng, ctx: "pass"),
    (2, lambda rng, ctx: "refuse"),          # on a kept-alive connection: a reset before anything is forwarded
    (1, lambda rng, ctx: {"stall_reply": 2.5}),  # past --stall-seconds 1
    (6, lambda rng, ctx: {"cut_request": rng.choice([0, 1, 50, 300, 2000, 10000])}),
    (8, lambda rng, ctx: {"cut_reply": rng.choice([0, 5, 40, 150, 400])}),
    (6, lambda rng, ctx: {"drop_reply": True}),
    (3, lambda rng, ctx: {"drop_reply": True, "hook": ctx["kill_hub"]}),
    (3, lambda rng, ctx: {"drop_reply": True, "hook": ctx["kill_kiosk"]}),
    (5, lambda rng, ctx: {"status": rng.choice([500, 502, 504])}),
    (4, lambda rng, ctx: {"status": 503, "retry_after": rng.choice([0, 1])}),
    (3, lambda rng, ctx: {"status": 429, "retry_after": 0}),
    (3, lambda rng, ctx: {"status": 413}),
    (4, lambda rng, ctx: "captive"),
    (2, lambda rng, ctx: {"status": 200, "body": '{"hub": "engage-hub", "protocol": 1, "results": []}'}),
    (2, lambda rng, ctx: "replay"),
    (1, lambda rng, ctx: {"redirect": "http://portal.invalid/login"}),
    (2, lambda rng, ctx: {"pass": True, "after": ctx["kill_kiosk"]}),     # killed while recording the acks
    (2, lambda rng, ctx: {"pass": True, "hook": ctx["kill_hub_soon"]}),   # killed mid-request, maybe mid-commit
]


@scenario
def test_randomized(make):
    """Thousands of records, a random fault on every request (seeded), the hub and the kiosk killed now and then,
    a couple of records poisoned: in the end 0 lost, 0 duplicated, only the poisoned quarantined."""
    seed = ARGS.seed if ARGS.seed is not None else int(os.environ.get("ENGAGE_SYNC_SEED", "0")) or \
        random.SystemRandom().randrange(1, 10**9)
    records = ARGS.records or 3000
    log(f"randomized run: seed {seed}, {records} records (rerun: test_sync.py HUB KIOSK randomized --seed {seed})")
    rng = random.Random(seed)
    try:
        e = make(records=records, seed=seed % 100000)
        poisoned = set()
        for seq in rng.sample(range(1, records + 1), 2):
            u = e.kiosk.query("SELECT uuid FROM responses WHERE seq = ?", (seq,))[0][0]
            e.kiosk.execute("UPDATE responses SET answers_json = ? WHERE uuid = ?", (POISON, u))
            poisoned.add(u)
        p = e.with_proxy()
        state = {"proc": None, "hub_killed": 0, "kiosk_killed": 0}
        hub_lock = threading.Lock()

        def kill_hub(i):
            with hub_lock:
                if e.hub.proc.poll() is None:
                    e.hub.kill(signal.SIGKILL)
                    state["hub_killed"] += 1

        def kill_kiosk(i):
            if state["proc"] is not None and state["proc"].poll() is None:
                state["proc"].kill()
                state["kiosk_killed"] += 1

        def kill_hub_soon(i):
            delay = fault_rng.random() * 0.02
            threading.Timer(delay, kill_hub, args=(i,)).start()
        ctx = {"kill_hub": kill_hub, "kill_kiosk": kill_kiosk, "kill_hub_soon": kill_hub_soon}
        weights = [w for w, _ in FAULTS]
        fault_rng = random.Random(seed + 1)
        p.set_policy(lambda i: rng_choice(fault_rng, weights, ctx))
        connect_rng = random.Random(seed + 2)
        p.set_connect_policy(lambda c: connect_rng.random() < 0.08)  # refused at accept (RST)
        passes = 0
        deadline = time.time() + 170
        while time.time() < deadline:
            with hub_lock:
                if e.hub.proc.poll() is not None:
                    e.hub.start()
            passes += 1
            state["proc"] = e.kiosk.sync_popen(p.url, e.token, "--batch-records", "100", "--max-seconds", "8",
                                               "--stall-seconds", "1")
            try:
                rc = state["proc"].wait(timeout=60)
            except subprocess.TimeoutExpired:
                state["proc"].kill()
                raise HarnessError(f"a sync pass with --max-seconds 8 was still running after 60 s: "
                                   f"{' '.join(state['proc'].cmd)}")
            if rc == 0 and e.kiosk.count("pending") == 0:
                break
            assert rc in (0, 1, -9), f"sync exited {rc} ({' '.join(state['proc'].cmd)})"
            assert rc != 0 or e.kiosk.count("pending") == 0, "exit 0 with records still pending"
        p.set_policy(None)
        p.set_connect_policy(None)
        time.sleep(0.1)  # a kill_hub_soon timer may still be due
        with hub_lock:
            if e.hub.proc.poll() is not None:
                e.hub.start()
        # Whatever is left goes through a clean line (bounded), then the check.
        p.set_default("pass")
        e.drain("--batch-records", "100")
        assert e.kiosk.uuids("quarantined") == poisoned, (e.kiosk.uuids("quarantined"), poisoned)
        assert_exactly_once([e.kiosk], e.hub, quarantined=len(poisoned))
        log(f"passes {passes}, hub killed {state['hub_killed']}, kiosk killed {state['kiosk_killed']}, "
            f"proxy {p.counts()}")
    except BaseException:
        log(f"randomized run FAILED with seed {seed}; rerun: test_sync.py {HUB_BIN} {KIOSK_BIN} randomized "
            f"--seed {seed} --records {records}")
        raise


def rng_choice(rng, weights, ctx):
    i = rng.choices(range(len(FAULTS)), weights=weights)[0]
    return FAULTS[i][1](rng, ctx)


@scenario
def test_tls(make):
    """A hub on HTTPS with a certificate from a private CA: with --ca-file the kiosk syncs; without it (or with
    another CA) it refuses the certificate and acknowledges nothing."""
    folder = tempfile.mkdtemp(prefix="engage-tls-")
    try:
        certs = tls.make_ca(os.path.join(folder, "ca"))
        other = tls.make_ca(os.path.join(folder, "other-ca"))
        e = make(records=300, tls_certs=certs)
        assert e.hub.url.startswith("https://")
        r = e.sync("--max-seconds", "3", timeout=60)
        assert r.returncode != 0, describe(r, "an unverifiable certificate must not be accepted")
        assert "certificate" in out(r).lower(), describe(r, "the message should say the certificate is the problem")
        assert e.kiosk.count("acknowledged") == 0 and len(e.hub.responses()) == 0, e.kiosk.states()
        r = e.sync("--max-seconds", "3", "--ca-file", other["ca"], timeout=60)
        assert r.returncode != 0, describe(r, "a certificate from another CA must not be accepted")
        assert e.kiosk.count("acknowledged") == 0 and len(e.hub.responses()) == 0, e.kiosk.states()
        r = e.sync("--ca-file", certs["ca"], "--batch-records", "100")
        assert r.returncode == 0, describe(r, "with --ca-file the sync must work")
        assert_exactly_once([e.kiosk], e.hub)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


TESTS = {n[5:]: f for n, f in list(globals().items()) if n.startswith("test_")}

if __name__ == "__main__":
    import faulthandler
    faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_SYNC_HANG_SECONDS", "600")), exit=True)
    names = list(TESTS) if ARGS.name == "all" else [ARGS.name]
    for name in names:
        if name not in TESTS:
            sys.exit(f"unknown test {name}; known: {', '.join(TESTS)}")
        t0 = time.time()
        try:
            TESTS[name]()
        except (AssertionError, HarnessError) as ex:
            print(f"FAILED {name}: {ex}")
            sys.exit(1)
        print(f"passed {name} ({time.time() - t0:.1f} s)")
