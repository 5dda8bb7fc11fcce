#!/usr/bin/python3
"""engage-hub survey add|list|show|retire: the survey library, with Engage JSON and XLSForm .xlsx files.
Usage: /usr/bin/python3 test_survey_library.py ENGAGE_HUB SCENARIO [sqlite|postgres]
(Debian's python3: the fixtures are made with python3-openpyxl.)

library:  versions (raise, same content again, changed content refused, lower refused), show, list, retire,
          a two-language XLSForm with groups and skip logic, and serve giving the dashboard the library's labels.
refused:  each XLSForm construct Engage does not offer, refused with its sheet and row, nothing stored.
broken:   hostile workbooks (corrupt, empty, zip bomb, missing sheets, shared string out of range, a DTD, formulas,
          dates, duplicate columns, 100,000 rows): a clear problem each, no crash, nothing stored."""
import io
import json
import os
import sys
import tempfile
import time
import zipfile

import hubtest
import pg_server
import test_dashboard
import xlsx_fixtures as fx

check = hubtest.check
PASSWORD = "correct horse battery"


def run(binary, *args, rc=0):
    return hubtest.cli(binary, *args, check_rc=rc)


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def survey_json(version=1, prompt="How was today?"):
    return json.dumps({"format": 1, "id": "drop-in", "version": version, "title": "Drop-in", "languages": ["en"],
                       "questions": [{"id": "today", "type": "smiley", "prompt": prompt, "required": True}]})


def library_rows(binary, db):
    return [(s["id"], s["version"], s["retired_utc"] is not None)
            for s in json.loads(run(binary, "survey", "list", "--db", db.spec, "--json").stdout)]


def scenario_library(binary, db, tmp):
    spec = db.spec
    # Engage JSON: add, same again, a changed file with the same version, a lower version, a raised one.
    v1 = write(tmp, "v1.json", survey_json(1))
    r = run(binary, "survey", "add", v1, "--db", spec)
    check("Added survey 'drop-in' version 1" in r.stdout, r.stdout)
    r = run(binary, "survey", "add", v1, "--db", spec)
    check("same content; nothing changed" in r.stdout, r.stdout)
    changed = write(tmp, "v1-changed.json", survey_json(1, "How was it?"))
    r = run(binary, "survey", "add", changed, "--db", spec, rc=1)
    check("already in the library with different content; raise the version" in r.stderr, r.stderr)
    run(binary, "survey", "add", write(tmp, "v3.json", survey_json(3, "Three")), "--db", spec)
    r = run(binary, "survey", "add", write(tmp, "v2.json", survey_json(2, "Two")), "--db", spec, rc=1)
    check("older than the library's version 3; a new upload must raise the version" in r.stderr, r.stderr)
    check(library_rows(binary, db) == [("drop-in", 1, False), ("drop-in", 3, False)], library_rows(binary, db))
    shown = json.loads(run(binary, "survey", "show", "drop-in", "--db", spec).stdout)
    check(shown["version"] == 3 and shown["questions"][0]["prompt"] == "Three", shown)
    shown = json.loads(run(binary, "survey", "show", "drop-in", "--version", "1", "--db", spec).stdout)
    check(shown["questions"][0]["prompt"] == "How was today?", shown)
    r = run(binary, "survey", "show", "drop-in", "--version", "2", "--db", spec, rc=1)
    check("no survey 'drop-in' version 2" in r.stderr, r.stderr)
    r = run(binary, "survey", "show", "nope", "--db", spec, rc=1)
    check("no survey 'nope'" in r.stderr, r.stderr)

    # A bad JSON survey: every problem as WHERE: WHAT, exit 1, nothing stored.
    bad = json.loads(survey_json(9))
    bad["questions"][0]["type"] = "slider"
    bad["questions"].append({"id": "today", "type": "text", "prompt": ""})
    r = run(binary, "survey", "add", write(tmp, "bad.json", json.dumps(bad)), "--db", spec, rc=1)
    check("questions[0].type: unknown question type 'slider'" in r.stderr and "questions[1].prompt: must not be empty"
          in r.stderr and "nothing stored" in r.stderr, r.stderr)
    check(len(stored(db)) == 2, "a bad survey was stored")

    # The two-language XLSForm with groups and skip logic.
    xl = write(tmp, "Library Drop-in.xlsx", fx.engagement_form())
    r = run(binary, "survey", "add", xl, "--db", spec)
    check("Added survey 'library-drop-in' version 3 (8 questions; languages en, gd)" in r.stdout, r.stdout)
    s = json.loads(run(binary, "survey", "show", "library-drop-in", "--db", spec).stdout)
    check(s["languages"] == ["en", "gd"] and s["title"] == "Have your say", s["languages"], s["title"])
    q = {x["id"]: x for x in s["questions"]}
    check(list(q) == ["today", "why", "listened", "why_not", "better", "fair", "recommend", "detractor"], list(q))
    check(q["today"]["type"] == "smiley" and q["today"]["required"] is True, q["today"])
    check(q["today"]["prompt"] == {"en": "How was today?", "gd": "Ciamar a bha an-diugh?"}, q["today"]["prompt"])
    check(q["why"]["help"] == "A few words", q["why"])
    check(q["why"]["show_if"] == {"any": [{"question": "today", "is": ["1"]}, {"question": "today", "is": ["2"]}]},
          q["why"]["show_if"])
    check(q["listened"]["type"] == "choice" and [o["id"] for o in q["listened"]["options"]] == ["yes", "no"], q["listened"])
    check(q["why_not"]["type"] == "multi" and q["why_not"]["show_if"] == {"question": "listened", "is": ["no"]},
          q["why_not"])
    check(q["better"]["show_if"] == {"all": [{"question": "listened", "is": ["no"]},
                                             {"not": {"question": "why_not", "is": ["time"]}}]}, q["better"])
    check(q["fair"]["type"] == "agree" and q["recommend"]["type"] == "scale", q["fair"], q["recommend"])
    check(q["detractor"]["show_if"] == {"all": [{"question": "recommend", "at_most": 6},
                                                {"any": [{"not": {"question": "fair", "is": ["agree"]}},
                                                         {"question": "today", "at_most": 2}]}]},
          q["detractor"]["show_if"])

    # No settings sheet: the id from the file name, version 1, the title from the id.
    plain = write(tmp, "Youth Forum 2027.xlsx", fx.workbook(
        [["Type", "NAME", "Label"], ["text", "idea", "Your idea?"]]))
    run(binary, "survey", "add", plain, "--db", spec)
    s = json.loads(run(binary, "survey", "show", "youth-forum-2027", "--db", spec).stdout)
    check(s["version"] == 1 and s["title"] == "youth-forum-2027" and s["languages"] == ["en"], s)

    # Other with free text on a single choice, in both spellings.
    other = write(tmp, "Other.xlsx", fx.workbook(
        [["type", "name", "label"], ["select_one ab or_other", "how", "How did you hear?"],
         ["select one from ab or specify other", "where", "Where?"]],
        [["list_name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"]]))
    run(binary, "survey", "add", other, "--db", spec)
    s = json.loads(run(binary, "survey", "show", "other", "--db", spec).stdout)
    check([(x["type"], x.get("allow_other")) for x in s["questions"]] == [("choice", True), ("choice", True)], s)

    # Retire: every version; list says so; a higher version brings it back.
    r = run(binary, "survey", "retire", "drop-in", "--db", spec)
    check("Retired survey 'drop-in'" in r.stdout, r.stdout)
    r = run(binary, "survey", "retire", "drop-in", "--db", spec)
    check("already retired" in r.stdout, r.stdout)
    check([x for x in library_rows(binary, db) if x[0] == "drop-in"] == [("drop-in", 1, True), ("drop-in", 3, True)],
          library_rows(binary, db))
    run(binary, "survey", "retire", "nope", "--db", spec, rc=1)
    run(binary, "survey", "add", write(tmp, "v4.json", survey_json(4)), "--db", spec)
    check(not any(x[2] for x in library_rows(binary, db) if x[0] == "drop-in"), library_rows(binary, db))
    text = run(binary, "survey", "list", "--db", spec).stdout
    check("library-drop-in" in text and "Have your say" in text, text)

    # serve: the dashboard gets the library's surveys (no --surveys): its questions page has the XLSForm's title
    # and prompts for responses to it. The temporary copy it read them from is gone.
    k = hubtest.add_kiosk(binary, spec, "Library")
    device = hubtest.new_kiosk_id()
    recs = [hubtest.record(i + 1, survey_id="library-drop-in", survey_version=3,
                           answers={"today": 4, "listened": "yes", "fair": "agree", "recommend": 9})
            for i in range(6)]
    test_dashboard.cli(binary, "user", "add", "Organiser", "--db", spec, "--password-stdin", input_text=PASSWORD + "\n")
    with hubtest.Hub(binary, spec, tmp) as hub:
        check("survey library not read" not in hub.log(), hub.log())
        st, _, text = hub.send_batch(k["token"], hubtest.batch(device, recs))
        check(st == 200, st, text)
        browser = test_dashboard.Browser(hub)
        st, _, _ = browser.login("Organiser", PASSWORD)
        check(st == 303, "login", st)
        st, _, page = browser.get("/dashboard/questions?survey=library-drop-in&version=3")
        check(st == 200 and "<h2>Have your say</h2>" in page and "Did you feel listened to?" in page and
              "the hub has no copy" not in page, st, page[:3000])
    left = [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("engage-hub-surveys-")]
    check(not left or all(time.time() - os.path.getmtime(os.path.join(tempfile.gettempdir(), n)) > 60 for n in left),
          "serve left its survey folder behind", left)
    print("passed survey library on", "PostgreSQL" if spec.startswith("postgres") else "SQLite")


def stored(db):
    return db.rows("SELECT survey_id, version, content_hash FROM surveys ORDER BY survey_id, version")


def expect_refused(binary, db, tmp, name, data, *wanted):
    before = stored(db)
    r = run(binary, "survey", "add", write(tmp, name, data), "--db", db.spec, rc=1)
    for w in wanted:
        check(w in r.stderr, f"{name}: expected {w!r} in", r.stderr)
    check("nothing stored" in r.stderr, name, r.stderr)
    check(stored(db) == before, f"{name}: something was stored")
    return r.stderr


def scenario_refused(binary, db, tmp):
    hubtest.add_kiosk(binary, db.spec, "Library")  # makes the database
    head = ["type", "name", "label", "relevant", "constraint", "parameters"]
    refused = [
        ("begin repeat", "repeats are not supported"),
        ("calculate", "calculations are not supported"),
        ("geopoint", "locations are not recorded"),
        ("image", "photos, sound, files and barcodes are not taken"),
        ("integer", "number answers are not supported; use range"),
        ("decimal", "number answers are not supported"),
        ("date", "dates and times are not asked"),
        ("select_one_from_file places.csv", "external choices are not supported"),
        ("start", "metadata is not collected"),
        ("rank ab", "ranking is not supported"),
    ]
    # All in one workbook: every problem is reported, each with its own row.
    choices = [["list_name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"]]
    rows = [head, ["text", "first", "First?"]] + [[t, f"q{i}", "Refused?"] for i, (t, _) in enumerate(refused)]
    expect_refused(binary, db, tmp, "refused.xlsx", fx.workbook(rows, choices),
                   *[f"survey row {i + 3}: type '{t}' is not supported: {what}" for i, (t, what) in enumerate(refused)])
    cases = [
        ("constraint", [head, ["text", "a", "A?", None, ". != ''"]], "survey!E2: 'constraint' is not supported"),
        ("choice_filter", [["type", "name", "label", "choice_filter"], ["select_one ab", "a", "A?", "x = 1"]],
         "survey!D2: 'choice_filter' is not supported by Engage (use skip logic: relevant)"),
        ("range", [head, ["range", "r", "R?", None, None, "start=1 end=5"]],
         "survey!F2: range must have parameters start=0 end=10 step=1"),
        ("list", [head, ["select_one nolist", "a", "A?"]], "survey row 2: no choices with list_name 'nolist'"),
        ("relevant", [head, ["select_one ab", "a", "A?"], ["text", "b", "B?", "${a} = 'a' + 1"]],
         "survey!D3: relevant '${a} = 'a' + 1': unexpected '+'"),
        ("relevant-later", [head, ["text", "b", "B?", "${a} = 'a'"], ["select_one ab", "a", "A?"]],
         "survey!D2: relevant '${a} = 'a'': ${a} is not an earlier question"),
        ("relevant-text", [head, ["text", "a", "A?"], ["text", "b", "B?", "${a} = 'x'"]],
         "${a} is a text question"),
        ("relevant-option", [head, ["select_one ab", "a", "A?"], ["text", "b", "B?", "${a} = 'c'"]],
         "survey row 3: questions[1].show_if.is[0]: 'c' is not an option of 'a'"),
        ("group", [head, ["begin group", "g", "G"], ["text", "a", "A?"]], "survey row 2: 'begin group' without an 'end group'"),
        ("end-group", [head, ["text", "a", "A?"], ["end group"]], "survey row 3: 'end group' without a 'begin group'"),
        ("no-label", [head, ["text", "a"]], "survey row 2: the question has no label"),
        ("smiley", [["type", "name", "label", "appearance"], ["select_one ab", "a", "A?", "smiley"]],
         "survey!D2: a smiley question needs exactly 5 choices"),
        ("required", [["type", "name", "label", "required"], ["text", "a", "A?", "maybe"]],
         "survey!D2: required must be yes or no"),
        ("bad-name", [head, ["text", "a b", "A?"]], "survey row 2: questions[0].id: 'a b' is not a valid id"),
        ("dup-name", [head, ["text", "a", "A?"], ["text", "a", "B?"]], "survey row 3: questions[1].id: duplicate question id"),
    ]
    for name, rows, wanted in cases:
        expect_refused(binary, db, tmp, name + ".xlsx", fx.workbook(rows, choices), wanted)
    expect_refused(binary, db, tmp, "version.xlsx",
                         fx.workbook([head, ["text", "a", "A?"]], None, [["form_id", "version"], ["x", "v2"]]),
                         "settings!B2: version must be a whole number")
    check(stored(db) == [], "nothing at all was stored", stored(db))
    print("passed XLSForm refusals:", len(refused) + len(cases) + 1, "cases")


def scenario_broken(binary, db, tmp):
    hubtest.add_kiosk(binary, db.spec, "Library")  # makes the database
    ok = fx.workbook([["type", "name", "label"], ["text", "a", "Your idea?"]])
    at = ok.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml") + 10  # in its packed data
    expect_refused(binary, db, tmp, "corrupt.xlsx", ok[:at] + bytes(b ^ 0x5A for b in ok[at:at + 40]) + ok[at + 40:],
                   "(file): xl/worksheets/sheet1.xml in the workbook")
    expect_refused(binary, db, tmp, "truncated.xlsx", ok[: len(ok) // 2], "(file): not an .xlsx workbook")
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    expect_refused(binary, db, tmp, "empty-zip.xlsx", empty.getvalue(), "(file): not an .xlsx workbook (the zip file is empty)")
    expect_refused(binary, db, tmp, "empty.xlsx", b"", "(file): empty file")
    expect_refused(binary, db, tmp, "text.xlsx", b"hello, this is not a workbook\n", "(file): not an .xlsx workbook")

    # A zip bomb: 80 MiB of spaces in the sheet, about 80 KiB packed.
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ok)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w") as f:
                    f.write(data[:-len(b"</worksheet>")])
                    chunk = b" " * (1 << 20)
                    for _ in range(80):
                        f.write(chunk)
                    f.write(b"</worksheet>")
            else:
                dst.writestr(item.filename, data)
    check(len(bomb.getvalue()) < 1 << 20, "the bomb is small", len(bomb.getvalue()))
    t = time.monotonic()
    expect_refused(binary, db, tmp, "bomb.xlsx", bomb.getvalue(), "unpacks to more than 64 MiB")
    check(time.monotonic() - t < 10, "the bomb took", time.monotonic() - t)

    # Sheets: none called survey; a sheet listed but its data missing.
    expect_refused(binary, db, tmp, "no-survey.xlsx",
                   fx.rewrite(ok, "xl/workbook.xml", lambda s: s.replace('name="survey"', 'name="questions"')),
                   "(file): no 'survey' sheet (the workbook has 'questions')")
    missing = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ok)) as src, zipfile.ZipFile(missing, "w") as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item.filename, src.read(item.filename))
    expect_refused(binary, db, tmp, "missing-sheet.xlsx", missing.getvalue(), "sheet 'survey' is listed in the workbook but its data is missing")
    expect_refused(binary, db, tmp, "bad-workbook-xml.xlsx",
                   fx.rewrite(ok, "xl/workbook.xml", lambda s: s.replace("<sheets>", "<sheets><bad>")),
                   "xl/workbook.xml in the workbook is not well-formed XML")

    # Shared strings (as Excel writes them) read; one out of range or negative refused; inline strings read.
    sheet = "xl/worksheets/sheet1.xml"
    shared = fx.shared_strings(ok)
    check(b'<c r="C2" t="s"><v>5</v></c>' in zipfile.ZipFile(io.BytesIO(shared)).read(sheet), "shared-strings fixture")
    run(binary, "survey", "add", write(tmp, "shared.xlsx", shared), "--db", db.spec)
    s = json.loads(run(binary, "survey", "show", "shared", "--db", db.spec).stdout)
    check(s["questions"][0]["prompt"] == "Your idea?", s)
    oor = fx.rewrite(shared, sheet, lambda s: s.replace('t="s"><v>5</v>', 't="s"><v>999999</v>', 1))
    expect_refused(binary, db, tmp, "shared-oor.xlsx", oor, "survey!C2: refers to text number 999999, but the workbook has only 6")
    neg = fx.rewrite(shared, sheet, lambda s: s.replace('t="s"><v>5</v>', 't="s"><v>-1</v>', 1))
    expect_refused(binary, db, tmp, "shared-neg.xlsx", neg, "survey!C2: refers to text number -1")
    inline = fx.rewrite(ok, sheet, lambda s: s.replace('<is><t>Your idea?</t></is>',
                                                       '<is><r><t>Your </t></r><r><t>inline idea?</t></r></is>'))
    check(inline != ok, "the inline fixture changed the sheet")
    run(binary, "survey", "add", write(tmp, "inline.xlsx", inline), "--db", db.spec)
    s = json.loads(run(binary, "survey", "show", "inline", "--db", db.spec).stdout)
    check(s["questions"][0]["prompt"] == "Your inline idea?", s)
    dtd = fx.rewrite(ok, sheet, lambda s: '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' +
                     s.replace("Your idea?", "&b;"))
    expect_refused(binary, db, tmp, "dtd.xlsx", dtd, "has a DTD")
    formula = fx.workbook([["type", "name", "label"], ["text", "a", "=CONCAT(\"a\",\"b\")"]])
    expect_refused(binary, db, tmp, "formula.xlsx", formula, "survey!C2: a formula (=CONCAT")
    import datetime
    dated = fx.workbook([["type", "name", "label"], ["text", "a", datetime.date(2027, 1, 5)]])
    r = run(binary, "survey", "add", write(tmp, "dated.xlsx", dated), "--db", db.spec, rc=None)
    check(r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr)  # a date is a number with a style
    err = fx.workbook([["type", "name", "label"], ["text", "a", "A"]])
    err = fx.rewrite(err, sheet, lambda s: s.replace('<c r="C2" t="inlineStr"><is><t>A</t></is></c>',
                                                     '<c r="C2" t="e"><v>#REF!</v></c>'))
    expect_refused(binary, db, tmp, "error.xlsx", err, "survey!C2: an error value (#REF!)")
    iso = fx.rewrite(ok, sheet, lambda s: s.replace('<c r="C2" t="inlineStr"><is><t>Your idea?</t></is></c>',
                                                    '<c r="C2" t="d"><v>2027-01-05</v></c>'))
    expect_refused(binary, db, tmp, "iso-date.xlsx", iso, "survey!C2: a date, where text belongs")
    numbers = fx.workbook([["type", "name", "label"], ["select_one n", "a", 42]],
                          [["list_name", "name", "label"], ["n", 1, 1.5], ["n", 2, 2]])
    run(binary, "survey", "add", write(tmp, "numbers.xlsx", numbers), "--db", db.spec)
    s = json.loads(run(binary, "survey", "show", "numbers", "--db", db.spec).stdout)
    check(s["questions"][0]["prompt"] == "42" and [o["id"] for o in s["questions"][0]["options"]] == ["1", "2"] and
          s["questions"][0]["options"][0]["label"] == "1.5", s["questions"][0])
    dup = fx.workbook([["type", "name", "label", "Label"], ["text", "a", "A?", "B?"]])
    expect_refused(binary, db, tmp, "dup-columns.xlsx", dup, "survey!D1: column 'Label' appears twice (also survey!C1)")
    dup2 = fx.workbook([["type", "name", "label", "label::English (en)"], ["text", "a", "A?", "B?"]])
    expect_refused(binary, db, tmp, "dup-default.xlsx", dup2, "both 'label' and 'label::en' give the default language")

    # 100,000 rows: refused quickly, naming the row where it stopped.
    wb = fx.openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("survey")
    ws.append(["type", "name", "label"])
    for i in range(100000):
        ws.append(["text", f"q{i}", f"Question {i}?"])
    big = io.BytesIO()
    wb.save(big)
    t = time.monotonic()
    expect_refused(binary, db, tmp, "rows.xlsx", big.getvalue(), "more than 10000 filled rows")
    took = time.monotonic() - t
    check(took < 10, "100,000 rows took", took)
    # Wide rows: 520,000 filled cells (no cell references, so the columns just count on) refused.
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 13000
    wide = fx.rewrite(ok, sheet, lambda s: s.replace("</sheetData>", "".join(
        f'<row r="{r}">{cells}</row>' for r in range(3, 43)) + "</sheetData>"))
    expect_refused(binary, db, tmp, "wide.xlsx", wide, "more than 500000 filled cells on the sheet")
    print(f"passed broken workbooks (100,000 rows refused in {took:.1f} s)")


def main():
    binary, scenario = sys.argv[1], sys.argv[2]
    backend = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
    with tempfile.TemporaryDirectory(prefix="engage-survey-lib-") as tmp:
        if backend == "postgres":
            pg_server.require()
            with pg_server.PgServer() as pg:
                globals()[f"scenario_{scenario}"](binary, hubtest.PgDb(pg, "lib_" + scenario), tmp)
        else:
            globals()[f"scenario_{scenario}"](binary, hubtest.SqliteDb(os.path.join(tmp, "hub.sqlite")), tmp)


if __name__ == "__main__":
    hubtest.run(main)
