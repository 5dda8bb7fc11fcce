#!/usr/bin/env python3
"""engage-hub's command line: --help and --version everywhere, clear errors and exit codes for bad input,
a database that is not one, a schema from the future, and ENGAGE_HUB_DB."""
import json
import os
import socket
import subprocess
import sys
import tempfile

import hubtest
from hubtest import check, cli

COMMANDS = [[], ["serve"], ["kiosk"], ["kiosk", "add"], ["kiosk", "list"], ["kiosk", "revoke"], ["kiosk", "code"],
            ["kiosk", "key"], ["kiosk", "reset-code"], ["import"], ["status"], ["export"], ["user"], ["user", "add"], ["user", "list"],
            ["user", "remove"]]


def main():
    binary = sys.argv[1]
    for cmd in COMMANDS:
        r = cli(binary, *cmd, "--help")
        check(r.stdout.startswith(("engage-hub", "Enrol", "Receive", "List", "Revoke", "A new", "Per kiosk", "Write", "A one-time",
                                   "Import", "Export", "Organisers", "Add", "Remove")) and
              "Usage:" in r.stdout, cmd, r.stdout)
        r = cli(binary, *cmd, "--version")
        check(r.stdout.strip() == r.stdout.strip().split("\n")[0] and r.stdout.startswith("engage-hub 0."), cmd, r.stdout)
    r = cli(binary, "--help")
    for word in ("serve", "kiosk", "status"):
        check(word in r.stdout, word, r.stdout)
    r = cli(binary, "serve", "--help")
    for opt in ("--db", "--listen", "--tls-cert", "--tls-key", "--max-body-mib", "--threads", "--log"):
        check(opt in r.stdout, opt, r.stdout)

    with tempfile.TemporaryDirectory(prefix="engage-hub-cli-") as tmp:
        db = os.path.join(tmp, "hub.sqlite")
        # No command, unknown command, missing --db: usage errors, not crashes.
        check(cli(binary, check_rc=None).returncode != 0, "no command must fail")
        check(cli(binary, "launch", check_rc=None).returncode != 0, "unknown command must fail")
        r = cli(binary, "status", check_rc=None)
        check(r.returncode != 0 and "--db" in r.stderr, r.stderr)
        # Reading commands do not create a database by accident.
        r = cli(binary, "status", "--db", db, check_rc=1)
        check("no hub database at" in r.stderr and not os.path.exists(db), r.stderr)
        cli(binary, "kiosk", "list", "--db", db, check_rc=1)
        # Names.
        r = cli(binary, "kiosk", "add", "", "--db", db, check_rc=2)
        check("name" in r.stderr, r.stderr)
        r = cli(binary, "kiosk", "add", "two\nlines", "--db", db, check_rc=2)
        check("control characters" in r.stderr, r.stderr)
        # Human output of kiosk add: id, token, code; the token only once.
        r = cli(binary, "kiosk", "add", "Library, Main St", "--db", db)
        for label in ("hub kiosk id:", "token:", "pairing code:", "shown only this once"):
            check(label in r.stdout, label, r.stdout)
        check("token" not in cli(binary, "kiosk", "list", "--db", db).stdout.lower(), "kiosk list shows a token")
        # ENGAGE_HUB_DB instead of --db.
        r = subprocess.run([binary, "kiosk", "list", "--json"], capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, ENGAGE_HUB_DB=db))
        check(r.returncode == 0 and json.loads(r.stdout)[0]["name"] == "Library, Main St", r.stdout, r.stderr)
        r = cli(binary, "status", "--db", db)
        check("Library, Main St" in r.stdout and "not paired yet" in r.stdout, r.stdout)
        check(json.loads(cli(binary, "status", "--db", db, "--json").stdout)[0]["records"] == 0)

        # serve: bad options are refused with the reason.
        for args, words in ((["--listen", "nowhere"], "--listen"), (["--listen", "127.0.0.1:99999"], "--listen"),
                            (["--threads", "0"], "--threads"), (["--max-body-mib", "0"], "--max-body-mib"),
                            (["--tls-cert", db], "--tls-key"), (["--tls-cert", "/nonexistent.pem", "--tls-key", db], "tls-cert")):
            r = cli(binary, "serve", "--db", db, *args, check_rc=None)
            check(r.returncode != 0 and words in r.stderr, args, r.returncode, r.stderr)
        with socket.socket() as s:  # a port in use
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            r = cli(binary, "serve", "--db", db, "--listen", f"127.0.0.1:{s.getsockname()[1]}", check_rc=1)
            check("cannot listen" in r.stderr, r.stderr)

        # Assets without the dashboard's page templates: serve refuses to start, naming the file.
        bare = os.path.join(tmp, "bare-assets")
        os.makedirs(os.path.join(bare, "surveys"))
        r = subprocess.run([binary, "serve", "--db", db, "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, ENGAGE_ASSETS=bare))
        check(r.returncode == 2 and "layout.mustache" in r.stderr and "missing" in r.stderr, r.returncode, r.stderr)

        # Not a database; a database from a newer engage-hub: refused, left alone.
        junk = os.path.join(tmp, "junk.sqlite")
        with open(junk, "wb") as f:
            f.write(b"this is not a database" * 100)
        r = cli(binary, "serve", "--db", junk, "--listen", "127.0.0.1:0", check_rc=1)
        check("junk.sqlite" in r.stderr, r.stderr)
        with open(junk, "rb") as f:
            check(f.read().startswith(b"this is not a database"), "junk file changed")
        newer = hubtest.SqliteDb(db)
        newer.execute("PRAGMA user_version = 99")
        r = cli(binary, "serve", "--db", db, "--listen", "127.0.0.1:0", check_rc=1)
        check("schema version 99" in r.stderr and "newer" in r.stderr, r.stderr)
        # A PostgreSQL URL that cannot be reached: a clear message, password not shown.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = cli(binary, "status", "--db", f"postgresql://hub:s3cret@127.0.0.1:{port}/hub", check_rc=1)
        check("cannot connect" in r.stderr and "s3cret" not in r.stderr and "***" in r.stderr, r.stderr)
    print("passed cli")


if __name__ == "__main__":
    hubtest.run(main)
