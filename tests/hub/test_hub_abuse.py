#!/usr/bin/env python3
"""engage-hub against abuse from kiosks and strangers (docs/hub.md), each scenario on a fresh SQLite hub. Other
client addresses are other loopback addresses (127.0.0.2, ...: all of 127/8 is this machine on Linux).
  impersonation   an unused token or pairing code cannot claim a device id another enrolment holds (403, logged)
  review_bypass   an approval is for one kiosk's text: another kiosk reusing the uuid is not approved by it
  file_modes      a new hub database is 0600 (and its -wal), a folder the hub makes for it 0700
  login_throttle  wrong passwords from one address delay that address (growing), never the organiser elsewhere
  pair_throttle   wrong pairing codes from one address delay that address only
  password_log    neither a password nor a name that is no user's name reaches the log
  argon2_pool     a flood of logins does not hold up kiosk sync
  upload_too_large  an upload over --max-body-mib gets a plain "Too large" page, nothing stored
Usage: test_hub_abuse.py ENGAGE_HUB SCENARIO"""
import http.client
import json
import os
import re
import stat
import threading
import time
import uuid

import hubtest
import test_dashboard
from hubtest import batch, check, counts, new_kiosk_id, record

PASSWORD = "correct horse battery"


class From:
    """The hub as seen from another loopback address (for Browser and plain requests)."""

    def __init__(self, hub, address):
        self.hub, self.address = hub, address

    def connection(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=timeout, source_address=(self.address, 0))

    def post_json(self, path, payload):
        c = self.connection()
        try:
            c.request("POST", path, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
        finally:
            c.close()


def add_user(binary, db, name):
    test_dashboard.cli(binary, "user", "add", name, "--db", db, "--password-stdin", input_text=PASSWORD + "\n")


def scenario_impersonation(binary, db, tmp):
    a = hubtest.add_kiosk(binary, db.spec, "Kiosk A")
    b = hubtest.add_kiosk(binary, db.spec, "Kiosk B")
    c = hubtest.add_kiosk(binary, db.spec, "Kiosk C")
    device_a = new_kiosk_id()
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        st, reply, text = hub.send_batch(a["token"], batch(device_a, [record(1)]))
        check(st == 200 and reply["results"][0]["status"] == "stored", st, text)
        before = counts(db)
        # B's unused token tries to pin itself to A's device id with a batch of "A's" records.
        st, body, text = hub.send_batch(b["token"], batch(device_a, [record(2), record(3)]))
        check(st == 403 and "already enrolled" in body.get("error", ""), "impersonation by token:", st, text)
        check(counts(db) == before, "an impersonating batch stored something", counts(db), before)
        check(db.rows(f"SELECT device_id FROM kiosks WHERE id = '{b['id']}'") == [[""]], "B got pinned to A's device")
        # C's pairing code for A's device id: refused too, and the code stays unused.
        st, body, text = hub.post("/v1/pair", {"code": c["pairing_code"], "kiosk_id": device_a}, compress=False)
        check(st == 403 and "already enrolled" in body.get("error", ""), "impersonation by pairing:", st, text)
        # B with its own device id still works; A too.
        st, reply, text = hub.send_batch(b["token"], batch(new_kiosk_id(), [record(1)]))
        check(st == 200 and reply["results"][0]["status"] == "stored", st, text)
        st, body, text = hub.post("/v1/pair", {"code": c["pairing_code"], "kiosk_id": new_kiosk_id()}, compress=False)
        check(st == 200 and body.get("token"), "C pairs with its own device", st, text)
        log = hub.log()
        check(re.search(r"kiosk=Kiosk B .*status=403 .*already enrolled", log), "impersonation not logged", log[-2000:])
    # Once A is revoked, its device may be enrolled again (the documented way to re-enrol a kiosk).
    hubtest.cli(binary, "kiosk", "revoke", a["id"], "--db", db.spec)
    d = hubtest.add_kiosk(binary, db.spec, "Kiosk A again")
    with hubtest.Hub(binary, db.spec, tmp, name="hub-again") as hub:
        st, reply, text = hub.send_batch(d["token"], batch(device_a, [record(5)]))
        check(st == 200 and reply["results"][0]["status"] == "stored", "re-enrolment after revoke", st, text)
    print("passed impersonation")


def texts_batch(device, venue, texts, uuids=None):
    sess = test_dashboard.session("Park plan", venue, "2026-11-22T09:30:00Z")
    recs = []
    for i, t in enumerate(texts):
        recs.append(record(i + 1, uid=(uuids or {}).get(i), answers=test_dashboard.answers(i, t), session=dict(sess),
                           created_utc=f"2026-11-22T10:{i:02d}Z"))
    return batch(device, recs)


def scenario_review_bypass(binary, db, tmp):
    approved_text, sneaky_text = "Call Anna on 07700 900123", "Ring Bob on 07700 900999"
    shared = str(uuid.uuid4())
    a = hubtest.add_kiosk(binary, db.spec, "Kiosk A")
    b = hubtest.add_kiosk(binary, db.spec, "Kiosk B")
    add_user(binary, db.spec, "Ann")
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        device_a, device_b = new_kiosk_id(), new_kiosk_id()
        st, _, text = hub.send_batch(a["token"], texts_batch(device_a, "Main Hall", [approved_text] + ["Fine"] * 5,
                                                             {0: shared}))
        check(st == 200, st, text)
        ann = test_dashboard.Browser(hub)
        st, _, _ = ann.login("Ann", PASSWORD)
        check(st == 303, "login", st)
        st, _, page = ann.get("/dashboard/review")
        check(approved_text in page and f'name="kiosk" value="{device_a}"' in page, "the review form names the kiosk")
        st, _, _ = ann.request("POST", "/dashboard/review", {"kiosk": device_a, "uuid": shared, "question": "change",
                                                             "decision": "approve", "csrf": ann.csrf(page)})
        check(st == 303, "approve", st)
        # Kiosk B reuses the approved uuid (uuids appear in shareable exports) for a text that needs review.
        st, reply, text = hub.send_batch(b["token"], texts_batch(device_b, "Main Hall", [sneaky_text] + ["Good"] * 5,
                                                                 {0: shared}))
        check(st == 200 and reply["results"][0]["status"] == "stored", st, text)
        st, _, page = ann.get("/dashboard/texts")
        check(st == 200 and approved_text in page, "the approved text is listed", st)
        check(sneaky_text not in page, "another kiosk's text rode on the approval onto the Texts page")
        st, _, csv = ann.get("/dashboard/export.csv")
        check(st == 200 and approved_text in csv and sneaky_text not in csv, "shareable export", st)
        st, _, page = ann.get("/dashboard/review")
        check(sneaky_text in page, "the other kiosk's text waits for review")
        # A form without the kiosk is refused while two kiosks have that uuid and question.
        st, _, _ = ann.request("POST", "/dashboard/review", {"uuid": shared, "question": "change",
                                                             "decision": "approve", "csrf": ann.csrf(page)})
        check(st == 400, "an ambiguous review was taken", st)
        r = hubtest.cli(binary, "export", "--db", db.spec, "--shareable")
        check(approved_text in r.stdout and sneaky_text not in r.stdout, "engage-hub export --shareable")
    print("passed review_bypass")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def scenario_file_modes(binary, db, tmp):
    os.umask(0o022)
    folder = os.path.join(tmp, "new", "hubdata")
    path = os.path.join(folder, "hub.sqlite")
    k = hubtest.add_kiosk(binary, path, "Kiosk")
    check(mode(folder) == 0o700 and mode(os.path.dirname(folder)) == 0o700, "folders", oct(mode(folder)))
    check(mode(path) == 0o600, "database file", oct(mode(path)))
    with hubtest.Hub(binary, path, tmp) as hub:
        st, _, text = hub.send_batch(k["token"], batch(new_kiosk_id(), [record(1)]))
        check(st == 200, st, text)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                check(mode(path + suffix) == 0o600, suffix, oct(mode(path + suffix)))
    # In a folder that exists, the folder is left as it is; the new file is still 0600.
    other = os.path.join(tmp, "other.sqlite")
    hubtest.add_kiosk(binary, other, "Kiosk")
    check(mode(other) == 0o600, "second database", oct(mode(other)))
    print("passed file_modes")


def scenario_login_throttle(binary, db, tmp):
    add_user(binary, db.spec, "Ann")
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        stranger = test_dashboard.Browser(From(hub, "127.0.0.2"))
        statuses = []
        for i in range(12):
            st, h, page = stranger.login("Ann", f"guess number {i}")
            statuses.append(st)
        check(statuses[:10] == [403] * 10 and statuses[10:] == [429, 429], "a stranger's guesses:", statuses)
        st, h, page = stranger.login("Ann", PASSWORD)
        check(st == 429 and "engage_session" not in stranger.cookies, "the stranger is delayed even when right", st)
        wait = int(h.get("retry-after", "0"))
        check(30 <= wait <= 60, "Retry-After", h)
        check("Try again in" in page, "the page says how long", page[-500:])
        # The organiser, from her own address, is not locked out by the stranger.
        ann = test_dashboard.Browser(hub)
        st, _, _ = ann.login("Ann", PASSWORD)
        check(st == 303 and "engage_session" in ann.cookies, "the organiser was locked out by a stranger", st)
        log = hub.log()
        check("from 127.0.0.2: refused (too many wrong passwords" in log, log[-2000:])
    print("passed login_throttle")


def scenario_pair_throttle(binary, db, tmp):
    k = hubtest.add_kiosk(binary, db.spec, "Kiosk")
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        stranger = From(hub, "127.0.0.2")
        statuses = [stranger.post_json("/v1/pair", {"code": "ABCD-EFGH", "kiosk_id": new_kiosk_id()})[0]
                    for _ in range(21)]
        check(statuses == [403] * 20 + [429], "wrong codes from one address:", statuses)
        st, h, text = stranger.post_json("/v1/pair", {"code": k["pairing_code"], "kiosk_id": new_kiosk_id()})
        check(st == 429 and int(h.get("retry-after", "0")) >= 1, st, h)
        # A kiosk elsewhere pairs as usual.
        st, body, text = hub.post("/v1/pair", {"code": k["pairing_code"], "kiosk_id": new_kiosk_id()}, compress=False)
        check(st == 200 and body.get("token"), "pairing was blocked for everyone", st, text)
    print("passed pair_throttle")


def scenario_password_log(binary, db, tmp):
    add_user(binary, db.spec, "Ann")
    typed_name, typed_password = "Tr0ub4dor&3-in-name", "s3cret typed in the password field"
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        b = test_dashboard.Browser(hub)
        st, _, _ = b.login(typed_name, typed_password)
        check(st == 403, st)
        st, _, _ = b.login("Ann", typed_password)
        check(st == 403, st)
        st, _, _ = b.login("Ann", PASSWORD)
        check(st == 303, st)
        log = hub.log()
    for secret in (typed_name, typed_password, PASSWORD):
        check(secret not in log, "the log holds what was typed:", secret)
    check("user=(not a user) from 127.0.0.1: refused (no such user" in log, log[-2000:])
    check("user=Ann from 127.0.0.1: refused (wrong password" in log and "user=Ann from 127.0.0.1: logged in" in log)
    print("passed password_log")


def scenario_argon2_pool(binary, db, tmp):
    add_user(binary, db.spec, "Ann")
    k = hubtest.add_kiosk(binary, db.spec, "Kiosk")
    device = new_kiosk_id()
    with hubtest.Hub(binary, db.spec, tmp) as hub:
        st, _, _ = hub.send_batch(k["token"], batch(device, [record(1)]))
        check(st == 200, st)
        stop = threading.Event()

        def flood(i):
            b = test_dashboard.Browser(hub)
            while not stop.is_set():
                try:
                    b.login(f"Name {i}", "wrong password here")
                except (OSError, hubtest.TestFailure):
                    pass

        ts = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(24)]
        for t in ts:
            t.start()
        time.sleep(1.0)  # every worker of the old hub is now waiting on a password check
        worst = 0.0
        try:
            for seq in range(2, 7):
                start = time.monotonic()
                st, reply, text = hub.send_batch(k["token"], batch(device, [record(seq)]))
                worst = max(worst, time.monotonic() - start)
                check(st == 200 and reply["results"][0]["status"] == "stored", st, text)
        finally:
            stop.set()
            for t in ts:
                t.join(30)
        # Each batch alone takes milliseconds; behind a queue of password checks it took seconds.
        check(worst < 3.0, f"a batch took {worst:.1f} s during a login flood")
    print(f"passed argon2_pool (slowest batch {worst * 1000:.0f} ms)")


def scenario_upload_too_large(binary, db, tmp):
    add_user(binary, db.spec, "Ann")
    with hubtest.Hub(binary, db.spec, tmp, extra=["--max-body-mib", "1"]) as hub:
        ann = test_dashboard.Browser(hub)
        st, _, _ = ann.login("Ann", PASSWORD)
        check(st == 303, st)
        st, _, page = ann.get("/dashboard/import")
        csrf = ann.csrf(page)
        boundary = "----engage" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"bundle\"; filename=\"big.bundle\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * (2 * 1024 * 1024) + \
            f"\r\n--{boundary}--\r\n".encode()
        for chunked in (False, True):
            c = hub.connection()
            try:
                h = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": ann._cookie_header()}
                if chunked:
                    c.putrequest("POST", "/dashboard/import")
                    for k2, v in h.items():
                        c.putheader(k2, v)
                    c.putheader("Transfer-Encoding", "chunked")
                    c.endheaders()
                    for at in range(0, len(body), 65536):
                        piece = body[at:at + 65536]
                        c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                    c.send(b"0\r\n\r\n")
                else:
                    c.request("POST", "/dashboard/import", body=body, headers=h)
                r = c.getresponse()
                page = r.read().decode("utf-8", "replace")
            finally:
                c.close()
            check(r.status == 413, "chunked" if chunked else "with a length", r.status, page[-500:])
            check("Too large" in page and "security token" not in page, page[-800:])
            check("text/html" in r.getheader("Content-Type", ""), r.getheaders())
        check(counts(db)["records"] == 0, counts(db))
    print("passed upload_too_large")


if __name__ == "__main__":
    hubtest.run_scenario(globals(), "engage-hub-abuse-")
