#!/usr/bin/env python3
"""engage-hub export: CSV and JSON from a hub seeded through the real POST /v1/batches.
Usage: test_export.py ENGAGE_HUB sqlite|postgres

Three venues (Leith Library 9 responses in two sessions of 7 and 2, Gorgie Hall exactly 5, Portobello Café 4) and
one response without a session; hostile free text (formulas, a tab, markup, quotes, commas, new lines) and Polish,
Ukrainian and Chinese text; one response of a survey the hub has no file for. Checks: the BOM, CRLF, the columns,
every cell against what was sent (neutralised), the filters, bad usage, the shareable export's small-number rule
and held-back texts (and an organiser's review decisions). sqlite: then LibreOffice Calc (headless) opens the CSV
and every value it read must equal what was written, with no cell a formula; the Debian package is
libreoffice-calc-nogui and a missing LibreOffice is a failure, not a skip. postgres: the same checks on
PostgreSQL, and every export byte-for-byte equal to the same export from SQLite."""
import csv
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

import hubtest
from hubtest import check

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SURVEYS = os.path.join(REPO, "assets", "surveys")
LO_PACKAGE = "libreoffice-calc-nogui"
BOM = b"\xef\xbb\xbf"
HELD = "[held back for review]"

FIXED = ["response_id", "kiosk", "venue", "event", "session_started_utc", "created_utc", "language", "survey_id",
         "survey_version"]
MATTERS = ["housing", "getting_about", "health", "green_spaces", "youth", "carers"]
NEEDS = ["hearing_loop", "bsl", "step_free", "large_print", "quiet_space", "childcare", "transport", "interpreter"]
DEMO_COLUMNS = (["today", "today_hard", "listened", "change", "with_us"] + [f"matters:{o}" for o in MATTERS] +
                ["matters:other"] + [f"next_time:{o}" for o in NEEDS] + ["next_time:other", "anything_else"])
POLL_COLUMNS = ["colour", "note", "votes"]  # no survey file: the answers' order (the hub stores keys sorted)

D1 = "6c1f0a52-3f0e-4a53-9d0e-2f7b8f9f1c01"  # the kiosks' own ids (fixed, so both back ends sort alike)
D2 = "6c1f0a52-3f0e-4a53-9d0e-2f7b8f9f1c02"
K1, K2 = "Library, Main St", "+Mobile kiosk"


def session(sid, event, venue, started):
    return {"id": sid, "event": event, "venue": venue, "started_utc": started, "ended_utc": None}


LEITH_A = session("00000000-0000-4000-8000-00000000000a", "Park plan", "Leith Library", "2026-11-22T09:30:00Z")
LEITH_B = session("00000000-0000-4000-8000-00000000000b", "Bus routes", "Leith Library", "2026-11-20T14:00:00Z")
GORGIE = session("00000000-0000-4000-8000-00000000000c", "-Budget 2027", "Gorgie Hall", "2026-11-21T10:00:00Z")
PORTO = session("00000000-0000-4000-8000-00000000000d", "Park plan", "Portobello Café", "2026-11-22T11:00:00Z")

PERSONAL = ["Ask for Jo Bloggs at jo@example.org", "I met John Smith at the desk"]
# What a shareable export holds back (results::needs_review): the personal texts, a web address, an @handle.
HELD_TEXTS = PERSONAL + ['=HYPERLINK("http://x")', "@SUM(A1)"]


def build_records():
    """[(device, kiosk name, record)], records sealed as a kiosk would send them."""
    out = []

    def add(device, name, seq, minute, sess, answers, created=None, survey=("demo-community-voice", 1), lang="en"):
        uid = f"{seq:08x}-{'1' if device == D1 else '2'}111-4111-8111-{len(out):012x}"
        rec = hubtest.record(seq, uid=uid, answers=answers, session=sess, language=lang,
                             created_utc=created or f"{sess['started_utc'][:11]}{minute}Z",
                             survey_id=survey[0], survey_version=survey[1])
        out.append((device, name, rec))

    leith = [
        {"today": 4, "listened": "yes", "change": '=HYPERLINK("http://x")', "with_us": "agree",
         "matters": {"selected": ["housing", "other"], "other": "+1"}, "next_time": {"selected": ["bsl"]}},
        {"today": 1, "today_hard": "-2", "listened": "no", "change": "@SUM(A1)", "with_us": "disagree",
         "matters": {"selected": ["health"]}, "anything_else": "\tx"},
        {"today": 2, "today_hard": "<script>alert(1)</script>", "listened": "a_bit",
         "change": 'She said "hi", then left', "with_us": "unsure",
         "next_time": {"selected": ["step_free", "other"], "other": "A lift, please"}},
        {"today": 5, "listened": "yes", "change": "line one\nline two",
         "anything_else": "Za mało miejsc siedzących, źle oznakowane wejście"},
        {"today": 3, "listened": "not_sure", "change": "Потрібно більше перекладачів", "anything_else": "需要更多的座位"},
        {"today": 4, "listened": "yes", "change": PERSONAL[0], "anything_else": PERSONAL[1]},
    ]
    for i, a in enumerate(leith):
        add(D1, K1, i + 1, f"10:{i:02d}", LEITH_A, a, lang=["en", "en", "en", "pl", "uk", "en"][i])
    add(D1, K1, 7, "10:30", LEITH_A, {"colour": "green", "votes": 3, "note": "=1+1"}, survey=("pop-up-poll", 2))
    add(D1, K1, 8, "14:10", LEITH_B, {"today": 3, "listened": "yes", "change": "More buses"})
    add(D1, K1, 9, "14:11", LEITH_B, {"today": 4, "listened": "yes", "change": "a\r\nb"})
    for i in range(5):
        add(D2, K2, i + 1, f"10:{10 + i}", GORGIE,
            {"today": i + 1, "listened": "yes", "matters": {"selected": ["youth", "carers"]},
             "change": f"Gorgie idea {i + 1}"})
    for i in range(4):
        add(D2, K2, 6 + i, f"11:{10 + i}", PORTO, {"today": 2, "listened": "no", "change": f"Portobello secret {i}"})
    add(D2, K2, 10, None, None, {"today": 5, "listened": "yes"}, created="2026-11-19T08:00Z")
    return out


# ---- seeding through the real API -------------------------------------------------------------------
def seed(binary, db, workdir, recs, name):
    tokens = {}
    for device, kiosk in ((D1, K1), (D2, K2)):
        tokens[device] = hubtest.add_kiosk(binary, db, kiosk)["token"]
    with hubtest.Hub(binary, db, workdir, name=name) as hub:
        for device in (D1, D2):
            b = hubtest.batch(device, [r for d, _, r in recs if d == device])
            st, reply, text = hub.send_batch(tokens[device], b)
            check(st == 200, "seeding:", st, text[:500])
            hubtest.expect_reply(reply, b, ["stored"] * len(b["records"]))


# ---- what the export must hold ------------------------------------------------------------------------
def neutralise(cell):
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def raw_cells(device_name, rec, columns, shareable=False):
    """The cells of one response before neutralising: what the export must say."""
    s = rec["session"] or {}
    fixed = {"response_id": rec["uuid"], "kiosk": device_name, "venue": s.get("venue", ""),
             "event": s.get("event", ""), "session_started_utc": s.get("started_utc", ""),
             "created_utc": rec["created_utc"][:10] if shareable else rec["created_utc"],
             "language": rec["language"], "survey_id": rec["survey_id"], "survey_version": str(rec["survey_version"])}
    a = rec["answers"]
    out = []
    for col in columns:
        if col in fixed:
            out.append(fixed[col])
            continue
        q, _, opt = col.partition(":")
        v = a.get(q)
        if not opt:
            out.append("" if v is None else str(v))
        elif opt == "other":
            out.append(v.get("other", "") if isinstance(v, dict) else "")
        else:
            out.append(("1" if opt in v["selected"] else "0") if isinstance(v, dict) else "")
    if shareable:
        out = [HELD if c in HELD_TEXTS else c for c in out]
    return out


def run_export(binary, db, *args, rc=0):
    r = subprocess.run([binary, "export", "--db", db, *args], capture_output=True, timeout=120)
    check(r.returncode == rc, f"engage-hub export {' '.join(args)}: exit {r.returncode}, expected {rc}\n"
          f"stderr: {r.stderr.decode(errors='replace')}")
    return r.stdout, r.stderr.decode("utf-8", "replace")


def parse_csv(data, what):
    check(data.startswith(BOM), f"{what}: no UTF-8 BOM", data[:20])
    check(not data[3:].startswith(BOM), f"{what}: two BOMs")
    text = data[3:].decode("utf-8")
    check(text.endswith("\r\n"), f"{what}: the last line does not end in CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    # Every record separator is CRLF: outside quotes, no bare LF.
    outside = re.sub(r'"(?:[^"]|"")*"', "", text)
    check("\n" not in outside.replace("\r\n", ""), f"{what}: a line ends without CR")
    check(all(len(r) == len(rows[0]) for r in rows), f"{what}: ragged rows")
    return rows[0], rows[1:]


def check_csv_matches(header, rows, expected, what, shareable=False):
    """expected: [(kiosk name, record)] in export order."""
    check(len(rows) == len(expected), f"{what}: {len(rows)} rows, expected {len(expected)}",
          [r[0] for r in rows], [e[1]["uuid"] for e in expected])
    for row, (name, rec) in zip(rows, expected):
        want = [neutralise(c) for c in raw_cells(name, rec, header, shareable)]
        for col, got, w in zip(header, row, want):
            check(got == w, f"{what}: response {rec['uuid']} column {col}: {got!r}, expected {w!r}")
        for col, got in zip(header, row):
            check(not got[:1] in ("=", "+", "-", "@", "\t", "\r"), f"{what}: cell {col} starts a formula: {got!r}")


def order(recs):
    """The export order: created_utc, then the kiosk's own id, then seq."""
    return sorted(recs, key=lambda t: (t[2]["created_utc"], t[0], t[2]["seq"]))


def check_exports(binary, db, recs, workdir):
    everything = [(n, r) for _, n, r in order(recs)]
    sdir = ["--surveys", SURVEYS]

    # -- the whole CSV: header, every cell, neutralised cells, default format and survey folder ----------
    data, err = run_export(binary, db, *sdir)
    header, rows = parse_csv(data, "csv")
    check(header == FIXED + DEMO_COLUMNS + POLL_COLUMNS, "csv header", header)
    check_csv_matches(header, rows, everything, "csv")
    check("19 responses" in err, err)
    cells = {(r[0], c): v for r in rows for c, v in zip(header, r)}
    first = everything[0][1]["uuid"]
    leith1 = [r for _, _, r in recs if r["seq"] == 1 and r["session"] == LEITH_A][0]["uuid"]
    check(cells[(leith1, "change")] == "'=HYPERLINK(\"http://x\")", cells[(leith1, "change")])
    check(cells[(leith1, "matters:other")] == "'+1" and cells[(leith1, "matters:housing")] == "1" and
          cells[(leith1, "matters:health")] == "0" and cells[(leith1, "next_time:bsl")] == "1", "multi columns")
    check(cells[(first, "matters:housing")] == "", "an unanswered multi question has blank option columns")
    gorgie = [r[0] for r in rows if r[2] == "Gorgie Hall"]
    check(len(gorgie) == 5 and all(cells[(u, "event")] == "'-Budget 2027" for u in gorgie), "event neutralised")
    check(b'"She said ""hi"", then left"' in data, "RFC 4180 quote doubling")
    check('"line one\nline two"'.encode() in data, "a new line inside a quoted cell")
    check("<script>alert(1)</script>".encode() in data, "text is written as it is (CSV is not HTML)")
    for text in ("Za mało miejsc siedzących", "Потрібно більше перекладачів", "需要更多的座位", "Portobello Café"):
        check(text.encode() in data, "UTF-8 text", text)
    # The default survey folder (the bundled assets) gives the same.
    same, _ = run_export(binary, db)
    check(same == data, "the default --surveys differs from the bundled assets/surveys")
    # Without the survey files: columns from the answers in first-seen order, values the same.
    empty = os.path.join(workdir, "no-surveys")
    os.makedirs(empty, exist_ok=True)
    data2, _ = run_export(binary, db, "--surveys", empty)
    header2, rows2 = parse_csv(data2, "csv without surveys")
    used = {c for i, c in enumerate(header) if any(r[i] not in ("", "0") for r in rows)}
    check(set(header2) <= set(header) and used <= set(header2), "columns from the answers", header2)
    check("matters:green_spaces" not in header2, "an option nobody chose has no column without the survey file")
    check(header2[:len(FIXED) + 2] == FIXED + ["listened", "today"], "first seen: the first response's keys", header2)
    check_csv_matches(header2, rows2, everything, "csv without surveys")

    # -- --out FILE: the same bytes, nothing on stdout, no .part file left ------------------------------
    out = os.path.join(workdir, "all.csv")
    so, err = run_export(binary, db, *sdir, "--out", out)
    with open(out, "rb") as f:
        check(f.read() == data and so == b"" and not os.path.exists(out + ".part"), "--out", err)
    check(out in err, err)

    # -- filters -----------------------------------------------------------------------------------------
    def only(pred):
        return [(n, r) for n, r in everything if pred(r)]

    venue = lambda r: (r["session"] or {}).get("venue")  # noqa: E731
    cases = [
        (["--venue", "Portobello Café"], only(lambda r: venue(r) == "Portobello Café")),
        (["--venue", "Nowhere"], []),
        (["--since", "2026-11-21"], only(lambda r: r["created_utc"] >= "2026-11-21")),
        (["--until", "2026-11-20"], only(lambda r: r["created_utc"] < "2026-11-21")),
        (["--since", "2026-11-21", "--until", "2026-11-21"], only(lambda r: r["created_utc"][:10] == "2026-11-21")),
        (["--since", "2026-11-22T10:30Z"], only(lambda r: r["created_utc"] >= "2026-11-22T10:30Z")),
        (["--venue", "Leith Library", "--since", "2026-11-21"],
         only(lambda r: venue(r) == "Leith Library" and r["created_utc"] >= "2026-11-21")),
        (["--session", "Bus routes"], only(lambda r: (r["session"] or {}).get("event") == "Bus routes")),
        (["--survey", "pop-up-poll"], only(lambda r: r["survey_id"] == "pop-up-poll")),
        (["--survey-version", "1"], only(lambda r: r["survey_version"] == 1)),
    ]
    for args, want in cases:
        d, _ = run_export(binary, db, *sdir, *args)
        h, rs = parse_csv(d, f"csv {args}")
        if args[1] != "Nowhere":
            check(want, "a filter case that expects nothing tests nothing", args)
        check_csv_matches(h, rs, want, f"csv {args}")
    h, _ = parse_csv(run_export(binary, db, *sdir, "--survey", "pop-up-poll")[0], "poll")
    check(h == FIXED + POLL_COLUMNS, "one survey's columns only", h)
    h, rs = parse_csv(run_export(binary, db, *sdir, "--venue", "Nowhere")[0], "nothing")
    check(h == FIXED and rs == [], "an empty export is the header alone", h)

    # -- JSON ---------------------------------------------------------------------------------------------
    data, _ = run_export(binary, db, *sdir, "--format", "json")
    check(data.startswith(b"{"), "JSON: no BOM", data[:10])
    j = json.loads(data.decode("utf-8"))
    check(list(j) == ["exported_utc", "filters", "shareable", "min_count", "responses"], list(j))
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["exported_utc"]), j["exported_utc"])
    check(j["filters"] == {"venue": None, "since": None, "until": None, "survey_id": None, "survey_version": None,
                           "session": None} and j["shareable"] is False, j["filters"])
    check(len(j["responses"]) == len(everything), len(j["responses"]))
    for resp, (name, rec) in zip(j["responses"], everything):
        s = rec["session"] or {}
        check(resp["response_id"] == rec["uuid"] and resp["kiosk"] == name and resp["answers"] == rec["answers"] and
              resp["venue"] == s.get("venue") and resp["event"] == s.get("event") and
              resp["created_utc"] == rec["created_utc"] and resp["survey_version"] == rec["survey_version"],
              "JSON response", resp, rec)
    data, _ = run_export(binary, db, *sdir, "--format", "json", "--venue", "Gorgie Hall", "--since", "2026-11-21",
                         "--until", "2026-11-21")
    j = json.loads(data)
    check(j["filters"] == {"venue": "Gorgie Hall", "since": "2026-11-21", "until": "2026-11-21", "survey_id": None,
                           "survey_version": None, "session": None}, j["filters"])
    check(len(j["responses"]) == 5 and {r["venue"] for r in j["responses"]} == {"Gorgie Hall"}, j["responses"])

    # -- shareable: the small-number rule and held-back text ----------------------------------------------
    data, err = run_export(binary, db, *sdir, "--shareable")
    header, rows = parse_csv(data, "shareable csv")
    kept = [(n, r) for n, r in everything
            if venue(r) in ("Gorgie Hall", "Leith Library") and r["session"]["event"] != "Bus routes"]
    check(len(kept) == 12, len(kept))
    check_csv_matches(header, rows, kept, "shareable csv", shareable=True)
    check(b"Portobello" not in data and b"Bus routes" not in data and b"2026-11-19" not in data,
          "a small venue or session shows in a shareable export")
    check(re.search(r'left out venue "Portobello Café": fewer than 5 responses', err), err)
    check(re.search(r'left out venue "\(none\)": fewer than 5', err), err)
    check(re.search(r'left out session "Bus routes" at "Leith Library" started 2026-11-20T14:00:00Z: fewer than 5',
                    err), err)
    check("Gorgie" not in err, "a venue with exactly 5 responses is shown", err)
    check(not re.search(r"left out .*(\b[1-4] response|\([1-4]\))", err), "a note gives the small count", err)
    check(HELD.encode() in data and b"jo@example.org" not in data and b"John Smith" not in data, "held back")
    check("4 free-text answers held back" in err, err)
    check(HELD.encode() + b"," in data or HELD.encode() + b"\r\n" in data, "placeholder as a plain cell")
    # Hostile but not personal text stays (neutralised).
    check(b"'+1" in data and b"'-2" in data and b"<script>" in data and b"'\tx" in data, "non-personal text must stay")
    check(b"HYPERLINK" not in data and b"SUM(A1)" not in data, "a web address and an @handle are held back")
    data, err = run_export(binary, db, *sdir, "--shareable", "--min-count", "2")
    _, rows = parse_csv(data, "shareable min 2")
    check("--min-count 2 raised to 3" in err, err)
    check(len(rows) == 16 and b"Portobello secret" in data and b"Bus routes" not in data, len(rows))
    data, err = run_export(binary, db, *sdir, "--shareable", "--min-count", "10")
    _, rows = parse_csv(data, "shareable min 10")
    check(rows == [] and "Leith Library" in err and "fewer than 10" in err, err)
    data, err = run_export(binary, db, *sdir, "--shareable", "--venue", "Portobello Café")
    check(parse_csv(data, "shareable one small venue")[1] == [], "a venue with 4 responses shows its rows")
    data, _ = run_export(binary, db, *sdir, "--shareable", "--format", "json")
    j = json.loads(data)
    check(j["shareable"] is True and j["min_count"] == 5 and len(j["responses"]) == 12, j["min_count"])
    check(b"Portobello" not in data and b"jo@example.org" not in data, "shareable JSON")
    texts = [r["answers"].get("change") for r in j["responses"]]
    check(HELD in texts and 'She said "hi", then left' in texts and "@SUM(A1)" not in texts, texts)
    check(all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["created_utc"]) for r in j["responses"]), "shareable: the day only")

    # -- bad usage: exit 2, saying what and the expected form; the database: exit 1 ------------------------
    for args, words in ((["--since", "22/11/2026"], ["--since", "22/11/2026", "YYYY-MM-DD"]),
                        (["--since", "2026-02-30"], ["--since", "YYYY-MM-DD"]),
                        (["--until", "2026-11-22T10:00Z"], ["--until", "YYYY-MM-DD"]),
                        (["--since", "2026-11-23", "--until", "2026-11-22"], ["after"]),
                        (["--format", "xlsx"], ["--format", "csv or json"]),
                        (["--surveys", os.path.join(workdir, "nonexistent")], ["--surveys", "not a folder"])):
        _, err = run_export(binary, db, *args, rc=2)
        for w in words:
            check(w in err, args, w, err)
    return everything


def check_missing_db(binary, workdir):
    missing = os.path.join(workdir, "missing.sqlite")
    _, err = run_export(binary, missing, rc=1)
    check("no hub database" in err and not os.path.exists(missing), err)
    r = subprocess.run([binary, "export", "--help"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "Usage:" in r.stdout, r.stdout)
    for opt in ("--format", "--venue", "--since", "--until", "--shareable", "--min-count", "--out", "--surveys"):
        check(opt in r.stdout, opt, r.stdout)


def check_reviews(binary, db, recs, sqlite_db):
    """An organiser's decisions: an approved text shows in a shareable export, a hidden one never does."""
    by_text = {r["answers"].get("anything_else"): r["uuid"] for _, _, r in recs}
    by_change = {r["answers"].get("change"): r["uuid"] for _, _, r in recs}
    # Decisions are per (kiosk, record uuid, question): the kiosk comes from the record.
    sqlite_db.execute("INSERT INTO text_reviews(kiosk_id, record_uuid, question, decision, reviewer, decided_utc) "
                      "SELECT kiosk_id, uuid, 'anything_else', 'approved', 'ann', '2026-11-23T09:00:00Z' FROM records "
                      f"WHERE uuid = '{by_text[PERSONAL[1]]}' UNION ALL "
                      "SELECT kiosk_id, uuid, 'change', 'hidden', 'ann', '2026-11-23T09:01:00Z' FROM records "
                      f"WHERE uuid = '{by_change['Gorgie idea 3']}'")
    data, err = run_export(binary, db, "--surveys", SURVEYS, "--shareable")
    check(PERSONAL[1].encode() in data, "an approved text is shown", err)
    check(b"jo@example.org" not in data and b"Gorgie idea 3" not in data and b"Gorgie idea 2" in data,
          "a hidden text is held back")
    data, _ = run_export(binary, db, "--surveys", SURVEYS)
    check(b"Gorgie idea 3" in data and b"jo@example.org" in data, "a full export holds everything")


# ---- LibreOffice ---------------------------------------------------------------------------------------
def soffice():
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    check(exe, f"LibreOffice (soffice) is not installed: install the Debian package '{LO_PACKAGE}' "
               f"(apt-get install --no-install-recommends {LO_PACKAGE}); this test needs it")
    return exe


def lo_convert(csv_path, workdir):
    """Opens the CSV in LibreOffice Calc as a person would (comma, double quote, UTF-8, from line 1; formulas
    evaluated as LibreOffice does by default) and saves it as .xlsx. Returns the .xlsx path."""
    outdir = os.path.join(workdir, "lo-out")
    os.makedirs(outdir, exist_ok=True)
    profile = os.path.join(workdir, "lo-profile")
    cmd = [soffice(), "--headless", "--norestore", "--nologo", f"-env:UserInstallation=file://{profile}",
           "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", outdir, csv_path]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=dict(os.environ, HOME=workdir))
    xlsx = os.path.join(outdir, os.path.splitext(os.path.basename(csv_path))[0] + ".xlsx")
    check(r.returncode == 0 and os.path.exists(xlsx), f"LibreOffice could not convert {csv_path}:\n{r.stdout}\n{r.stderr}")
    return xlsx


NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_xlsx(path):
    """{(row, col): (kind, value, formula)} of the first sheet; kind 's' text, 'n' number, 'b', 'e', 'str'."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter("{%s}c" % NS["m"]):
        m = re.fullmatch(r"([A-Z]+)(\d+)", c.get("r"))
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        kind = c.get("t", "n")
        v = c.find("m:v", NS)
        f = c.find("m:f", NS)
        is_ = c.find("m:is", NS)
        value = v.text if v is not None else None
        if kind == "s":
            value = shared[int(value)]
        elif kind == "inlineStr" and is_ is not None:
            value = "".join(t.text or "" for t in is_.iter("{%s}t" % NS["m"]))
        cells[(int(m.group(2)) - 1, col - 1)] = (kind, value, f.text if f is not None else None)
    return cells


def lo_equal(written, kind, value):
    """Is what LibreOffice read the cell we wrote? Text must be equal (LibreOffice turns CR LF and CR inside a
    cell into LF); a number must be the number we wrote; a date serial the date we wrote."""
    if kind in ("s", "str", "inlineStr"):
        return value == written.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "n":
        if re.fullmatch(r"\d{4}-\d\d-\d\d", written):
            return (datetime.date(1899, 12, 30) + datetime.timedelta(days=float(value))).isoformat() == written
        m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d)(:\d\d)?Z", written)
        if m:  # a UTC time read as a date-time: equal to the second
            t = datetime.datetime(1899, 12, 30) + datetime.timedelta(days=float(value))
            return t.replace(microsecond=0) + datetime.timedelta(seconds=round(t.microsecond / 1e6)) == \
                datetime.datetime.fromisoformat(written[:-1])
        try:
            return float(written) == float(value)
        except ValueError:
            return False
    return False


def check_libreoffice(binary, db, workdir):
    data, _ = run_export(binary, db, "--surveys", SURVEYS)
    header, rows = parse_csv(data, "csv for LibreOffice")
    table = [header] + rows
    path = os.path.join(workdir, "export.csv")
    with open(path, "wb") as f:
        f.write(data)
    cells = read_xlsx(lo_convert(path, workdir))
    formulas = [(k, v) for k, v in cells.items() if v[2] is not None]
    check(not formulas, f"LibreOffice read formulas from the export: {formulas[:5]}")
    for (r, c), (kind, value, _) in cells.items():
        check(r < len(table) and c < len(header), f"LibreOffice found a cell outside the table at {r},{c}: {value!r}")
    compared = 0
    for r, row in enumerate(table):
        for c, written in enumerate(row):
            got = cells.get((r, c))
            if written == "":
                check(got is None or got[1] in (None, ""), f"row {r} column {header[c]}: empty written, read {got}")
                continue
            check(got is not None, f"row {r} column {header[c]}: LibreOffice read nothing, {written!r} written")
            check(lo_equal(written, got[0], got[1]),
                  f"row {r} column {header[c]}: LibreOffice read {got[1]!r} ({got[0]}), {written!r} written")
            compared += 1
    # The first header cell: the BOM is not part of it.
    check(cells[(0, 0)][1] == "response_id", "LibreOffice read the BOM into the first cell", cells[(0, 0)])
    for needle in ("'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'\tx", "Потрібно більше перекладачів", "需要更多的座位"):
        check(any(v[1] == needle for v in cells.values()), f"LibreOffice lost {needle!r}")

    # The control: the same table without neutralising makes LibreOffice read formulas, so the check above bites.
    raw = os.path.join(workdir, "raw.csv")
    with open(raw, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        for row in table:
            w.writerow([c[1:] if c[:2] in ("'=", "'+", "'-", "'@") else c for c in row])
    raw_cells_ = read_xlsx(lo_convert(raw, workdir))
    check(any(v[2] is not None for v in raw_cells_.values()),
          "control failed: LibreOffice read no formula from the un-neutralised CSV, so the check proves nothing")
    print(f"passed LibreOffice: {compared} cells read back equal, no formulas "
          f"({sum(v[2] is not None for v in raw_cells_.values())} formulas in the un-neutralised control)")


def main():
    binary, backend = sys.argv[1], sys.argv[2]
    recs = build_records()
    with tempfile.TemporaryDirectory(prefix="engage-hub-export-") as tmp:
        sqlite_path = os.path.join(tmp, "hub.sqlite")
        seed(binary, sqlite_path, tmp, recs, "seed-sqlite")
        if backend == "sqlite":
            soffice()  # fail early, naming the package
            check_missing_db(binary, tmp)
            check_exports(binary, sqlite_path, recs, tmp)
            print("passed CSV / JSON exports, filters, shareable small-number rule and held-back text (SQLite)")
            check_libreoffice(binary, sqlite_path, tmp)
            check_reviews(binary, sqlite_path, recs, hubtest.SqliteDb(sqlite_path))
            print("passed review decisions in shareable exports")
            return
        import pg_server
        with pg_server.PgServer() as pg:
            db = hubtest.PgDb(pg, "hub_export")
            seed(binary, db.spec, tmp, recs, "seed-pg")
            check_exports(binary, db.spec, recs, tmp)
            for args in ([], ["--format", "json"], ["--venue", "Leith Library"], ["--since", "2026-11-21"],
                         ["--shareable"], ["--shareable", "--format", "json"], ["--until", "2026-11-20"]):
                a, _ = run_export(binary, sqlite_path, "--surveys", SURVEYS, *args)
                b, _ = run_export(binary, db.spec, "--surveys", SURVEYS, *args)
                if "json" in args:
                    a, b = (json.loads(x) for x in (a, b))
                    for x in (a, b):
                        x.pop("exported_utc")
                        for r in x["responses"]:
                            r.pop("hub_kiosk_id")
                            r.pop("received_utc", None)
                check(a == b, f"export {args}: PostgreSQL and SQLite differ")
            print("passed the same exports on PostgreSQL, equal to SQLite's")


if __name__ == "__main__":
    hubtest.run(main)
