"""engage-hub backup / restore (hub/backup.cpp) on real SQLite hub databases and the real hub process:
a backup taken while the hub keeps storing batches is a consistent, self-contained copy; restore puts it back
(new file, or --replace with the old one saved), upgrades an older one, and the restored hub serves the same
kiosks. Hostile input: missing files, not a database, not a hub, a newer schema, a damaged backup, an existing or
unwritable output path, a PostgreSQL URL. Nothing is half-written and nothing that was there is lost.

usage: test_hub_backup.py ENGAGE_HUB"""
import glob
import os
import sqlite3
import stat
import sys
import tempfile
import threading

import hubtest
from hubtest import check, cli


def uuids(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in con.execute("SELECT uuid FROM records")}
    finally:
        con.close()


def tally(reply, status):
    check(reply is not None and "results" in reply, "not a batch reply:", reply)
    return sum(1 for r in reply["results"] if r["status"] == status)


def pragma(path, name):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


def refused(binary, args, *words):
    r = cli(binary, *args, check_rc=1)
    for w in words:
        check(w in r.stderr, f"engage-hub {' '.join(args)}: expected {w!r} in: {r.stderr}")
    check("Backed up" not in r.stdout and "Restored" not in r.stdout, r.stdout)
    return r


def no_partial_files(folder):
    left = glob.glob(os.path.join(folder, "*.partial-*"))
    check(not left, "partial files left behind:", left)


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="engage-backup-") as tmp:
        db = os.path.join(tmp, "hub.sqlite")
        k1 = hubtest.add_kiosk(binary, db, "Library, Main St")
        k2 = hubtest.add_kiosk(binary, db, "Community cafe")
        dev1, dev2 = hubtest.new_kiosk_id(), hubtest.new_kiosk_id()

        # ---- a backup while the hub is serving and storing batches
        with hubtest.Hub(binary, db, tmp) as hub:
            first = [hubtest.record(s) for s in range(1, 101)]
            for part in (first[:50], first[50:]):
                status, reply, text = hub.send_batch(k1["token"], hubtest.batch(dev1, part))
                check(status == 200 and tally(reply, "stored") == 50, status, text)
            stop = threading.Event()
            sent = []

            def keep_sending():
                seq = 1
                while not stop.is_set():
                    st, rep, txt = hub.send_batch(k2["token"], hubtest.batch(dev2, [hubtest.record(s) for s in range(seq, seq + 20)]))
                    check(st == 200, st, txt)
                    sent.append(seq)
                    seq += 20

            t = threading.Thread(target=keep_sending)
            t.start()
            try:
                while len(sent) < 3:  # batches are arriving while the backups run
                    t.join(0.05)
                    check(t.is_alive(), "the sender stopped early")
                outs = []
                for i in range(3):
                    out = os.path.join(tmp, f"during-{i}.bak")
                    r = cli(binary, "backup", "--db", db, "--out", out)
                    check("Backed up" in r.stdout and "kiosk(s)" in r.stdout, r.stdout)
                    outs.append(out)
            finally:
                stop.set()
                t.join()
            hub.healthz()
        live = uuids(db)
        check(len(live) >= 100 + 3 * 20, "records stored while backing up:", len(live))
        for out in outs:
            check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, out, oct(os.stat(out).st_mode))
            check(not os.path.exists(out + "-wal"), "a -wal file beside", out)
            check(pragma(out, "journal_mode") == "delete", "journal mode of", out)
            check(pragma(out, "integrity_check") == "ok", "integrity of", out)
            copied = uuids(out)
            check(copied <= live and len(copied) >= 100, f"{out}: {len(copied)} records, not a subset of the hub's")
            # A consistent snapshot: kiosk 2's records are whole batches of 20, never part of one.
            con = sqlite3.connect(out)
            n2 = con.execute("SELECT COUNT(*) FROM records r JOIN kiosks k ON k.id = r.kiosk_id WHERE k.name = ?",
                             ("Community cafe",)).fetchone()[0]
            con.close()
            check(n2 % 20 == 0, f"{out}: kiosk 2 has {n2} records, not whole batches")
        no_partial_files(tmp)
        backup = os.path.join(tmp, "hub.bak")
        cli(binary, "backup", "--db", db, "--out", backup)
        check(uuids(backup) == live, "a backup of the idle hub holds every record")

        # ---- restore to a new file: the same kiosks and records; the hub serves them and takes new batches
        restored = os.path.join(tmp, "restored.sqlite")
        r = cli(binary, "restore", backup, "--db", restored)
        check("Restored" in r.stdout and f"{len(live)} response(s)" in r.stdout, r.stdout)
        check(uuids(restored) == live, "restored records")
        before = hubtest.status(binary, db)
        after = hubtest.status(binary, restored)
        check({k: v["records"] for k, v in before.items()} == {k: v["records"] for k, v in after.items()}, before, after)
        with hubtest.Hub(binary, restored, tmp, name="restored-hub") as hub:
            hub.healthz()
            status, reply, text = hub.send_batch(k1["token"], hubtest.batch(dev1, first))
            check(status == 200 and tally(reply, "stored") == 0 and tally(reply, "duplicate") == 100, "resent after restore:", text)
            status, reply, text = hub.send_batch(k1["token"], hubtest.batch(dev1, [hubtest.record(101)]))
            check(status == 200 and tally(reply, "stored") == 1, text)

        # ---- restore over an existing hub: refused without --replace, the old one kept with it
        r = refused(binary, ["restore", backup, "--db", restored], "already holds a hub", "--replace")
        check(len(uuids(restored)) == len(live) + 1, "refused restore changed the hub")
        r = cli(binary, "restore", backup, "--db", restored, "--replace")
        saved = glob.glob(restored + ".before-restore-*")
        check(len(saved) == 1 and saved[0] in r.stdout, r.stdout, saved)
        check(uuids(restored) == live, "--replace: the backup's records")
        check(len(uuids(saved[0])) == len(live) + 1, "the replaced hub was saved whole")
        # ... and also while a hub serves it (the online backup API writes into the live database)
        with hubtest.Hub(binary, restored, tmp, name="live-restore") as hub:
            cli(binary, "restore", saved[0], "--db", restored, "--replace")
            hub.healthz()
            check(len(uuids(restored)) == len(live) + 1, "restored into the serving hub")
            status, reply, text = hub.send_batch(k1["token"], hubtest.batch(dev1, [hubtest.record(102)]))
            check(status == 200 and tally(reply, "stored") == 1, text)

        # ---- an older backup is upgraded on restore (schema 2 = before the dashboard tables (3) and the PIN reset
        # counter (4), review decisions per kiosk (5) and the dashboard's summaries (6)), to this engage-hub's schema,
        # the one its own backup has. A later migration that adds to a table kept here must be undone here too.
        old = os.path.join(tmp, "old.bak")
        cli(binary, "backup", "--db", db, "--out", old)
        current = pragma(old, "user_version")
        check(current >= 4, f"hub schema {current}")
        con = sqlite3.connect(old)
        con.executescript("DROP TABLE dash_groups; DROP TABLE dash_sessions; DROP TABLE dash_answers;"
                          "DROP TABLE dash_texts;"
                          "DROP TABLE web_sessions; DROP TABLE text_reviews; DROP TABLE users; DROP TABLE surveys;"
                          "DROP TABLE kiosk_reports; DROP TABLE publications; DROP TABLE dash_queue; DROP TABLE hub_keys;"
                          "ALTER TABLE kiosks DROP COLUMN pin_reset_counter; PRAGMA user_version = 2;")
        con.close()
        upgraded = os.path.join(tmp, "upgraded.sqlite")
        r = cli(binary, "restore", old, "--db", upgraded)
        check(f"schema version 2, upgraded to {current}" in r.stdout, r.stdout)
        check(pragma(upgraded, "user_version") == current, "upgraded schema")
        cli(binary, "user", "list", "--db", upgraded)  # the dashboard tables exist again
        con = sqlite3.connect(f"file:{upgraded}?mode=ro", uri=True)
        columns = [row[1] for row in con.execute("PRAGMA table_info(kiosks)")]
        con.close()
        check("pin_reset_counter" in columns, "the PIN reset counter after the upgrade:", columns)
        # Schema 6 filled the dashboard's summaries from the records the old backup held.
        con = sqlite3.connect(f"file:{upgraded}?mode=ro", uri=True)
        held = con.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        summed = con.execute("SELECT COALESCE(SUM(responses), 0) FROM dash_groups").fetchone()[0]
        con.close()
        check(held > 0 and summed == held, "the dashboard's summaries after the upgrade:", held, summed)

        # ---- hostile input
        missing = os.path.join(tmp, "missing.sqlite")
        refused(binary, ["backup", "--db", missing, "--out", os.path.join(tmp, "x.bak")], "missing.sqlite",
                "No such file")
        check(not os.path.exists(missing) and not os.path.exists(os.path.join(tmp, "x.bak")), "missing db created")
        refused(binary, ["restore", missing, "--db", os.path.join(tmp, "y.sqlite")], "missing.sqlite", "No such file")
        refused(binary, ["backup", "--db", tmp, "--out", os.path.join(tmp, "x.bak")], "not a regular file")
        junk = os.path.join(tmp, "junk.bak")
        with open(junk, "wb") as f:
            f.write(b"this is not a database\n" * 200)
        refused(binary, ["restore", junk, "--db", os.path.join(tmp, "y.sqlite")], "junk.bak", "not a SQLite database")
        refused(binary, ["backup", "--db", junk, "--out", os.path.join(tmp, "x.bak")], "not a SQLite database")
        other = os.path.join(tmp, "other.sqlite")
        con = sqlite3.connect(other)
        con.execute("CREATE TABLE notes(t TEXT)")
        con.commit()
        con.close()
        refused(binary, ["restore", other, "--db", os.path.join(tmp, "y.sqlite")], "not an engage-hub database")
        # restore onto something that is not a hub, even with --replace: left alone
        refused(binary, ["restore", backup, "--db", junk, "--replace"], "is not a hub database", "nothing changed")
        with open(junk, "rb") as f:
            check(f.read().startswith(b"this is not a database"), "junk target changed")
        check(not os.path.exists(os.path.join(tmp, "y.sqlite")), "refused restores created the target")
        # a backup from a newer engage-hub
        newer = os.path.join(tmp, "newer.bak")
        cli(binary, "backup", "--db", db, "--out", newer)
        con = sqlite3.connect(newer)
        con.execute("PRAGMA user_version = 99")
        con.close()
        refused(binary, ["restore", newer, "--db", os.path.join(tmp, "y.sqlite")], "schema version 99", "newer")
        before_replace = uuids(restored)
        refused(binary, ["restore", newer, "--db", restored, "--replace"], "schema version 99", "newer")
        check(uuids(restored) == before_replace, "a refused --replace changed the hub")
        refused(binary, ["backup", "--db", newer, "--out", os.path.join(tmp, "x.bak")], "schema version 99")
        # a damaged backup: pages overwritten in the middle
        damaged = os.path.join(tmp, "damaged.bak")
        cli(binary, "backup", "--db", db, "--out", damaged)
        size = os.path.getsize(damaged)
        with open(damaged, "r+b") as f:
            f.seek(size // 2)
            f.write(b"\xff" * 8192)
        r = cli(binary, "restore", damaged, "--db", os.path.join(tmp, "y.sqlite"), check_rc=1)
        check("damaged" in r.stderr or "malformed" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(tmp, "y.sqlite")), "a damaged backup was restored")
        # output paths: an existing file is never replaced; a folder that cannot exist; an empty name
        with open(os.path.join(tmp, "keep.bak"), "wb") as f:
            f.write(b"keep me")
        refused(binary, ["backup", "--db", db, "--out", os.path.join(tmp, "keep.bak")], "already exists")
        with open(os.path.join(tmp, "keep.bak"), "rb") as f:
            check(f.read() == b"keep me", "an existing file was replaced")
        refused(binary, ["backup", "--db", db, "--out", os.path.join(tmp, "keep.bak", "x.bak")], "cannot write",
                "Not a directory")
        refused(binary, ["backup", "--db", db, "--out", "/proc/engage-hub.bak"], "cannot write")
        refused(binary, ["backup", "--db", db, "--out", ""], "--out")
        # PostgreSQL: the message says pg_dump / pg_restore, and hides the password
        url = "postgresql://hub:s3cret@127.0.0.1:1/hub"
        r = refused(binary, ["backup", "--db", url, "--out", os.path.join(tmp, "x.bak")], "pg_dump")
        check("s3cret" not in r.stderr, r.stderr)
        r = refused(binary, ["restore", backup, "--db", url], "pg_restore")
        check("s3cret" not in r.stderr, r.stderr)
        # usage errors are exit 2, --help names both commands
        check(cli(binary, "backup", "--db", db, check_rc=2).returncode == 2, "backup without --out")
        check("--out" in cli(binary, "backup", "--help").stdout, "backup --help")
        check("--replace" in cli(binary, "restore", "--help").stdout, "restore --help")
        no_partial_files(tmp)
        check(uuids(db) == live, "the live hub's records are all still there")
    print("passed backup")


if __name__ == "__main__":
    main()
