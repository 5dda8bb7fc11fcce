#!/usr/bin/env python3
"""engage-kiosk seed: 2000 synthetic responses land in the database; bad input exits 2 and writes nothing."""
import os
import sqlite3
import subprocess
import sys
import tempfile

BIN = sys.argv[1]


def run(*args):
    return subprocess.run([BIN, "seed", *args], capture_output=True, text=True, timeout=120)


def main():
    r = run("--help")
    assert r.returncode == 0 and "--count" in r.stdout and "--seed" in r.stdout, r.stdout
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("engage-kiosk "), r.stdout

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        r = run("--data-dir", data, "--count", "2000", "--seed", "7")
        assert r.returncode == 0, (r.returncode, r.stderr)
        db = os.path.join(data, "engage.sqlite")
        assert f"seeded 2000 responses into {db}" in r.stdout, r.stdout
        con = sqlite3.connect(db)
        count, low, high = con.execute("SELECT COUNT(*), MIN(seq), MAX(seq) FROM responses").fetchone()
        bad = con.execute("SELECT COUNT(*) FROM responses WHERE json_valid(answers_json) = 0"
                          " OR json_extract(answers_json, '$.today') IS NULL").fetchone()[0]
        con.close()
        assert (count, low, high) == (2000, 1, 2000), (count, low, high)
        assert bad == 0, f"{bad} rows without a valid answer to the required first question"

        for count in ("0", "-3", "lots", "10000001"):
            fresh = os.path.join(tmp, "fresh-" + count)
            r = run("--data-dir", fresh, "--count", count)
            assert r.returncode == 2, (count, r.returncode, r.stderr)
            assert "--count" in r.stderr and "1 to 10000000" in r.stderr, r.stderr
            assert not os.path.exists(fresh), f"{fresh} was created for --count {count}"
        fresh = os.path.join(tmp, "fresh-survey")
        r = run("--data-dir", fresh, "--count", "5", "--survey", os.path.join(tmp, "missing.json"))
        assert r.returncode == 2 and "missing.json" in r.stderr, r.stderr
        assert not os.path.exists(fresh)
        blocker = os.path.join(tmp, "a-file")
        open(blocker, "w").close()
        r = run("--data-dir", blocker, "--count", "5")
        assert r.returncode == 2 and "a-file" in r.stderr, r.stderr
    print("passed seed cli")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
