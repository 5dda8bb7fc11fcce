#!/usr/bin/env python3
"""engage-hub on SQLite: one scenario from hubtest.py on a fresh database.
Usage: test_hub_sqlite.py ENGAGE_HUB SCENARIO   (SCENARIO: enrolment | store | bad_input | group)"""
import os
import sys
import tempfile

import hubtest


def main():
    binary, scenario = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="engage-hub-test-") as tmp:
        db = hubtest.SqliteDb(os.path.join(tmp, "hub.sqlite"))
        getattr(hubtest, f"scenario_{scenario}")(binary, db, tmp)
        # The hub's own pragmas: WAL and the schema version.
        hubtest.check(db.rows("PRAGMA journal_mode") == [["wal"]], db.rows("PRAGMA journal_mode"))
        # 1: kiosks and records; 2: bundle keys (USB transfer); 3: organisers, web sessions, text reviews;
        # 4: PIN reset counters; 5: reviews per kiosk; 6: dashboard summaries; 7: the survey library;
        # 8: kiosk status reports; 9: surveys published to kiosks; 10: the queue of records not yet summarised
        # (serve's background indexer).
        hubtest.check(db.rows("PRAGMA user_version") == [["11"]], db.rows("PRAGMA user_version"))


if __name__ == "__main__":
    hubtest.run(main)
