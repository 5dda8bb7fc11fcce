#!/usr/bin/env python3
"""engage-kiosk's command line: --help, --version, check-survey exit codes and located messages, bad options."""
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)


def main():
    r = run("--help")
    assert r.returncode == 0 and "check-survey" in r.stdout and "--idle-seconds" in r.stdout, r.stdout
    r = run("check-survey", "--help")
    assert r.returncode == 0 and "FILE" in r.stdout, r.stdout
    r = run("reset-pin", "--help")
    assert r.returncode == 0 and "--data-dir" in r.stdout and "--code" in r.stdout, r.stdout
    for args in (["--version"], ["check-survey", "--version"], ["reset-pin", "--version"]):
        r = run(*args)
        assert r.returncode == 0 and r.stdout.startswith("engage-kiosk "), (args, r.stdout)

    r = run("check-survey", os.path.join(SRC, "assets/surveys/demo.json"))
    assert r.returncode == 0 and ": ok:" in r.stdout, r.stdout
    assert "demo.json: today_hard is shown if today <= 2\n" in r.stdout, r.stdout
    # Pictures and recordings (the corpus test in tests/unit checks every message; here the command's exit codes).
    corpus = os.path.join(SRC, "tests/corpus")
    r = run("check-survey", os.path.join(corpus, "valid-images.json"))
    assert r.returncode == 0 and ": ok:" in r.stdout, r.stdout
    for name, where in (("bad-image-too-wide.json", "questions[0].image.file: 'media/wide.png': 4097 x 1 pixels"),
                        ("bad-audio-cut.json", "questions[0].audio.en: 'media/cut.ogg': cut short"),
                        ("bad-image-escape.json", "questions[0].image.file: must not leave the survey's folder")):
        r = run("check-survey", os.path.join(corpus, name))
        assert r.returncode == 1 and where in r.stdout, (name, r.stdout)

    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"format": 1, "id": "x", "version": 1, "title": "T", "languages": ["en"],'
                    ' "questions": [{"id": "a", "type": "choice", "prompt": "P", "options": []},'
                    ' {"id": "a", "type": "slider", "prompt": "Q"}]}')
        r = run("check-survey", bad)
        assert r.returncode == 1, r
        assert "questions[0].options" in r.stdout, r.stdout
        assert "questions[1]" in r.stdout and "slider" in r.stdout, r.stdout
        r = run("check-survey", os.path.join(tmp, "missing.json"))
        assert r.returncode == 1 and "missing.json" in r.stdout, r.stdout
        r = run("--size", "huge")
        assert r.returncode == 2 and "--size" in r.stderr, r.stderr
        # The access flags: a bad value is refused with the flag named, before any window opens.
        for args, name in ((("--switch", "joystick"), "--switch"), (("--dwell-ms", "5"), "--dwell-ms"),
                           (("--text-scale", "3"), "--text-scale")):
            r = run(*args)
            assert r.returncode == 2 and name in r.stderr, (args, r.stderr)
        r = run("--idle-seconds", "0")
        assert r.returncode != 0, r
        cfg = os.path.join(tmp, "kiosk.json")
        with open(cfg, "w") as f:
            f.write('{"idle_seconds": "soon", "colour": 3}')
        r = run("--config", cfg)
        assert r.returncode == 2 and "idle_seconds" in r.stderr and "colour" in r.stderr, r.stderr
        # sync / pair: bad input is refused with the reason, nothing is sent and nothing is lost.
        data = os.path.join(tmp, "data")
        r = run("sync", "--data-dir", os.path.join(tmp, "none"))
        assert r.returncode == 2 and "no kiosk database" in r.stderr, r.stderr
        assert run("seed", "--data-dir", data, "--count", "3").returncode == 0
        r = run("sync", "--data-dir", data)
        assert r.returncode == 2 and "no hub is set up" in r.stderr, r.stderr
        r = run("sync", "--data-dir", data, "--hub", "ftp://x", "--token", "t")
        assert r.returncode == 2 and "https://" in r.stderr, r.stderr
        r = run("sync", "--data-dir", data, "--hub", "http://example.org", "--token", "t")
        assert r.returncode == 2 and "only allowed for a hub on this machine" in r.stderr, r.stderr
        with open(cfg, "w") as f:
            f.write('{"hub_url": 5}')
        r = run("sync", "--data-dir", data, "--config", cfg)
        assert r.returncode == 2 and "hub_url: must be a string" in r.stderr, r.stderr
        for bad in ("0", "9", "two", "-1"):  # batch growth: 1 to 8 times
            r = run("sync", "--data-dir", data, "--hub", "http://127.0.0.1:1", "--token", "t", "--batch-grow", bad)
            assert r.returncode == 2 and "--batch-grow" in r.stderr, (bad, r.stderr)
        with open(cfg, "w") as f:
            f.write('{"batch_grow": 20}')
        r = run("sync", "--data-dir", data, "--config", cfg)
        assert r.returncode == 2 and "batch_grow: must be a whole number from 1 to 8" in r.stderr, r.stderr
        r = run("sync", "--data-dir", data, "--hub", "http://127.0.0.1:1", "--token", "t", "--retries", "1",
                "--retry-base-ms", "10")
        assert r.returncode == 1 and "Can't reach the hub" in r.stderr and "3 waiting" in r.stdout, (r.stdout, r.stderr)
        r = run("pair", "--data-dir", data, "--hub", "http://127.0.0.1:1", "--code", "ZZZZ")
        assert r.returncode == 1 and "Can't reach the hub" in r.stderr, r.stderr
        import sqlite3
        db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 3
        db.close()
    print("passed cli")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}")
        sys.exit(1)
