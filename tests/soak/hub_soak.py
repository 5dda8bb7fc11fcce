"""hub_soak.py ENGAGE_HUB [--kills N] [--kiosks N] [--max-minutes M] [--seed N] [--keep]

The hub SIGKILLed while it ingests: N kiosks (threads speaking the sync protocol like engage-kiosk's client:
batches of pending records, marked acknowledged only by a reply the kiosk would accept) send to one engage-hub
on SQLite, which is SIGKILLed after a random 20-400 ms and started again, --kills times. Then every kiosk drains
what it still holds to a last hub (also when --max-minutes, default 60, ends the kills early: the line says how many were done),
and the hub database is checked: every acknowledged response is stored
(lost: 0), no response is stored twice and none came back as a conflict (a replay after a lost reply must be
a duplicate). Prints one line:
    hub soak: N SIGKILLs, K kiosks, A acknowledged, L lost, T stored twice, C conflicts
"""
import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hub"))
import hubtest  # noqa: E402
from hubtest import Hub, SqliteDb, add_kiosk, batch, check, record  # noqa: E402


class Kiosk(threading.Thread):
    """One kiosk: makes new responses all the time and sends what is pending, oldest first."""

    def __init__(self, n, token, hub_ref, stop, rng_seed):
        super().__init__(daemon=True, name=f"kiosk-{n}")
        self.n, self.token, self.hub_ref, self.stop = n, token, hub_ref, stop
        self.kiosk_id = str(uuid.uuid4())
        self.rng = random.Random(rng_seed)
        self.next_seq = 1
        self.pending = []          # records not yet acknowledged, in seq order
        self.acknowledged = set()  # uuids the hub acknowledged in a reply the kiosk accepts
        self.refused = []          # anything that is not a network failure or a dead hub: a soak failure
        self.lock = threading.Lock()

    def make(self, n):
        for _ in range(n):
            self.pending.append(record(self.next_seq, answers={"today": self.next_seq % 5 + 1,
                                                               "more": f"kiosk {self.n} answer {self.next_seq}"}))
            self.next_seq += 1

    def send_once(self):
        """One batch. True if the hub acknowledged it, False if it was not reachable or died mid-request."""
        hub = self.hub_ref[0]
        if hub is None or not self.pending:
            return False
        recs = self.pending[: self.rng.randint(1, 20)]
        b = batch(self.kiosk_id, recs)
        try:
            status, reply, text = hub.send_batch(self.token, b)
        except (OSError, hubtest.http.client.HTTPException):
            return False  # the hub was killed or not listening yet: nothing counts, send again later
        if status in (502, 503):
            return False
        if status != 200:
            self.refused.append(f"status {status}: {text[:300]}")
            return False
        try:
            hubtest.expect_reply(reply, b, [x["status"] for x in reply["results"]])
        except (hubtest.TestFailure, KeyError, TypeError) as e:
            self.refused.append(f"a reply the kiosk would refuse: {e}")
            return False
        statuses = {r["uuid"]: r["status"] for r in reply["results"]}
        for r in recs:
            if statuses[r["uuid"]] not in ("stored", "duplicate"):
                self.refused.append(f"{r['uuid']}: {statuses[r['uuid']]}")
        done = {r["uuid"] for r in recs}
        with self.lock:
            self.acknowledged |= done
            self.pending = [r for r in self.pending if r["uuid"] not in done]
        return True

    def run(self):
        while not self.stop.is_set():
            if len(self.pending) < 200:
                self.make(self.rng.randint(0, 3))
            sent = self.send_once()
            time.sleep(self.rng.uniform(0.002, 0.02) if sent else self.rng.uniform(0.005, 0.03))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1], prog="hub_soak.py")
    ap.add_argument("hub", help="the engage-hub binary")
    ap.add_argument("--kills", type=int, default=1000, help="SIGKILLs of the hub (default 1000)")
    ap.add_argument("--kiosks", type=int, default=50, help="kiosks sending at once (default 50)")
    ap.add_argument("--max-minutes", type=float, default=60, help="stop killing after this long (default 60)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    if a.kills < 1 or a.kiosks < 1 or a.kiosks > 500:
        ap.error("--kills must be at least 1 and --kiosks from 1 to 500")
    seed = a.seed if a.seed is not None else random.randrange(1 << 32)
    print(f"hub soak: seed {seed} (rerun with --seed {seed})", flush=True)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="engage-hub-soak-")
    db_path = os.path.join(work, "hub.sqlite")
    ok = False
    try:
        kiosks, hub_ref, stop = [], [None], threading.Event()
        for i in range(a.kiosks):
            k = add_kiosk(a.hub, db_path, f"Soak kiosk {i}")
            kiosks.append(Kiosk(i, k["token"], hub_ref, stop, rng.randrange(1 << 32)))
        for k in kiosks:
            k.start()
        t0 = time.monotonic()
        kills = 0
        for n in range(1, a.kills + 1):
            if time.monotonic() - t0 > a.max_minutes * 60:
                print(f"hub soak: --max-minutes {a.max_minutes:g} reached after {kills} SIGKILLs", flush=True)
                break
            hub = Hub(a.hub, db_path, work)
            if os.path.exists(hub.log_path):
                os.remove(hub.log_path)  # Hub.start reads the port from the log: only this run's
            hub.start()
            hub_ref[0] = hub
            time.sleep(rng.uniform(0.02, 0.4))
            hub_ref[0] = None
            hub.proc.kill()  # SIGKILL, wherever it is
            hub.proc.wait()
            hub.log_file.close()
            check(hub.proc.returncode == -9, f"the hub ended by itself ({hub.proc.returncode}):\n{hub.log()[-3000:]}")
            kills += 1
            if n % 100 == 0:
                acked = sum(len(k.acknowledged) for k in kiosks)
                print(f"hub soak: {n} SIGKILLs, {acked} acknowledged so far ({time.monotonic() - t0:.0f} s)",
                      flush=True)
        # The last hub: every kiosk drains what it holds, then the hub stops cleanly.
        stop.set()
        for k in kiosks:
            k.join(timeout=60)
        with Hub(a.hub, db_path, work, name="last-hub") as hub:
            hub_ref[0] = hub
            for k in kiosks:
                deadline = time.monotonic() + 120
                while k.pending and time.monotonic() < deadline:
                    k.send_once()
                check(not k.pending, f"kiosk {k.n}: {len(k.pending)} responses could not be sent to the last hub")
        db = SqliteDb(db_path)
        acked = sum(len(k.acknowledged) for k in kiosks)
        lost = twice = 0
        for k in kiosks:
            rows = db.rows(f"SELECT uuid, COUNT(*) FROM records WHERE kiosk_id = '{k.kiosk_id}' GROUP BY uuid")
            stored = {u: int(c) for u, c in rows}
            lost += sum(1 for u in k.acknowledged if u not in stored)
            twice += sum(c - 1 for c in stored.values())
        conflicts = int(db.rows("SELECT COUNT(*) FROM conflicts")[0][0])
        integrity = db.rows("PRAGMA integrity_check")[0][0]
        refused = [f"kiosk {k.n}: {r}" for k in kiosks for r in k.refused]
        print(f"hub soak: {kills} SIGKILLs, {a.kiosks} kiosks, {acked} acknowledged, {lost} lost, "
              f"{twice} stored twice, {conflicts} conflicts, integrity {integrity} "
              f"({time.monotonic() - t0:.0f} s)", flush=True)
        for r in refused[:20]:
            print(f"hub soak: refused: {r}", file=sys.stderr)
        ok = kills > 0 and acked > 0 and lost == 0 and twice == 0 and conflicts == 0 and integrity == "ok" and not refused
        if not ok:
            print(f"hub soak: FAILED (work folder kept: {work})", file=sys.stderr)
        return 0 if ok else 1
    finally:
        if ok and not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif ok:
            print(f"hub soak: work folder kept: {work}")


if __name__ == "__main__":
    sys.exit(main())
