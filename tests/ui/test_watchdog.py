"""The kiosk and systemd (app/watchdog.cpp), without systemd: this test is the service manager's notification
socket ($NOTIFY_SOCKET, an AF_UNIX datagram socket) and sets $WATCHDOG_USEC as systemd does for a Type=notify
unit with WatchdogSec=. The real kiosk under Xvfb must send READY=1 once its first frame is drawn, then WATCHDOG=1
while it sits idle on the attract screen, often enough that systemd's watchdog never fires (gaps well under
WatchdogSec). $WATCHDOG_PID naming its parent (cage, in engage-kiosk.service) is accepted; another pid, or a
$WATCHDOG_USEC that is not a number, means no watchdog (and no crash). A kiosk database from a newer Engage is
refused by the kiosk binary with the reason, unchanged (a downgrade).

usage: test_watchdog.py ENGAGE_KIOSK"""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

from kiosk_driver import Kiosk, KioskError, Xvfb


def check(cond, *what):
    if not cond:
        raise KioskError(" ".join(str(w) for w in what))


class NotifySocket:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path
        self.messages = []  # (monotonic time, text)

    def collect(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                break
            self.messages.append((time.monotonic(), data.decode()))

    def wait_for(self, text, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in m for _, m in self.messages):
                return
            self.collect(min(0.2, end - time.monotonic()))
        raise KioskError(f"no {text!r} from the kiosk within {timeout} s; got {self.messages}")

    def close(self):
        self.sock.close()


def run_kiosk(binary, xvfb, tmp, name, env):
    """A kiosk with these watchdog variables; returns (kiosk, notify socket)."""
    notify = NotifySocket(os.path.join(tmp, f"{name}.notify"))
    saved = dict(os.environ)
    os.environ.update({"NOTIFY_SOCKET": notify.path, **env})
    try:
        k = Kiosk(binary, xvfb, os.path.join(tmp, name))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return k, notify


def main():
    binary = sys.argv[1]
    xvfb = Xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="engage-watchdog-") as tmp:
            # WatchdogSec=3: pings are due every second; systemd would kill the kiosk after 3 s without one.
            k, n = run_kiosk(binary, xvfb, tmp, "plain", {"WATCHDOG_USEC": "3000000"})
            try:
                n.wait_for("READY=1", 60)
                k.wait_screen("attract", timeout=5)  # READY=1 comes after the first frame: it is on screen
                check(not any("WATCHDOG=1" in m for _, m in n.messages[:1]), "a ping before READY=1", n.messages)
                n.messages.clear()
                n.collect(8)  # idle on the attract screen: no input, nothing drawn
                pings = [t for t, m in n.messages if m == "WATCHDOG=1"]
                check(len(pings) >= 5, f"{len(pings)} pings in 8 s of idle (expected one a second):", n.messages)
                gaps = [b - a for a, b in zip(pings, pings[1:])]
                check(max(gaps) < 2.5, f"a gap of {max(gaps):.2f} s between pings: systemd's 3 s would fire", gaps)
                check(all(m == "WATCHDOG=1" for _, m in n.messages), "unexpected messages", n.messages)
                with open(os.path.join(tmp, "plain", "engage-kiosk.log")) as f:
                    check("systemd watchdog: 3000 ms, pinged every 1000 ms" in f.read(), "the log names the watchdog")
            finally:
                k.stop()
                n.close()

            # Under cage, systemd's main process is cage, the kiosk's parent: $WATCHDOG_PID names the parent.
            k, n = run_kiosk(binary, xvfb, tmp, "parent", {"WATCHDOG_USEC": "1500000", "WATCHDOG_PID": str(os.getpid())})
            try:
                n.wait_for("READY=1", 60)
                n.collect(3)
                check(sum(m == "WATCHDOG=1" for _, m in n.messages) >= 3, "no pings with WATCHDOG_PID = parent", n.messages)
            finally:
                k.stop()
                n.close()

            # Not ours, or not a number: no watchdog, still READY=1, no crash.
            for name, env in (("other", {"WATCHDOG_USEC": "1500000", "WATCHDOG_PID": "1"}),
                              ("junk", {"WATCHDOG_USEC": "soon"}), ("huge", {"WATCHDOG_USEC": "99999999999999999999999"}),
                              ("zero", {"WATCHDOG_USEC": "0", "WATCHDOG_PID": str(os.getpid())})):
                k, n = run_kiosk(binary, xvfb, tmp, name, env)
                try:
                    n.wait_for("READY=1", 60)
                    n.collect(2)
                    check(not any("WATCHDOG=1" in m for _, m in n.messages), name, "pinged anyway:", n.messages)
                    check(k.proc.poll() is None, name, "the kiosk exited")
                finally:
                    k.stop()
                    n.close()
    finally:
        xvfb.close()

    # A downgrade: a kiosk database from a newer Engage is refused, unchanged.
    with tempfile.TemporaryDirectory(prefix="engage-downgrade-") as tmp:
        subprocess.run([binary, "seed", "--data-dir", tmp, "--count", "3"], check=True, capture_output=True)
        db = os.path.join(tmp, "engage.sqlite")
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 999")
        con.close()
        before = open(db, "rb").read()
        r = subprocess.run([binary, "sync", "--data-dir", tmp], capture_output=True, text=True, timeout=60)
        check(r.returncode != 0 and "newer version of Engage" in r.stdout + r.stderr and "has not been changed" in r.stdout + r.stderr,
              "a newer kiosk database:", r.returncode, r.stdout, r.stderr)
        check(open(db, "rb").read() == before, "the newer database was changed")
    print("passed watchdog")


if __name__ == "__main__":
    main()
