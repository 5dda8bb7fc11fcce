#!/usr/bin/env python3
"""engage-hub on PostgreSQL (a throwaway server from tests/pg_server.py).
Usage: test_hub_postgres.py ENGAGE_HUB SCENARIO   (SCENARIO: enrolment | store | bad_input | two_hubs | db_restart)

two_hubs: two engage-hub processes on one database receive the same batch at the same moment, again and again;
every record must be stored exactly once (the other copy is a duplicate), whether both hubs hold the same token
or two tokens of the enrolment (the printed one and a paired one) race on the unique key. Another enrolment
cannot claim the device (403)."""
import os
import re
import sys
import tempfile

import hubtest
import pg_server


def two_hubs(binary, db, workdir):
    a = hubtest.add_kiosk(binary, db.spec, "Town Hall A")
    b = hubtest.add_kiosk(binary, db.spec, "Town Hall B")
    device = hubtest.new_kiosk_id()
    with hubtest.Hub(binary, db.spec, workdir, name="hub1") as h1, \
            hubtest.Hub(binary, db.spec, workdir, name="hub2") as h2:
        code = re.search(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}",
                         hubtest.cli(binary, "kiosk", "code", a["id"], "--db", db.spec).stdout).group(0)
        st, body, text = h1.post("/v1/pair", {"code": code, "kiosk_id": device}, compress=False)
        hubtest.check(st == 200, "pairing", st, text)
        paired = body["token"]
        st, body, text = h2.send_batch(b["token"], hubtest.batch(device, [hubtest.record(1)]))
        hubtest.check(st == 403 and "already enrolled" in body["error"], "another enrolment claimed the device", st, text)
        seq = 1
        total = 0
        for round_ in range(12):
            recs = [hubtest.record(s) for s in range(seq, seq + 40)]
            seq += 40
            tokens = [a["token"], a["token"]] if round_ % 2 == 0 else [a["token"], paired]
            replies = hubtest.concurrent_same_batch([h1, h2], tokens, hubtest.batch(device, recs))
            hubtest.check_exactly_once(replies, recs)
            total += len(recs)
            held = int(db.rows("SELECT COUNT(*) FROM records")[0][0])
            hubtest.check(held == total, f"round {round_}: {held} records held, {total} sent")
        hubtest.check(db.rows("SELECT COUNT(*) FROM records GROUP BY kiosk_id, uuid HAVING COUNT(*) > 1") == [],
                      "a record is held twice")
        # A schema made by one hub is used by the other: a third start on the same database migrates nothing.
        v = db.rows("SELECT version FROM schema_version ORDER BY version")
        hubtest.check(v == [["1"], ["2"], ["3"], ["4"], ["5"], ["6"], ["7"], ["8"], ["9"], ["10"], ["11"]], "schema_version", v)
        h1.healthz()
        h2.healthz()
    st = hubtest.status(binary, db.spec)
    hubtest.check(st["Town Hall A"]["highest_contiguous_seq"] == seq - 1 and st["Town Hall A"]["gaps"] == [], st)
    print(f"passed two hubs on one PostgreSQL database ({total} records, each stored once)")


def db_restart(binary, db, workdir, pg):
    """PostgreSQL goes away under a running hub: 503 with Retry-After (nothing acknowledged), then, once it is back,
    the same hub stores again without a restart."""
    k = hubtest.add_kiosk(binary, db.spec, "Pavilion")
    device = hubtest.new_kiosk_id()
    with hubtest.Hub(binary, db.spec, workdir, name="restart") as hub:
        st, _, text = hub.send_batch(k["token"], hubtest.batch(device, [hubtest.record(1)]))
        hubtest.check(st == 200, st, text)
        pg._kill()
        b = hubtest.batch(device, [hubtest.record(2)])
        c = hub.connection()
        c.request("POST", "/v1/batches", body=hubtest.gzip.compress(hubtest.json.dumps(b).encode()),
                  headers={"Authorization": f"Bearer {k['token']}", "Content-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        hubtest.check(r.status == 503 and r.getheader("Retry-After") and "try again later" in body, r.status, body)
        hubtest.check("127.0.0.1" not in body, "database details leak to the kiosk", body)
        hub.healthz()
        pg._start_postgres(30)
        st, reply, text = hub.send_batch(k["token"], b)
        hubtest.check(st == 200 and reply["results"][0]["status"] == "stored", st, text)
    hubtest.check("status=503" in hub.log() and re.search(r"status=503 .*postgresql://", hub.log()), "the 503 and its cause are logged",
                  hub.log()[-2000:])
    print("passed PostgreSQL restart under a running hub")


def main():
    binary, scenario = sys.argv[1], sys.argv[2]
    with pg_server.PgServer() as pg, tempfile.TemporaryDirectory(prefix="engage-hub-pg-") as tmp:
        db = hubtest.PgDb(pg, "hub_" + scenario)
        if scenario == "two_hubs":
            two_hubs(binary, db, tmp)
        elif scenario == "db_restart":
            db_restart(binary, db, tmp, pg)
        else:
            getattr(hubtest, f"scenario_{scenario}")(binary, db, tmp)
        v = db.rows("SELECT version FROM schema_version ORDER BY version")
        hubtest.check(v == [["1"], ["2"], ["3"], ["4"], ["5"], ["6"], ["7"], ["8"], ["9"], ["10"], ["11"]], "schema_version", v)


if __name__ == "__main__":
    hubtest.run(main)
