#!/usr/bin/env python3
"""The fleet (issue 11 item 5) and the dashboard's survey upload (item 1), against the real engage-hub and the real
engage-kiosk.

fleet: three kiosks sync with `engage-kiosk sync` (each pass ends with POST /v1/status); `engage-hub status --json`
and the dashboard's Kiosks page then show per kiosk its name, venue, last heard, app version, live survey, waiting,
gaps, conflicts, low disk, clock skew and the stale flag (--stale-days). Hostile status bodies are refused with
the field named and the stored report left as it was. On SQLite the Kiosks and Surveys pages are also opened in
headless Chromium (screenshots in ARTEFACTS).

upload: the Surveys page takes an Engage JSON survey or an XLSForm .xlsx (as `engage-hub survey add`): a good one is
added and listed; refused ones list every problem as WHERE: WHAT and store nothing; too large, empty, without the
CSRF token. A survey added by the CLI while the hub runs shows on the Questions page without a restart.

usage: test_fleet.py ENGAGE_HUB ENGAGE_KIOSK SCENARIO BACKEND [ARTEFACTS]
"""
import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import hubtest  # noqa: E402
from hubtest import check  # noqa: E402
import test_dashboard_upload  # noqa: E402
from test_dashboard import Browser, Chromium, PASSWORD, USER, check_escaped  # noqa: E402

HUB_BIN, KIOSK_BIN, SCENARIO, BACKEND = sys.argv[1:5]
ARTEFACTS = sys.argv[5] if len(sys.argv) > 5 else None
CUSTOM_SURVEY = {
    "format": 1, "id": "park-fleet", "version": 3, "title": {"en": "Park plan"}, "languages": ["en"],
    "questions": [{"id": "greenness", "type": "smiley", "prompt": {"en": "How green should the new park be?"}}],
}


def kiosk(*args, rc=0):
    r = subprocess.run([KIOSK_BIN, *args], capture_output=True, text=True, timeout=120)
    check(r.returncode == rc, "engage-kiosk", args, r.returncode, r.stdout, r.stderr)
    return r


def hub_cli(db, *args, rc=0):
    return hubtest.cli(HUB_BIN, *args, "--db", db, check_rc=rc)


def kiosk_db(data_dir, sql):
    con = sqlite3.connect(os.path.join(data_dir, "engage.sqlite"))
    try:
        with con:
            con.executescript(sql)
    finally:
        con.close()


def status(db, *extra):
    return {k["name"]: k for k in json.loads(hub_cli(db, "status", "--json", *extra).stdout)}


def utc(offset_s=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def report(kiosk_id, **over):
    r = {"protocol": 1, "kiosk_id": kiosk_id, "app_version": "9.9.9", "survey_id": "demo-community-voice",
         "survey_version": 1, "waiting": 0, "quarantined": 0, "disk_free_bytes": 10 << 30, "clock_utc": utc()}
    r.update(over)
    return r


def post_status(hub, token, body, raw=None, compress=False, headers=None):
    return hub.post("/v1/status", body, token=token, compress=compress, raw=raw, headers=headers)


# ---- fleet ----------------------------------------------------------------------------------------------------------
def sync_three(hub, db, tmp):
    """Three kiosks, each seeded and synced by the real engage-kiosk. Returns {name: (enrolment, data_dir)}."""
    url = f"http://127.0.0.1:{hub.port}"
    survey_file = os.path.join(tmp, "park.json")
    with open(survey_file, "w") as f:
        json.dump(CUSTOM_SURVEY, f)
    kiosks = {}
    for name, count in (("Leith <Library>", 6), ("Canal Hall", 5), ("Market", 4)):
        e = hubtest.add_kiosk(HUB_BIN, db, name)
        data = os.path.join(tmp, "k-" + e["id"][:8])
        kiosk("seed", "--data-dir", data, "--count", str(count))
        kiosks[name] = (e, data)
    # Leith: its responses at a venue; Canal Hall: response 3 lost before it was sent (a gap on the hub);
    # Market: runs the park survey (its config).
    leith, canal, market = (kiosks[n][1] for n in ("Leith <Library>", "Canal Hall", "Market"))
    kiosk_db(leith, "INSERT INTO sessions(id, event, venue, started_utc, ended_utc) VALUES"
                    " ('s1', 'Open day', 'Leith Library', '2026-11-22T09:30:00Z', '2026-11-22T12:00:00Z');"
                    " UPDATE responses SET session_id = 's1';")
    kiosk_db(canal, "DELETE FROM outbox WHERE seq = 3; DELETE FROM responses WHERE seq = 3;")
    market_cfg = os.path.join(tmp, "market.json")
    with open(market_cfg, "w") as f:
        json.dump({"survey": survey_file}, f)
    for name, (e, data) in kiosks.items():
        extra = ["--config", market_cfg] if name == "Market" else []
        kiosk("sync", "--data-dir", data, "--hub", url, "--token", e["token"], *extra)
    # A conflict: Market's response 2 changed on the kiosk after the hub acknowledged it, and sent again.
    kiosk_db(market, "UPDATE responses SET answers_json = '{\"changed\": 1}' WHERE seq = 2;"
                    " INSERT INTO outbox(seq) VALUES (2);")
    kiosk("sync", "--data-dir", market, "--hub", url, "--token", kiosks["Market"][0]["token"], "--config", market_cfg)
    return kiosks


def fleet_checks(hub, db, tmp, pg):
    kiosks = sync_three(hub, db, tmp)
    hubtest.add_kiosk(HUB_BIN, db, "Never Synced")
    st = status(db)
    check(set(st) == {"Leith <Library>", "Canal Hall", "Market", "Never Synced"}, st.keys())
    version = re.search(r"engage-kiosk (\S+)", kiosk("--version").stdout).group(1)
    for name, (e, data) in kiosks.items():
        k = st[name]
        rep = k["report"]
        check(rep is not None, name, "no status report stored", k)
        check(rep["app_version"] == version, name, rep)
        check(rep["waiting"] == 0 and rep["quarantined"] == 0, name, rep)
        check(rep["disk_free_bytes"] > 0, name, rep)
        check(abs(rep["clock_skew_s"]) <= 5, name, "skew between two clocks of one machine", rep)
        check(k["last_heard_utc"] is not None and k["last_heard_utc"] >= rep["received_utc"][:16], name, k)
        check(not k["stale"] and not k["clock_off"], name, k)
    check(st["Leith <Library>"]["venue"] == "Leith Library", st["Leith <Library>"])
    check(st["Leith <Library>"]["report"]["survey_id"] == "demo-community-voice", st["Leith <Library>"]["report"])
    check(st["Market"]["report"]["survey_id"] == "park-fleet" and st["Market"]["report"]["survey_version"] == 3,
          "Market's live survey (from its config)", st["Market"]["report"])
    check(st["Canal Hall"]["gaps"] == [[3, 3]] and st["Canal Hall"]["missing"] == 1, st["Canal Hall"])
    check(any("missing" in f for f in st["Canal Hall"]["flags"]), st["Canal Hall"]["flags"])
    check(st["Market"]["conflicts"] == 1, "Market's conflict", st["Market"])
    check(st["Never Synced"]["report"] is None and st["Never Synced"]["last_heard_utc"] is None, st["Never Synced"])
    check(not st["Never Synced"]["stale"], "enrolled just now: not stale yet", st["Never Synced"])

    # Hostile bodies: refused with the field named; nothing stored changes.
    e, data = kiosks["Canal Hall"]
    token, device = e["token"], st["Canal Hall"]["kiosk_id"]
    before = hubtest.SqliteDb(db).rows("SELECT * FROM kiosk_reports ORDER BY hub_kiosk") if not pg else \
        db_rows(pg, "SELECT * FROM kiosk_reports ORDER BY hub_kiosk")
    bad = [
        (None, b"not json", 400, "JSON object"),
        (None, b"[]", 400, "JSON object"),
        (None, b"", 400, "JSON object"),
        (None, b"{" * 5000, 413, "at most"),
        (None, json.dumps({"a": [[[[[1]]]]]}).encode(), 400, "nested"),
        (report(device, protocol=2), None, 400, "unsupported protocol 2"),
        (report(device, protocol="1"), None, 400, "protocol"),
        (report("x" * 36), None, 400, "kiosk_id"),
        (report(device, waiting=-1), None, 400, "waiting"),
        (report(device, waiting=1.5), None, 400, "waiting"),
        (report(device, waiting="3"), None, 400, "waiting"),
        (report(device, quarantined=2 ** 64), None, 400, "quarantined"),
        (report(device, disk_free_bytes=None), None, 400, "disk_free_bytes"),
        (report(device, clock_utc="2026-02-30T10:00:00Z"), None, 400, "clock_utc"),
        (report(device, clock_utc="yesterday"), None, 400, "clock_utc"),
        (report(device, clock_utc=12), None, 400, "clock_utc"),
        (report(device, survey_version=None), None, 400, "both set or both null"),
        (report(device, survey_version=0), None, 400, "survey_version"),
        (report(device, survey_id="x" * 129), None, 400, "survey_id"),
        (report(device, app_version="1.0\n<script>"), None, 400, "app_version"),
        (report(device, app_version=""), None, 400, "app_version"),
        ({k: v for k, v in report(device).items() if k != "waiting"}, None, 400, "waiting: missing"),
        (report(str(uuid.uuid4())), None, 403, "belongs to kiosk"),
    ]
    for body, raw, want, words in bad:
        code, parsed, text = post_status(hub, token, body, raw=raw)
        check(code == want and words in text, "status body", body if raw is None else raw[:40], code, text)
    # gzip bomb: 2 MiB of spaces in a few KiB
    code, _, text = post_status(hub, token, None, raw=gzip.compress(b" " * (2 << 20)), headers={"Content-Encoding": "gzip"})
    check(code == 413, "gzip bomb", code, text)
    code, _, _ = post_status(hub, None, report(device))
    check(code == 401, "no token", code)
    code, _, _ = post_status(hub, "not-a-token", report(device))
    check(code == 401, "unknown token", code)
    after = hubtest.SqliteDb(db).rows("SELECT * FROM kiosk_reports ORDER BY hub_kiosk") if not pg else \
        db_rows(pg, "SELECT * FROM kiosk_reports ORDER BY hub_kiosk")
    check(after == before, "a refused report changed what is stored", before, after)
    # Unknown fields are ignored; a kiosk with little disk and a clock 10 minutes fast is flagged.
    code, parsed, text = post_status(hub, token, report(device, disk_free_bytes=100 << 20, clock_utc=utc(630),
                                                        waiting=7, future_field={"x": 1}))
    check(code == 200 and parsed["ok"] is True and parsed["hub"] == "engage-hub", code, text)
    k = status(db)["Canal Hall"]
    check(k["low_disk"] and k["clock_off"] and 620 <= k["report"]["clock_skew_s"] <= 640, k)
    check(k["report"]["waiting"] == 7 and k["report"]["app_version"] == "9.9.9", k["report"])
    check(any("low disk" in f for f in k["flags"]) and any("ahead" in f for f in k["flags"]), k["flags"])
    # Not heard from for 5 days: stale at --stale-days 3 (the default), not at 10.
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5 * 86400))
    leith_id = kiosks["Leith <Library>"][0]["id"]
    sql = (f"UPDATE kiosks SET last_seen_utc = '{old}' WHERE id = '{leith_id}';"
           f" UPDATE kiosk_reports SET received_utc = '{old}' WHERE hub_kiosk = '{leith_id}';")
    for statement in sql.split(";")[:2]:
        if pg:
            pg.psql(pg_name, statement)
        else:
            hubtest.SqliteDb(db).execute(statement)
    check(status(db)["Leith <Library>"]["stale"], "5 days silent, --stale-days 3")
    check(not status(db, "--stale-days", "10")["Leith <Library>"]["stale"], "5 days silent, --stale-days 10")
    hub_cli(db, "status", "--stale-days", "0", rc=2)
    text = hub_cli(db, "status").stdout
    for words in ("Leith <Library>", "venue:                    Leith Library", "not heard from for over 3 days",
                  "live survey:              park-fleet version 3", "gaps:                     3",
                  "low disk: 100 MiB free", "clock 10 min ahead", "not paired yet: no batch received"):
        check(words in text, "status text lacks", words, text)

    # The Kiosks page (the hub was started with --stale-days 4).
    b = Browser(hub)
    b.login(USER, PASSWORD)
    code, _, page = b.get("/dashboard/kiosks")
    check(code == 200, code, page[:300])
    check_escaped(page, "kiosks page")
    for words in ("Leith &lt;Library&gt;", "Leith Library", "not heard from for over 4 days", "park-fleet v3",
                  "low disk: 100 MiB free", "clock 10 min ahead", "1 response missing (gaps in its sequence)", "1 conflict<",
                  "Never Synced", "not paired yet", 'href="/dashboard/kiosks" aria-current="page"'):
        check(words in page, "Kiosks page lacks", words, page)
    code, _, _ = Browser(hub).get("/dashboard/kiosks")
    check(code == 303, "the Kiosks page without a login", code)
    return kiosks


pg_name = "fleet"


def db_rows(pg, sql):
    return pg.query(pg_name, sql)


def scenario_fleet():
    with tempfile.TemporaryDirectory(prefix="engage-fleet-") as tmp:
        if BACKEND == "postgres":
            import pg_server
            with pg_server.PgServer() as pg:
                db = pg.create_database(pg_name)
                add_user(db)
                with hubtest.Hub(HUB_BIN, db, tmp, extra=["--stale-days", "4"], name="fleet-pg") as hub:
                    fleet_checks(hub, db, tmp, pg)
        else:
            db = os.path.join(tmp, "hub.sqlite")
            add_user(db)
            with hubtest.Hub(HUB_BIN, db, tmp, extra=["--stale-days", "4"], name="fleet") as hub:
                fleet_checks(hub, db, tmp, None)
                if ARTEFACTS:
                    chromium_checks(hub, tmp)
    print(f"passed fleet ({BACKEND})")


def add_user(db):
    r = subprocess.run([HUB_BIN, "user", "add", USER, "--db", db, "--password-stdin"], input=PASSWORD + "\n",
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, r.stdout, r.stderr)


def chromium_checks(hub, tmp):
    os.makedirs(ARTEFACTS, exist_ok=True)
    base = f"http://127.0.0.1:{hub.port}"
    chrome = Chromium(tmp)
    try:
        chrome.goto(base + "/login")
        chrome.js(f"document.getElementById('name').value = {json.dumps(USER)};"
                  f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
                  "document.querySelector('form[action=\"/login\"] button[type=submit]').click(); true")
        chrome.wait_load()
        for width, height, scale, suffix in ((1366, 900, 1, ""), (390, 844, 1, "-phone"), (683, 900, 2, "-zoom200")):
            chrome.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale,
                        mobile=False)
            for name in ("kiosks", "surveys"):
                chrome.goto(base + "/dashboard/" + name)
                check(chrome.js("location.pathname") == "/dashboard/" + name, name, chrome.js("location.href"))
                check(chrome.js("document.querySelectorAll('script, img, iframe').length") == 0, name)
                check(chrome.js("[...document.querySelectorAll('table')].every(t => t.querySelector('caption'))"),
                      name, "a table without a caption")
                sw, iw = chrome.js("[document.documentElement.scrollWidth, window.innerWidth]")
                check(sw <= iw + 1, name + suffix, f"the page scrolls sideways: {sw} > {iw}")
                if name == "kiosks":
                    rows = chrome.js("document.querySelectorAll('tbody tr').length")
                    check(rows == 4, "kiosk rows in the browser", rows)
                path = os.path.join(ARTEFACTS, f"{name}{suffix}.png")
                chrome.screenshot(path)
                check(os.path.getsize(path) > 5000, "screenshot too small:", path)
        check(not chrome.dialogs, "a JavaScript dialog opened:", chrome.dialogs)
    finally:
        chrome.close()


# ---- upload ---------------------------------------------------------------------------------------------------------
def upload(browser, name, data, csrf):
    return test_dashboard_upload.upload(browser, name, data, csrf, path="/dashboard/surveys", field="survey")


def xlsx_form(path):
    """A small XLSForm made by openpyxl when Debian's python3 runs this; else None."""
    try:
        import openpyxl
    except ImportError:
        return None
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one yn", "liked", "Did you like it?"])
    ws.append(["geopoint", "where", "Where are you?"])
    ws.append(["calculate", "calc", ""])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    ch.append(["yn", "yes", "Yes"])
    ch.append(["yn", "no", "No"])
    wb.save(path)
    with open(path, "rb") as f:
        return f.read()


def scenario_upload():
    with tempfile.TemporaryDirectory(prefix="engage-survey-upload-") as tmp:
        db = os.path.join(tmp, "hub.sqlite")
        add_user(db)
        held = lambda: hubtest.SqliteDb(db).rows("SELECT survey_id, version FROM surveys ORDER BY 1, 2")  # noqa: E731
        e = hubtest.add_kiosk(HUB_BIN, db, "Hall")
        data = os.path.join(tmp, "kiosk")
        survey_file = os.path.join(tmp, "park.json")
        with open(survey_file, "w") as f:
            json.dump(CUSTOM_SURVEY, f)
        kiosk("seed", "--data-dir", data, "--count", "8", "--survey", survey_file)
        with hubtest.Hub(HUB_BIN, db, tmp, name="upload") as hub:
            kiosk("sync", "--data-dir", data, "--hub", f"http://127.0.0.1:{hub.port}", "--token", e["token"])
            b = Browser(hub)
            b.login(USER, PASSWORD)
            prompt = "How green should the new park be?"
            code, _, page = b.get("/dashboard/questions")
            check(code == 200 and prompt not in page, "the prompt before the survey is in the library", code)
            # Added by the CLI while the hub runs: the Questions page shows its prompt without a restart.
            hub_cli(db, "survey", "add", survey_file)
            code, _, page = b.get("/dashboard/questions")
            check(code == 200 and prompt in page, "a survey added by the CLI does not show without a restart", page)

            code, _, page = b.get("/dashboard/surveys")
            check(code == 200 and 'enctype="multipart/form-data"' in page and "park-fleet" in page, code, page[:500])
            check('href="/dashboard/surveys"' in page, "no nav link to the Surveys page")
            csrf = b.csrf(page)
            good = dict(CUSTOM_SURVEY, id="harbour-walk", version=1, title={"en": "Harbour <b>walk</b>"})
            good_bytes = json.dumps(good).encode()
            # No CSRF token, a wrong one: refused, nothing stored.
            code, _ = upload(b, "harbour.json", good_bytes, None)
            check(code == 403 and len(held()) == 1, "upload without the CSRF token", code, held())
            code, _ = upload(b, "harbour.json", good_bytes, "x" * len(csrf))
            check(code == 403 and len(held()) == 1, "upload with a wrong CSRF token", code)
            code, _ = upload(Browser(hub), "harbour.json", good_bytes, csrf)
            check(code == 303 and len(held()) == 1, "upload without a login", code)
            # Refused: every problem as WHERE: WHAT, nothing stored.
            broken = dict(CUSTOM_SURVEY, id="broken", version=1,
                          questions=[{"id": "a", "type": "smiley", "prompt": {"en": "A"}, "colour": 5},
                                     {"id": "a", "type": "nonsense", "prompt": {"en": "B"}}])
            code, page = upload(b, "broken.json", json.dumps(broken).encode(), csrf)
            check(code == 422 and "broken.json was not added" in page and "Nothing was stored" in page, code, page)
            problems = re.findall(r"<li>([^<]*)</li>", page.split('class="problems"')[1].split("</ul>")[0])
            check(len(problems) >= 2 and all(re.match(r"questions\[\d\][^:]*: ", p) for p in problems[:2]),
                  "problems as WHERE: WHAT", problems)
            code, page = upload(b, "notes.json", b"{\"id\": ", csrf)
            check(code == 422 and "was not added" in page, code, page)
            code, page = upload(b, "same.json", json.dumps(dict(CUSTOM_SURVEY, title={"en": "Changed"})).encode(), csrf)
            check(code == 422 and "different content; raise the version (to 4 or more)" in page, code, page)
            code, page = upload(b, "old.json", json.dumps(dict(CUSTOM_SURVEY, version=2)).encode(), csrf)
            check(code == 422 and "a new upload must raise the version" in page, code, page)
            # Hostile files: not a zip though named .xlsx, a corrupt zip, empty, larger than the hub takes.
            code, page = upload(b, "fake.xlsx", b"PK\x03\x04" + os.urandom(2000), csrf)
            check(code == 422 and "was not added" in page, "a corrupt .xlsx", code, page[-800:])
            code, page = upload(b, "empty.json", b"", csrf)
            check(code == 422 and "is empty" in page, code, page)
            code, page = upload(b, "huge.json", b" " * (9 << 20), csrf)
            check(code == 413, "an upload over --max-body-mib", code)
            check(held() == [["park-fleet", "3"]], "refused uploads stored something", held())
            xlsx = xlsx_form(os.path.join(tmp, "form.xlsx"))
            if xlsx is not None:
                code, page = upload(b, "form.xlsx", xlsx, csrf)
                check(code == 422 and "survey row 3" in page and "survey row 4" in page, "refused XLSForm rows", page)
            # The good one: added, listed (escaped), and a second time: unchanged.
            code, page = upload(b, "harbour.json", good_bytes, csrf)
            check(code == 200 and "Added survey &#39;harbour-walk&#39; version 1" in page, code, page)
            check_escaped(page, "surveys page")
            check("Harbour &lt;b&gt;walk&lt;/b&gt;" in page, "the title in the library list", page)
            code, page = upload(b, "harbour.json", good_bytes, csrf)
            check(code == 200 and "same content; nothing changed" in page, code, page)
            check(held() == [["harbour-walk", "1"], ["park-fleet", "3"]], held())
            check(re.search(r"dashboard survey upload user=Organiser Ann file=harbour.json Added", hub.log()),
                  hub.log()[-2000:])
            publish_checks(b, hub, db, e)
    print("passed survey upload and publishing")


def publish_checks(b, hub, db, e):
    """Publishing from the Surveys page does what `engage-hub survey publish|unpublish` does."""
    pubs = lambda: hubtest.SqliteDb(db).rows(  # noqa: E731
        "SELECT survey_id, version, target, value FROM publications ORDER BY 1, 3, 4")
    code, _, page = b.get("/dashboard/surveys")
    csrf = b.csrf(page)
    check('action="/dashboard/surveys/publish"' in page and 'value="harbour-walk 1"' in page, page[-3000:])
    check(f'value="kiosk {e["id"]}"' in page and "Kiosk: Hall" in page, "the kiosk is a choice", page[-3000:])
    form = {"csrf": csrf, "survey": "harbour-walk 1", "to": "all"}
    code, _, _ = b.request("POST", "/dashboard/surveys/publish", dict(form, csrf="x" * len(csrf)))
    check(code == 403 and pubs() == [], "publish with a wrong CSRF token", code, pubs())
    code, _, _ = b.request("POST", "/dashboard/surveys/publish", {k: v for k, v in form.items() if k != "csrf"})
    check(code == 403 and pubs() == [], "publish without the CSRF token", code)
    code, _, _ = Browser(hub).request("POST", "/dashboard/surveys/publish", form)
    check(code == 303 and pubs() == [], "publish without a login", code)
    for bad, why in [({"to": "everywhere"}, "choose where to publish it"), ({"to": "kiosk "}, "choose where"),
                     ({"to": "kiosk nope-nope"}, "nothing changed"), ({"survey": "harbour-walk 9"}, "no survey"),
                     ({"survey": "harbour-walk x1"}, "not a number"), ({"survey": "<script> 1"}, "no survey"),
                     ({"survey": ""}, "choose a survey"), ({"to": "venue " + "v" * 5000}, "1 to 4096 bytes")]:
        code, _, page = b.request("POST", "/dashboard/surveys/publish", dict(form, **bad))
        check(code == 422 and why in page and "<script>" not in page, bad, code, page[-1500:])
    check(pubs() == [], "refused publications stored something", pubs())
    code, _, page = b.request("POST", "/dashboard/surveys/publish", form)
    check(code == 200 and "Published survey &#39;harbour-walk&#39; version 1 to every kiosk." in page, code, page[-2000:])
    code, _, page = b.request("POST", "/dashboard/surveys/publish", dict(form, survey="park-fleet 3", to=f"kiosk {e['id']}"))
    check(code == 200 and "to kiosk &quot;Hall&quot;" in page, code, page[-2000:])
    check(pubs() == [["harbour-walk", "1", "all", ""], ["park-fleet", "3", "kiosk", e["id"]]], pubs())
    # What the CLI sees, and the kiosk's list (GET /v1/surveys) has both.
    c = hub.connection()
    c.request("GET", "/v1/surveys", headers={"Authorization": "Bearer " + e["token"]})
    served = json.loads(c.getresponse().read())
    c.close()
    check(sorted(x["id"] for x in served["surveys"]) == ["harbour-walk", "park-fleet"], served)
    # Unpublish from the list's button.
    code, _, page = b.request("POST", "/dashboard/surveys/unpublish", {"csrf": csrf, "survey": "harbour-walk 1", "to": "all"})
    check(code == 200 and "Unpublished survey &#39;harbour-walk&#39; version 1 from every kiosk." in page, code, page[-2000:])
    check(pubs() == [["park-fleet", "3", "kiosk", e["id"]]], pubs())
    code, _, page = b.request("POST", "/dashboard/surveys/unpublish", {"csrf": csrf, "survey": "harbour-walk 1", "to": "all"})
    check(code == 200 and "nothing changed" in page, code)
    check(re.search(r"dashboard survey publish user=Organiser Ann survey=harbour-walk 1 to=all 1 changed", hub.log()),
          hub.log()[-2000:])


if __name__ == "__main__":
    hubtest.run({"fleet": scenario_fleet, "upload": scenario_upload}[SCENARIO])
