#!/usr/bin/env python3
"""USB bundles end to end: real kiosk data folders (`engage-kiosk seed`), the real `engage-kiosk pair / bundle /
sync` and the real `engage-hub serve / kiosk key / import`, on SQLite or PostgreSQL.

usage: test_bundle_import.py ENGAGE_HUB ENGAGE_KIOSK SCENARIO [sqlite|postgres]
    twice       import twice = one copy; a later bundle adds only the new responses; then sync = one copy
    sync_first  a bundle written before a sync, imported after it: every record is a duplicate
    refused     tampered, truncated, extended, empty, huge, not-a-bundle, another kiosk's key, a revoked kiosk:
                each refused with a clear error naming the file, exit 1, and nothing stored
    key_file    a kiosk that never connects: `engage-hub kiosk key` + `engage-kiosk pair --key-file`
    migration   a version-1 hub database gains bundle keys (migration 2); old kiosks get theirs lazily
    reset_code  a forgotten PIN: `engage-kiosk reset-pin` on the device, and a one-time code from
                `engage-hub kiosk reset-code` that works once, only on its own kiosk
Exit 0 passed, 1 failed, 77 skipped (PostgreSQL not installed).
"""
import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sync"))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402  (tests/sync/harness.py: Hub, KioskData, assert_exactly_once)
import hubtest  # noqa: E402

HUB_BIN, KIOSK_BIN, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
BACKEND = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
check = hubtest.check


def run(*cmd, rc=0, timeout=120):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if rc is not None:
        check(r.returncode == rc, f"`{' '.join(str(c) for c in cmd)}` exited {r.returncode}, expected {rc}\n"
              f"stdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
    return r


class Env:
    def __init__(self, tmp, db):
        self.tmp, self.db = tmp, db
        self.hub = harness.Hub(HUB_BIN, db, tmp)
        self.drive = os.path.join(tmp, "usb")
        os.makedirs(self.drive)
        self.outputs = []  # everything the programs printed: the key must never be in it

    def kiosk(self, name, count, seed=1):
        k = harness.KioskData(KIOSK_BIN, os.path.join(self.tmp, name))
        k.seed(count, seed=seed)
        return k

    def pair(self, k, enrolment):
        r = run(KIOSK_BIN, "pair", "--data-dir", k.data_dir, "--hub", self.hub.url, "--code", enrolment.pairing)
        self.outputs.append(r.stdout + r.stderr)
        check("paired kiosk" in r.stdout and "USB bundles" in r.stdout and enrolment.id in r.stdout, r.stdout)
        return r

    def bundle(self, k, *extra):
        r = run(KIOSK_BIN, "bundle", "--data-dir", k.data_dir, "--to", self.drive, *extra)
        self.outputs.append(r.stdout + r.stderr)
        m = re.search(r"wrote (\d+) responses? to (.+?) \((\d+) bytes\)", r.stdout)
        check(m, "engage-kiosk bundle did not say what it wrote:", r.stdout, r.stderr)
        path = m.group(2)
        check(os.path.dirname(path) == self.drive and os.path.isfile(path), path)
        check(re.fullmatch(r"engage-[0-9a-f]{8}-\d{8}T\d{6}Z(-\d+)?\.bundle", os.path.basename(path)), path)
        check(os.path.getsize(path) == int(m.group(3)), "size", path)
        check(not [f for f in os.listdir(self.drive) if f.endswith(".partial")], "a temporary file was left")
        with open(path, "rb") as f:
            data = f.read()
        check(k.kiosk_id().encode() not in data and b"demo-community-voice" not in data,
              "the bundle shows its content in clear")
        return path, int(m.group(1))

    def imp(self, *files, rc=0):
        r = run(HUB_BIN, "import", *files, "--db", self.db, "--json", rc=rc)
        self.outputs.append(r.stdout + r.stderr)
        return json.loads(r.stdout)

    def imp_text(self, *files, rc=0):
        r = run(HUB_BIN, "import", *files, "--db", self.db, rc=rc)
        self.outputs.append(r.stdout + r.stderr)
        return r

    def rows(self, sql):
        return [tuple(str(x) for x in row) for row in self.hub.query(sql)]

    def counts(self):
        return {t: int(self.rows(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in ("records", "conflicts", "batches")}

    def no_key_leaked(self):
        keys = [r[0] for r in self.rows("SELECT bundle_key FROM kiosks WHERE bundle_key IS NOT NULL")]
        check(keys, "no bundle keys at the hub")
        text = "\n".join(self.outputs) + (open(self.hub.log_path, errors="replace").read()
                                          if os.path.exists(self.hub.log_path) else "")
        for key in keys:
            raw = base64.b64decode(key)
            for form in (key, base64.urlsafe_b64encode(raw).decode().rstrip("="), raw.hex()):
                check(form not in text, "a bundle key was printed or logged")


def expect(result, **want):
    for k, v in want.items():
        check(result.get(k) == v, f"{k} = {result.get(k)!r}, expected {v!r}: {json.dumps(result)[:1500]}")


def exactly_once_at_hub(env, kiosks):
    """(kiosk, uuid) unique at the hub, every response of these kiosks there with the kiosk's content."""
    rep = harness.exactly_once_report(kiosks, env.hub)
    check(not rep["duplicated"] and rep["hub_rows"] == rep["hub_distinct"], "duplicated at the hub", rep)
    check(not rep["lost"], f"{len(rep['lost'])} responses not at the hub", rep["lost"][:3])
    check(not env.hub.conflicts(), "conflicts at the hub", env.hub.conflicts()[:3])


# ---- scenarios ----------------------------------------------------------------------------------------------
def twice(env):
    env.hub.start()
    e = env.hub.add_kiosk("Library, Main St")
    k = env.kiosk("kiosk", 300)
    env.pair(k, e)
    path, n = env.bundle(k)
    check(n == 300, n)

    first = env.imp(path)
    check(len(first) == 1, first)
    expect(first[0], ok=True, records=300, stored=300, duplicate=0, conflict=0, invalid=0, kiosk_id=k.kiosk_id())
    check(first[0]["hub_kiosk"]["id"] == e.id and first[0]["batch_id"].startswith("bundle-"), first)
    check(env.counts()["records"] == 300, env.counts())
    exactly_once_at_hub(env, [k])
    check(k.states() == {"pending": 300}, "a bundle must not change the kiosk's sync state", k.states())

    again = env.imp(path)
    expect(again[0], ok=True, records=300, stored=0, duplicate=300, conflict=0, invalid=0)
    check(env.counts()["records"] == 300, "import twice stored a second copy", env.counts())
    text = env.imp_text(path)
    check(re.search(r"300 responses: stored 0, already held 300, conflicts 0, invalid 0", text.stdout), text.stdout)
    check(path in text.stdout and "Library, Main St" in text.stdout, text.stdout)

    # More responses later: the next bundle holds all 350 waiting; only the new 50 are stored.
    k.seed(50, seed=2)
    path2, n2 = env.bundle(k)
    check(n2 == 350 and path2 != path, n2, path2)
    both = env.imp(path, path2)
    expect(both[0], ok=True, stored=0, duplicate=300)
    expect(both[1], ok=True, records=350, stored=50, duplicate=300, conflict=0, invalid=0)
    exactly_once_at_hub(env, [k])
    check(env.counts()["records"] == 350, env.counts())

    # Import, then the kiosk syncs over the network: every record comes back as a duplicate, the kiosk ends with
    # everything acknowledged, the hub still holds one copy of each.
    r = k.sync(env.hub.url, e.token)
    check(r.returncode == 0, harness.describe(r, "sync after import"))
    check("stored 0, duplicate 350" in r.stdout, r.stdout)
    check(k.states() == {"acknowledged": 350}, k.states())
    harness.assert_exactly_once([k], env.hub)
    r = run(KIOSK_BIN, "bundle", "--data-dir", k.data_dir, "--to", env.drive)
    check("nothing to write" in r.stdout, r.stdout)
    env.hub.stop()
    env.no_key_leaked()
    print("passed: import twice = one copy; import then sync = one copy")


def sync_first(env):
    env.hub.start()
    e = env.hub.add_kiosk("Community Café")
    k = env.kiosk("kiosk", 200, seed=3)
    env.pair(k, e)
    path, n = env.bundle(k)
    check(n == 200, n)
    r = k.sync(env.hub.url, e.token)
    check(r.returncode == 0, harness.describe(r, "sync"))
    harness.assert_exactly_once([k], env.hub)
    before = env.counts()
    # While the hub is serving (its database in use), the stale bundle arrives: all duplicates, nothing new.
    out = env.imp(path)
    expect(out[0], ok=True, records=200, stored=0, duplicate=200, conflict=0, invalid=0)
    check(env.counts()["records"] == before["records"] and env.counts()["conflicts"] == 0, env.counts())
    harness.assert_exactly_once([k], env.hub)
    env.hub.stop()
    env.no_key_leaked()
    print("passed: sync then import = all duplicates")


def refused(env):
    env.hub.start()
    a = env.hub.add_kiosk("Library, Main St")
    b = env.hub.add_kiosk("Community Café")
    ka = env.kiosk("kiosk-a", 120, seed=4)
    kb = env.kiosk("kiosk-b", 80, seed=5)
    env.pair(ka, a)
    env.pair(kb, b)
    good, _ = env.bundle(ka)
    other, _ = env.bundle(kb)
    # Pin kiosk A with one imported batch, so refusals are measured against a database that holds something.
    seed_bundle = env.imp(other)
    expect(seed_bundle[0], ok=True, stored=80)
    with open(good, "rb") as f:
        data = f.read()
    with open(other, "rb") as f:
        data_b = f.read()
    bad_dir = os.path.join(env.tmp, "bad")
    os.makedirs(bad_dir)

    def write(name, content):
        p = os.path.join(bad_dir, name)
        with open(p, "wb") as f:
            f.write(content)
        return p

    def flip(at):
        d = bytearray(data)
        d[at] ^= 0x01
        return bytes(d)

    line = data.index(b"\n") + 1
    cases = [
        ("tampered-middle.bundle", flip(len(data) // 2), "damaged or was altered"),
        ("tampered-last-byte.bundle", flip(len(data) - 1), "damaged or was altered"),
        ("tampered-first-chunk.bundle", flip(line + 24 + 4 + 3), "damaged or was altered"),
        ("tampered-header-kiosk.bundle", data.replace(a.id.encode(), b.id.encode(), 1), "another key"),
        ("tampered-key-id.bundle", flip(line - 3), None),
        ("truncated-half.bundle", data[:len(data) // 2], "cut short"),
        ("truncated-last-byte.bundle", data[:-1], "cut short"),
        ("truncated-header.bundle", data[:40], "damaged or cut short"),
        ("truncated-before-stream.bundle", data[:line + 10], "cut short"),
        ("extended.bundle", data + b"\0" * 10, "after its end"),
        ("empty.bundle", b"", "empty"),
        ("text.bundle", b"respondent,answer\nalice,yes\n", "not an Engage bundle"),
        ("json.bundle", json.dumps({"protocol": 1, "kiosk_id": ka.kiosk_id(), "records": []}).encode(),
         "not an Engage bundle"),
        ("format-9.bundle", data.replace(b"ENGAGE-BUNDLE 1 ", b"ENGAGE-BUNDLE 9 ", 1), "bundle format 9"),
        ("unknown-kiosk.bundle", data.replace(a.id.encode(), b"ffffffff-ffff-4fff-8fff-ffffffffffff", 1),
         "has not enrolled"),
    ]
    paths = [(write(name, content), why) for name, content, why in cases]
    # A huge file (sparse: no disk used) and a folder.
    huge = os.path.join(bad_dir, "huge.bundle")
    with open(huge, "wb") as f:
        f.truncate(300 * 1024 * 1024)
    paths.append((huge, "more than an Engage bundle can be"))
    paths.append((bad_dir, "not a file"))
    paths.append((os.path.join(bad_dir, "missing.bundle"), "no such file"))
    # Kiosk A's responses sealed with kiosk B's key: authentic for B's enrolment, but B is pinned to another
    # device, so they are refused rather than filed under the wrong kiosk.
    kb_key = os.path.join(env.tmp, "b.key")
    run(HUB_BIN, "kiosk", "key", b.id, "--out", kb_key, "--db", env.db)
    cross, _ = env.bundle(ka, "--key-file", kb_key)
    paths.append((cross, "belongs to the kiosk device"))

    before = env.counts()
    for p, why in paths:
        r = env.imp_text(p, rc=1)
        check(r.stdout == "", "a refused file printed a summary", p, r.stdout)
        check(r.stderr.startswith(f"engage-hub import: {p}: ") and "nothing was imported" in r.stderr,
              "the error must name the file", r.stderr)
        if why:
            check(why in r.stderr, f"{os.path.basename(p)}: expected {why!r} in: {r.stderr}")
        check(env.counts() == before, f"{os.path.basename(p)}: something was stored", env.counts(), before)
        j = env.imp(p, rc=1)
        check(j[0]["ok"] is False and j[0]["error"], j)
    # Several files at once: each on its own; the good one goes in, the bad ones are named; exit 1.
    r = env.imp_text(paths[0][0], good, paths[5][0], rc=1)
    check("stored 120" in r.stdout and r.stderr.count("nothing was imported") == 2, r.stdout, r.stderr)
    check(env.counts()["records"] == before["records"] + 120, env.counts())
    exactly_once_at_hub(env, [ka, kb])

    # A revoked kiosk's bundles are refused too.
    env.hub.revoke(a.id)
    r = env.imp_text(good, rc=1)
    check("revoked" in r.stderr, r.stderr)
    # The hub kept serving through all of it.
    check(env.hub.healthy(), "the hub stopped answering")
    env.hub.stop()
    env.no_key_leaked()
    print(f"passed: {len(paths)} bad bundles refused with nothing stored")


def key_file(env):
    # No hub process at all: the kiosk never connects.
    e = harness.parse_enrolment(run(HUB_BIN, "kiosk", "add", "Village Hall", "--db", env.db, "--json").stdout)
    keyf = os.path.join(env.tmp, "hall.key")
    r = run(HUB_BIN, "kiosk", "key", e.id[:8], "--out", keyf, "--db", env.db)
    env.outputs.append(r.stdout + r.stderr)
    check("engage-kiosk pair --key-file" in r.stdout, r.stdout)
    check(stat.S_IMODE(os.stat(keyf).st_mode) == 0o600, oct(os.stat(keyf).st_mode))
    r = run(HUB_BIN, "kiosk", "key", e.id, "--out", keyf, "--db", env.db, rc=1)
    check("already exists" in r.stderr, r.stderr)
    run(HUB_BIN, "kiosk", "key", "zzzzzzzz", "--out", keyf + "2", "--db", env.db, rc=1)
    check(not os.path.exists(keyf + "2"), "a key file for no kiosk")

    k = env.kiosk("kiosk", 150, seed=6)
    r = run(KIOSK_BIN, "bundle", "--data-dir", k.data_dir, "--to", env.drive, rc=2)
    check("no bundle key" in r.stderr, r.stderr)
    check(os.listdir(env.drive) == [], os.listdir(env.drive))
    r = run(KIOSK_BIN, "pair", "--data-dir", k.data_dir, "--key-file", keyf)
    env.outputs.append(r.stdout + r.stderr)
    check(e.id in r.stdout and "Village Hall" in r.stdout, r.stdout)
    r = run(KIOSK_BIN, "pair", "--data-dir", k.data_dir, "--key-file", os.path.join(env.tmp, "nope.key"), rc=2)
    check("cannot read" in r.stderr, r.stderr)

    r = run(KIOSK_BIN, "bundle", "--data-dir", k.data_dir, "--to", os.path.join(env.tmp, "no-such-drive"), rc=1)
    check("does not exist" in r.stderr, r.stderr)
    if os.geteuid() != 0:
        ro = os.path.join(env.tmp, "read-only")
        os.makedirs(ro)
        os.chmod(ro, 0o500)
        r = run(KIOSK_BIN, "bundle", "--data-dir", k.data_dir, "--to", ro, rc=1)
        check("may not write" in r.stderr, r.stderr)
        os.chmod(ro, 0o700)

    path, n = env.bundle(k)
    check(n == 150, n)
    out = env.imp(path)
    expect(out[0], ok=True, records=150, stored=150, duplicate=0, kiosk_id=k.kiosk_id())
    out = env.imp(path)
    expect(out[0], ok=True, stored=0, duplicate=150)
    st = {s["name"]: s for s in json.loads(run(HUB_BIN, "status", "--db", env.db, "--json").stdout)}
    hall = st["Village Hall"]
    check(hall["kiosk_id"] == k.kiosk_id() and hall["records"] == 150 and hall["gaps"] == [] and
          hall["highest_contiguous_seq"] == 150, hall)
    exactly_once_at_hub(env, [k])
    check(k.states() == {"pending": 150}, k.states())
    # The same kiosk later gets a connection: its token (from kiosk add) syncs; all duplicates.
    env.hub.start()
    r = k.sync(env.hub.url, e.token)
    check(r.returncode == 0 and "stored 0, duplicate 150" in r.stdout, harness.describe(r, "sync"))
    harness.assert_exactly_once([k], env.hub)
    env.hub.stop()
    env.no_key_leaked()
    print("passed: key file for a kiosk that never connects")


def schema_v1(dialect):
    """Migration 1 exactly as released, read from hub/store.cpp (released migrations are never edited): the first
    two raw SQL strings of kMigrations are its SQLite and PostgreSQL forms."""
    with open(os.path.join(HERE, "..", "..", "hub", "store.cpp")) as f:
        src = f.read()
    blocks = re.findall(r'R"sql\((.*?)\)sql"', src[src.index("kMigrations[]"):], re.S)
    return blocks[0] if dialect == "sqlite" else blocks[1]


def migration(env, make_v1):
    """A hub database from before bundle keys (version 1, two kiosks enrolled): the next engage-hub migrates it;
    the old kiosks get their keys lazily (kiosk key, or at their next pairing)."""
    old, older = "6d0c5a1e-0000-4000-8000-000000000001", "6d0c5a1e-0000-4000-8000-000000000002"
    make_v1(f"INSERT INTO kiosks(id, name, created_utc) VALUES ('{old}', 'Old kiosk', '2026-01-01T00:00:00Z'),"
            f" ('{older}', 'Older kiosk', '2026-01-01T00:00:00Z');")
    check(env.version() == 1, "the old database is not at version 1")
    run(HUB_BIN, "kiosk", "list", "--db", env.db)  # opening migrates
    check(env.version() >= 2, "schema version after migration", env.version())
    check(env.rows("SELECT COUNT(*) FROM kiosks WHERE bundle_key IS NULL") == [("2",)], "keys appeared by magic")
    keyf = os.path.join(env.tmp, "old.key")
    run(HUB_BIN, "kiosk", "key", old, "--out", keyf, "--db", env.db)
    check(env.rows(f"SELECT COUNT(*) FROM kiosks WHERE bundle_key IS NOT NULL AND id = '{old}'") == [("1",)])
    k = env.kiosk("kiosk", 30, seed=7)
    run(KIOSK_BIN, "pair", "--data-dir", k.data_dir, "--key-file", keyf)
    path, _ = env.bundle(k)
    expect(env.imp(path)[0], ok=True, stored=30)
    # The other old kiosk pairs over the network: the reply carries a key made just then.
    code = re.search(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}",
                     run(HUB_BIN, "kiosk", "code", older, "--db", env.db).stdout).group(0)
    env.hub.start()
    k2 = env.kiosk("kiosk2", 20, seed=8)
    env.pair(k2, harness.Enrolment(older, "", code, ""))
    path2, _ = env.bundle(k2)
    expect(env.imp(path2)[0], ok=True, stored=20)
    keys = env.rows("SELECT bundle_key FROM kiosks")
    check(len({x for (x,) in keys}) == 2 and all(len(base64.b64decode(x)) == 32 for (x,) in keys), "keys", len(keys))
    exactly_once_at_hub(env, [k, k2])
    env.hub.stop()
    env.no_key_leaked()
    print("passed: migration 1 -> 2 and lazy keys")


# ---- main ---------------------------------------------------------------------------------------------------
def reset_code(env):
    import sqlite3

    def setting(k, key):
        con = sqlite3.connect(os.path.join(k.data_dir, "engage.sqlite"))
        try:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None
        finally:
            con.close()

    def set_pin(k):
        con = sqlite3.connect(os.path.join(k.data_dir, "engage.sqlite"))
        con.execute("INSERT INTO settings(key, value) VALUES ('pin_hash', '$argon2id$stand-in') "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        con.commit()
        con.close()

    def code_of(kiosk_id, rc=0):
        r = run(HUB_BIN, "kiosk", "reset-code", kiosk_id, "--db", env.db, rc=rc)
        env.outputs.append(r.stdout + r.stderr)
        if rc:
            return r
        m = re.search(r"PIN reset code for .*: (\d{4}-\d{4})", r.stdout)
        check(m, r.stdout)
        return m.group(1)

    hall = harness.parse_enrolment(run(HUB_BIN, "kiosk", "add", "Village Hall", "--db", env.db, "--json").stdout)
    cafe = harness.parse_enrolment(run(HUB_BIN, "kiosk", "add", "Cafe", "--db", env.db, "--json").stdout)
    a, b = env.kiosk("a", 1), env.kiosk("b", 1)
    for k, e, name in ((a, hall, "hall.key"), (b, cafe, "cafe.key")):
        keyf = os.path.join(env.tmp, name)
        run(HUB_BIN, "kiosk", "key", e.id, "--out", keyf, "--db", env.db)
        run(KIOSK_BIN, "pair", "--data-dir", k.data_dir, "--key-file", keyf)

    # On the device's own command line: cleared and logged.
    set_pin(a)
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir)
    check("asks for a new PIN" in r.stdout, r.stdout)
    check(setting(a, "pin_hash") is None, "the PIN is still set")
    log = open(os.path.join(a.data_dir, "engage-kiosk.log"), errors="replace").read()
    check("Facilitator PIN cleared on the kiosk's command line" in log, log[-2000:])
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", os.path.join(env.tmp, "no-kiosk-here"), rc=2)
    check("no kiosk database" in r.stderr, r.stderr)

    # A one-time code: works once, on its own kiosk only.
    set_pin(a)
    set_pin(b)
    code = code_of(hall.id[:8])
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", b.data_dir, "--code", code, rc=1)
    check("not right" in r.stderr and setting(b, "pin_hash"), r.stderr)
    run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir, "--code", code)
    check(setting(a, "pin_hash") is None and setting(a, "pin_reset_counter") == "1", "the code did not reset")
    set_pin(a)
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir, "--code", code, rc=1)
    check("not right" in r.stderr and setting(a, "pin_hash"), "a replayed code worked", r.stderr)
    # Codes the organiser made but never gave: the kiosk still takes a later one (look-ahead), then not the older.
    skipped = [code_of(hall.id) for _ in range(3)]
    run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir, "--code", skipped[-1])
    set_pin(a)
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir, "--code", skipped[0], rc=1)
    check(setting(a, "pin_hash"), "an older code worked after a newer one")
    # Garbage, and a kiosk with no key.
    for bad in ("", "12", "abcd-efgh", "1" * 5000, "１２３４５６７８"):
        r = run(KIOSK_BIN, "reset-pin", "--data-dir", a.data_dir, "--code", bad, rc=None)
        check(r.returncode in (1, 2) and setting(a, "pin_hash"), bad[:20], r.returncode, r.stderr)
    c = env.kiosk("c", 1)
    set_pin(c)
    r = run(KIOSK_BIN, "reset-pin", "--data-dir", c.data_dir, "--code", code_of(cafe.id), rc=1)
    check("no key from the hub" in r.stderr and setting(c, "pin_hash"), r.stderr)
    # The hub: no such kiosk; a kiosk without a key yet (enrolled before keys) gets none made here.
    r = code_of("zzzzzzzz", rc=1)
    check(r.stderr.startswith("engage-hub kiosk reset-code: ") and "\n" == r.stderr[-1], r.stderr)
    r = run(HUB_BIN, "kiosk", "reset-code", "--help")
    check("Usage:" in r.stdout and "--db" in r.stdout, r.stdout)
    run(HUB_BIN, "kiosk", "revoke", cafe.id, "--db", env.db)
    r = code_of(cafe.id, rc=1)
    check("revoked" in r.stderr, r.stderr)
    counters = dict(env.rows("SELECT name, pin_reset_counter FROM kiosks"))
    check(counters == {"Village Hall": "4", "Cafe": "1"}, counters)
    env.no_key_leaked()
    print("passed: PIN reset on the command line and with one-time codes")


def main():
    tmp = tempfile.mkdtemp(prefix="engage-bundle-")
    ok = False
    env = None
    try:
        if BACKEND == "postgres":
            import pg_server
            with pg_server.PgServer() as pg:
                name = "bundle_" + SCENARIO
                env = Env(tmp, pg.create_database(name))
                env.version = lambda: int(env.rows("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0])

                def make_v1(extra_sql):
                    pg.psql(name, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                                  " INSERT INTO schema_version(version) VALUES (1);" + schema_v1("postgres") + extra_sql)
                dispatch(env, make_v1)
                env.hub.stop()
        else:
            db = os.path.join(tmp, "hub.sqlite")
            env = Env(tmp, db)
            env.version = lambda: int(env.rows("PRAGMA user_version")[0][0])

            def make_v1(extra_sql):
                con = __import__("sqlite3").connect(db)
                con.executescript(schema_v1("sqlite") + extra_sql + "PRAGMA user_version = 1;")
                con.close()
            dispatch(env, make_v1)
        ok = True
    finally:
        if env:
            env.hub.stop()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")


def dispatch(env, make_v1):
    if SCENARIO == "migration":
        migration(env, make_v1)
    else:
        {"twice": twice, "sync_first": sync_first, "refused": refused, "key_file": key_file,
         "reset_code": reset_code}[SCENARIO](env)


if __name__ == "__main__":
    try:
        hubtest.run(main)
    except harness.HarnessError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
