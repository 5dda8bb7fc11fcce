#!/usr/bin/env python3
"""Kiosk benchmarks under a private Xvfb (stdlib only; see bench/README.md).

  kiosk_bench.py BUILD idle-cpu [--seconds 30]          CPU on the attract screen, on-change vs --always-redraw
  kiosk_bench.py BUILD first-frame [--runs 5] [--responses 100000]   exec to first frame, empty vs seeded database
  kiosk_bench.py BUILD peak-rss [--idle 5] [--responses 100000]      max RSS (GNU time -v) of an idle kiosk and a first frame
  kiosk_bench.py BUILD access [--rounds 3]              tap to the next frame when a person changes language or text
                                                        size (the font atlas is rebuilt), with the atlas sizes
  kiosk_bench.py BUILD answers [--rounds 10]            tap on an answer to the frame showing it chosen, and to the
                                                        next question when a single answer moves on by itself
  kiosk_bench.py BUILD scripts [--runs 5] [--rounds 3]  shaped scripts (issue 13): exec to first frame with the survey
                                                        in en, ur, ar, pa and bn, and a tap on a language to its next
                                                        frame, with each atlas's size and build time, against en

Every figure also goes out as a "summary: LABEL<TAB>VALUE" line, which run_all.sh gathers into its table.
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ui"))
from kiosk_driver import Kiosk, Xvfb  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def summary(label, value):
    print(f"summary: {label}\t{value}", flush=True)


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)"
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of proc(5)


def seed(kiosk, data_dir, count):
    t = time.perf_counter()
    subprocess.run([kiosk, "seed", "--data-dir", data_dir, "--count", str(count)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"  (seeded {count} responses in {time.perf_counter() - t:.1f} s)", flush=True)


def idle_cpu(kiosk, args):
    xvfb = Xvfb()
    results = {}
    try:
        # "watchdog": as engage-kiosk.service runs it (WatchdogSec=30: a wake-up every 10 s to ping systemd, here
        # a socket this bench holds), to show the pings cost nothing measurable.
        for name, extra in (("on change", []), ("watchdog", []), ("--always-redraw", ["--always-redraw"])):
            with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
                notify = None
                saved = dict(os.environ)
                if name == "watchdog":
                    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    notify.bind(os.path.join(tmp, "notify"))
                    os.environ.update({"NOTIFY_SOCKET": os.path.join(tmp, "notify"), "WATCHDOG_USEC": "30000000"})
                try:
                    k = Kiosk(kiosk, xvfb, os.path.join(tmp, "data"), args=extra)
                finally:
                    os.environ.clear()
                    os.environ.update(saved)
                try:
                    k.wait_screen("attract", timeout=30)
                    time.sleep(0.5)  # the frames drawn right after start are not idle
                    c0, x0, t0 = cpu_seconds(k.proc.pid), cpu_seconds(xvfb.proc.pid), time.monotonic()
                    time.sleep(args.seconds)
                    c1, x1, t1 = cpu_seconds(k.proc.pid), cpu_seconds(xvfb.proc.pid), time.monotonic()
                finally:
                    k.stop()
                    if notify:
                        notify.close()
            pct, xpct = 100 * (c1 - c0) / (t1 - t0), 100 * (x1 - x0) / (t1 - t0)
            results[name] = (c1 - c0, pct)
            print(f"attract screen, {name:<16} kiosk {c1 - c0:6.2f} s CPU in {t1 - t0:.1f} s = {pct:6.2f} % of one core"
                  f"   (Xvfb meanwhile: {xpct:.2f} %)", flush=True)
    finally:
        xvfb.close()
    (idle_s, idle_pct), (busy_s, busy_pct) = results["on change"], results["--always-redraw"]
    if idle_s > 0:
        ratio = f"{busy_pct / idle_pct:.0f}x"
    else:  # not one clock tick used while idle: the ratio is at least busy / one tick
        ratio = f">= {busy_s * TICK:.0f}x (idle under 1 clock tick, {1000 / TICK:.0f} ms)"
    print(f"--always-redraw / on change: {ratio}")
    summary(f"idle CPU on attract, {args.seconds:g} s (% of one core)", f"{idle_pct:.2f} %")
    summary("idle CPU with --always-redraw (% of one core)", f"{busy_pct:.2f} %")
    summary("idle CPU with the systemd watchdog, WatchdogSec=30 (% of one core)", f"{results['watchdog'][1]:.2f} %")
    summary("always-redraw / on-change CPU ratio", ratio)


def first_frame(kiosk, args):
    xvfb = Xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            empty, full = os.path.join(tmp, "empty"), os.path.join(tmp, "full")
            seed(kiosk, full, args.responses)
            for label, data in (("empty database", empty), (f"{args.responses} responses", full)):
                cmd = [kiosk, "--windowed", "--data-dir", data, "--exit-after-first-frame"]
                ms = []
                for i in range(args.runs + 1):  # the first run (creating the database, cold caches) is not counted
                    t = time.perf_counter()
                    subprocess.run(cmd, env=xvfb.env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    if i:
                        ms.append(1000 * (time.perf_counter() - t))
                med = statistics.median(ms)
                print(f"exec to first frame, {label:<18} median {med:6.0f} ms  (min {min(ms):.0f}, max {max(ms):.0f},"
                      f" {args.runs} runs: {', '.join(f'{m:.0f}' for m in ms)})", flush=True)
                summary(f"exec to first frame, {label} (median of {args.runs})", f"{med:.0f} ms")
    finally:
        xvfb.close()


def max_rss_mib(time_output):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_output)
    if not m:
        raise SystemExit(f"no max RSS in GNU time's output:\n{time_output}")
    return int(m.group(1)) / 1024


def child_of(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        except FileNotFoundError:
            break
        time.sleep(0.02)
    raise SystemExit("GNU time did not start the kiosk")


def peak_rss(kiosk, args):
    xvfb = Xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            report = os.path.join(tmp, "time.txt")
            timed = ["/usr/bin/time", "-v", "-o", report, kiosk, "--windowed", "--size", "1280x800"]

            # 1. Start, reach the attract screen, idle, then SIGTERM (the kiosk's own clean stop).
            data = os.path.join(tmp, "idle")
            os.makedirs(data)
            auto = os.path.join(data, "automation.jsonl")
            proc = subprocess.Popen([*timed, "--data-dir", data, "--automation", auto], env=xvfb.env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while not (os.path.exists(auto) and '"screen":"attract"' in open(auto).read()):
                if time.time() > deadline or proc.poll() is not None:
                    proc.kill()
                    raise SystemExit("the kiosk did not reach the attract screen")
                time.sleep(0.05)
            time.sleep(args.idle)
            os.kill(child_of(proc.pid), signal.SIGTERM)  # the kiosk, not GNU time
            proc.wait(timeout=30)
            idle = max_rss_mib(open(report).read())
            print(f"peak RSS, attract screen for {args.idle:g} s then SIGTERM:  {idle:6.1f} MiB", flush=True)
            summary(f"peak RSS, attract screen {args.idle:g} s (MiB)", f"{idle:.1f} MiB")

            # 2. --exit-after-first-frame on a seeded database.
            full = os.path.join(tmp, "full")
            seed(kiosk, full, args.responses)
            subprocess.run([*timed, "--data-dir", full, "--exit-after-first-frame"], env=xvfb.env(), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            first = max_rss_mib(open(report).read())
            print(f"peak RSS, first frame with {args.responses} responses:   {first:6.1f} MiB", flush=True)
            summary(f"peak RSS, first frame with {args.responses} responses (MiB)", f"{first:.1f} MiB")
    finally:
        xvfb.close()


def change_language(k, lang, done, timeout):
    """Opens the language picker (not timed), taps `lang`; seconds from the tap until `done(state)`."""
    time.sleep(0.3)
    k.press("access.language")
    k.wait_screen("language")
    time.sleep(0.3)
    t0 = time.perf_counter()
    k.tap(f"language.{lang}", settle=False)
    k.wait(done, lang, timeout)
    return time.perf_counter() - t0


def access(kiosk, args):
    """Tap -> first frame drawn with the new fonts, for a language change and each text size, per language."""
    import json
    here = os.path.dirname(os.path.abspath(__file__))

    def names(lang):
        with open(os.path.join(here, "..", "assets", "i18n", lang + ".json"), encoding="utf-8") as f:
            return json.load(f)

    xvfb = Xvfb()
    timings = {}
    try:
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            k = Kiosk(kiosk, xvfb, tmp)
            try:
                k.wait_screen("attract", timeout=30)
                current = "en"
                for _ in range(args.rounds):
                    for lang in ("pl", "uk", "zh-Hans", "en"):
                        timings.setdefault(f"language -> {lang}", []).append(change_language(
                            k, lang, lambda s, lang=lang: s.get("lang") == lang and s["screen"] == "attract", 10))
                        current = lang
                        for after in (150, 200, 100):
                            # From 150 % the bar folds to "Make it easier": the size is then changed on its screen
                            # (opening it is not timed).
                            time.sleep(0.3)
                            k._read()
                            if not k.has("access.text_size"):
                                k.press("access.more")
                                k.wait_screen("access")
                                time.sleep(0.3)
                            t0 = time.perf_counter()
                            k.tap("access.text_size", settle=False)
                            k.wait(lambda s: s.get("access", {}).get("text_percent") == after and
                                   abs(s.get("em", 0) - 28 * after / 100) < 1, f"{after} %", 10)
                            timings.setdefault(f"text size {after} % ({current})", []).append(time.perf_counter() - t0)
                            if k.state["screen"] == "access":
                                k.press("access.close")
                                k.wait_screen("attract")
            finally:
                k.stop()
            with open(os.path.join(tmp, "engage-kiosk.log"), encoding="utf-8") as f:
                atlases = {}
                for line in f:
                    m = re.search(r"Fonts for (\S+) at (\d+) %.*?: atlas (\d+)x(\d+), (\d+) ms", line)
                    if m:
                        atlases[(m.group(1), int(m.group(2)))] = (int(m.group(3)), int(m.group(4)), int(m.group(5)))
    finally:
        xvfb.close()
    print("  tap -> next frame, median of the rounds (includes xdotool and the automation file: an upper bound)")
    for label, values in timings.items():
        ms = statistics.median(values) * 1000
        print(f"  {label:32} {ms:7.0f} ms")
        summary(f"access: {label}, tap to frame", f"{ms:.0f} ms")
    print("  font atlas (one byte per pixel on the CPU side until uploaded) and its build time:")
    for (lang, pct), (w, h, ms) in sorted(atlases.items()):
        print(f"  {lang:8} {pct:3d} %  {w}x{h}  {w * h / 1048576:.2f} MiB  built in {ms} ms")
        summary(f"access: atlas {lang} {pct} %", f"{w}x{h}, {ms} ms")


def answers(kiosk, args):
    """A tap on an answer -> the frame that shows it chosen; and -> the next question's first frame (a single answer
    moves on by itself after Flow::kAutoAdvance, 700 ms, so that the person sees their choice)."""
    import json
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "i18n", "en.json"),
              encoding="utf-8") as f:
        start = json.load(f)["attract.tap"]
    xvfb = Xvfb()
    chosen, advanced = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            k = Kiosk(kiosk, xvfb, tmp)
            try:
                k.wait_screen("attract", timeout=30)
                for _ in range(args.rounds):
                    k.press(start)
                    k.wait_screen("question", question="today")
                    time.sleep(0.3)
                    t0 = time.perf_counter()
                    k.tap("option.4", settle=False)
                    k.wait(lambda s: any(w.get("id") == "option.4" and w.get("selected") for w in s["widgets"]),
                           "the face shown chosen", 10)
                    chosen.append(time.perf_counter() - t0)
                    k.wait(lambda s: s.get("question") not in (None, "today"), "the next question", 10)
                    advanced.append(time.perf_counter() - t0)
                    time.sleep(0.3)
                    k.press("nav.back")
                    k.wait_screen("question", question="today")
                    k.press("nav.back")  # from the first question: back to the attract screen, answers cleared
                    k.wait_screen("attract")
            finally:
                k.stop()
    finally:
        xvfb.close()
    c, a = statistics.median(chosen) * 1000, statistics.median(advanced) * 1000
    print(f"  tap -> frame showing the answer chosen   {c:7.0f} ms  (median of {len(chosen)})")
    print(f"  tap -> next question (auto-advance)      {a:7.0f} ms  (of which 700 ms is the deliberate pause)")
    summary("answer: tap to the frame showing it chosen", f"{c:.0f} ms")
    summary("answer: tap to the next question (auto-advance, 700 ms pause)", f"{a:.0f} ms")


def scripts(kiosk, args):
    """Shaped scripts against English in the same run: exec to first frame (--language L), and a language change."""
    survey = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ui", "scripts_survey.json")
    langs = ("en", "ur", "ar", "pa", "bn")
    xvfb = Xvfb()
    first, change, atlases = {}, {}, {}
    try:
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            for lang in langs:
                data = os.path.join(tmp, "first-" + lang)
                cmd = [kiosk, "--windowed", "--data-dir", data, "--survey", survey, "--language", lang,
                       "--exit-after-first-frame"]
                for i in range(args.runs + 1):  # the first run (a new database, cold caches) is not counted
                    t = time.perf_counter()
                    subprocess.run(cmd, env=xvfb.env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    if i:
                        first.setdefault(lang, []).append(1000 * (time.perf_counter() - t))
            k = Kiosk(kiosk, xvfb, os.path.join(tmp, "change"), args=["--survey", survey])
            try:
                k.wait_screen("attract", timeout=30)
                for _ in range(args.rounds):
                    for lang in langs[1:] + ("en",):
                        change.setdefault(lang, []).append(1000 * change_language(
                            k, lang, lambda s, lang=lang: s.get("access", {}).get("language") == lang and
                            s["screen"] == "attract" and not s["pending"], 20))
            finally:
                k.stop()
            with open(os.path.join(tmp, "change", "engage-kiosk.log"), encoding="utf-8") as f:
                for line in f:
                    m = re.search(r"Fonts for (\S+) at 100 %: atlas (\d+)x(\d+), (\d+) ms", line)
                    if m:
                        atlases.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3)), int(m.group(4))))
    finally:
        xvfb.close()
    en_first, en_change = statistics.median(first["en"]), statistics.median(change["en"])
    for lang in langs:
        f, c = statistics.median(first[lang]), statistics.median(change[lang])
        w, h, _ = atlases.get(lang, [(0, 0, 0)])[-1]
        build = statistics.median(a[2] for a in atlases.get(lang, [(0, 0, 0)]))
        print(f"  {lang:3} first frame {f:6.0f} ms ({f / en_first:4.2f}x en)   language change {c:6.0f} ms "
              f"({c / en_change:4.2f}x en)   atlas {w}x{h}, built in {build:.0f} ms", flush=True)
        summary(f"scripts: first frame in {lang} (median of {args.runs})", f"{f:.0f} ms = {f / en_first:.2f}x en")
        summary(f"scripts: language change to {lang}", f"{c:.0f} ms = {c / en_change:.2f}x en")
        summary(f"scripts: atlas for {lang} at 100 %", f"{w}x{h}, {build:.0f} ms")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build", help="build folder holding app/engage-kiosk")
    sub = p.add_subparsers(dest="bench", required=True)
    s = sub.add_parser("idle-cpu")
    s.add_argument("--seconds", type=float, default=30)
    s = sub.add_parser("first-frame")
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--responses", type=int, default=100000)
    s = sub.add_parser("peak-rss")
    s.add_argument("--idle", type=float, default=5)
    s.add_argument("--responses", type=int, default=100000)
    s = sub.add_parser("access")
    s.add_argument("--rounds", type=int, default=3)
    s = sub.add_parser("answers")
    s.add_argument("--rounds", type=int, default=10)
    s = sub.add_parser("scripts")
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    kiosk = os.path.join(os.path.abspath(args.build), "app", "engage-kiosk")
    if not os.access(kiosk, os.X_OK):
        raise SystemExit(f"{kiosk} not found: build first (cmake --build {args.build})")
    {"idle-cpu": idle_cpu, "first-frame": first_frame, "peak-rss": peak_rss, "access": access,
     "answers": answers, "scripts": scripts}[args.bench](kiosk, args)


if __name__ == "__main__":
    main()
