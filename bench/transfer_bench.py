#!/usr/bin/env python3
"""USB transfer and export benchmark (stdlib only; not part of ctest):

  transfer_bench.py BUILD [--responses 100000]

seed N responses on a kiosk -> `engage-kiosk bundle` (seal every unsent one) -> `engage-hub import` (store each
once) -> import the same bundle again (all duplicates) -> `engage-hub export` CSV and JSON. Prints seconds and
responses per second for each step, and the bundle's size; "summary:" lines feed bench/run_all.sh's table.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def summary(label, value):
    print(f"summary: {label}\t{value}", flush=True)


def timed(label, n, *cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{label}: {' '.join(cmd)} exited {r.returncode}\n{r.stderr[-2000:]}")
    print(f"  {label:34} {dt:7.2f} s   {n / dt:10,.0f} responses/s", flush=True)
    summary(f"transfer: {label} ({n} responses)", f"{n / dt:,.0f} responses/s")
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build")
    p.add_argument("--responses", type=int, default=100000)
    a = p.parse_args()
    kiosk = os.path.join(os.path.abspath(a.build), "app", "engage-kiosk")
    hub = os.path.join(os.path.abspath(a.build), "hub", "engage-hub")
    for b in (kiosk, hub):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"{b} not found: build first (cmake --build {a.build})")
    n = a.responses
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        db, data, stick = os.path.join(tmp, "hub.sqlite"), os.path.join(tmp, "kiosk"), os.path.join(tmp, "stick")
        os.makedirs(stick)
        enrol = json.loads(subprocess.run([hub, "kiosk", "add", "Bench", "--db", db, "--json"], check=True,
                                          capture_output=True, text=True).stdout)
        key = os.path.join(tmp, "kiosk.key")
        subprocess.run([hub, "kiosk", "key", enrol["id"], "--out", key, "--db", db], check=True, capture_output=True)
        timed("seed (kiosk, one transaction/5000)", n, kiosk, "seed", "--data-dir", data, "--count", str(n))
        subprocess.run([kiosk, "pair", "--key-file", key, "--data-dir", data], check=True, capture_output=True)
        timed("bundle (seal every unsent one)", n, kiosk, "bundle", "--data-dir", data, "--to", stick)
        (bundle,) = [os.path.join(stick, f) for f in os.listdir(stick)]
        size = os.path.getsize(bundle)
        print(f"  bundle size {size / 1048576:.1f} MiB ({size / n:.0f} bytes per response)")
        summary(f"transfer: bundle size ({n} responses)", f"{size / 1048576:.1f} MiB")
        timed("hub import (all new)", n, hub, "import", bundle, "--db", db)
        timed("hub import again (all duplicates)", n, hub, "import", bundle, "--db", db)
        timed("hub export CSV", n, hub, "export", "--db", db, "--format", "csv", "--out", os.path.join(tmp, "all.csv"))
        timed("hub export JSON", n, hub, "export", "--db", db, "--format", "json", "--out", os.path.join(tmp, "all.json"))


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
