#!/usr/bin/python3
"""engage-hub survey add: a generated 200-question XLSForm against the same survey as Engage JSON.
Usage: /usr/bin/python3 bench/xlsform_bench.py BUILD [--runs 7] [--questions 200]
(Debian's python3: the workbook is made with python3-openpyxl.) Each run adds to a fresh SQLite hub file;
prints the median wall time of each (the whole process: start, read, check, store) and their ratio."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "hub"))
import xlsx_fixtures as fx  # noqa: E402


def timed_add(hub, path, tmp, i):
    db = os.path.join(tmp, f"hub-{os.path.basename(path)}-{i}.sqlite")
    subprocess.run([hub, "kiosk", "add", "Bench", "--db", db], check=True, capture_output=True)  # the schema, untimed
    t = time.perf_counter()
    r = subprocess.run([hub, "survey", "add", path, "--db", db], capture_output=True, text=True)
    took = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"survey add {path} failed: {r.stderr}")
    return took, db


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--questions", type=int, default=200)
    a = ap.parse_args()
    hub = os.path.join(a.build, "hub", "engage-hub")
    with tempfile.TemporaryDirectory(prefix="engage-xlsform-bench-") as tmp:
        xlsx = os.path.join(tmp, "bench-form.xlsx")
        with open(xlsx, "wb") as f:
            f.write(fx.questions_form(a.questions))
        _, db = timed_add(hub, xlsx, tmp, "warm")
        as_json = os.path.join(tmp, "bench-form.json")
        with open(as_json, "w") as f:
            f.write(subprocess.run([hub, "survey", "show", "bench-form", "--db", db], check=True, capture_output=True,
                                   text=True).stdout)
        times = {"xlsx": [], "json": []}
        for i in range(a.runs):
            for kind, path in (("xlsx", xlsx), ("json", as_json)):
                times[kind].append(timed_add(hub, path, tmp, i)[0])
        x, j = statistics.median(times["xlsx"]), statistics.median(times["json"])
        print(f"survey add, {a.questions}-question XLSForm ({os.path.getsize(xlsx)} bytes): median {x * 1000:.1f} ms "
              f"(min {min(times['xlsx']) * 1000:.1f}) over {a.runs} runs")
        print(f"survey add, the same survey as Engage JSON ({os.path.getsize(as_json)} bytes): median {j * 1000:.1f} ms "
              f"(min {min(times['json']) * 1000:.1f})")
        print(f"ratio XLSForm / JSON: {x / j:.2f}")
        print(f"summary: survey add, {a.questions}-question XLSForm (x JSON)\t{x * 1000:.0f} ms ({x / j:.2f}x)")


if __name__ == "__main__":
    main()
