#!/usr/bin/env python3
"""Publishing surveys to kiosks: engage-hub survey publish|unpublish, GET /v1/surveys, and the real engage-kiosk
fetching them in `engage-kiosk sync` and listing them in `engage-kiosk surveys`.
Usage: test_publish.py ENGAGE_HUB ENGAGE_KIOSK SCENARIO [sqlite|postgres]

publish:  publish (--all, --kiosk, --venue, --version) -> sync -> `surveys` shows it; a second sync is a 304;
          GET /v1/surveys with no, a wrong and a revoked token; the ETag; unpublish (and what it says it removed)
          -> the kiosk drops it; bad selectors and unknown surveys, kiosks and versions refused.
pack:     engage-hub kiosk pack -> engage-kiosk load-pack on a kiosk that never connected (no key yet: the key file
          beside the pack) -> `surveys` shows it; a tampered pack (every part), a foreign one (another kiosk's),
          a bundle, an empty, a huge, a random file, a folder and a link: each refused with its reason, nothing
          changed on the kiosk.
hostile:  the kiosk against a small fake hub answering GET /v1/surveys with bad bodies (not JSON, too large, nested
          too deep, not the hub's, a survey the loader refuses, a path-like id, an id that is not the survey's):
          each refused with its problem, the survey held before kept, nothing written outside surveys/hub."""
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

import hubtest
import pg_server

check = hubtest.check
PICTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "media", "good.png")


def picture_survey(tmp):
    """A survey with a picture on a question, in its own folder with the PNG beside it (pictures/bus.png)."""
    folder = os.path.join(tmp, "pics-source")
    os.makedirs(os.path.join(folder, "pictures"), exist_ok=True)
    with open(PICTURE, "rb") as f, open(os.path.join(folder, "pictures", "bus.png"), "wb") as out:
        png = f.read()
        out.write(png)
    s = survey("pics", 1, title="Pictures")
    s["questions"][0]["image"] = {"file": "pictures/bus.png", "alt": "A bus"}
    return write(folder, "pics.json", s), png


def check_media(s, png):
    """`s` (a survey as JSON) carries the picture itself: base64 and its sha256."""
    import base64
    import hashlib
    m = s.get("media", {}).get("pictures/bus.png")
    check(m is not None and base64.b64decode(m["base64"]) == png and m["sha256"] == hashlib.sha256(png).hexdigest(),
          "the picture does not travel with the survey", str(s)[:500])


def survey(sid="drop-in", version=1, prompt="How was today?", title="Drop-in"):
    return {"format": 1, "id": sid, "version": version, "title": title, "languages": ["en"],
            "questions": [{"id": "today", "type": "smiley", "prompt": prompt, "required": True}]}


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(json.dumps(data) if not isinstance(data, str) else data)
    return path


def kiosk(binary, *args, rc=0):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)
    check(rc is None or r.returncode == rc, f"engage-kiosk {' '.join(args)}: exit {r.returncode}, expected {rc}\n"
          f"stdout: {r.stdout}\nstderr: {r.stderr}")
    check("runtime error:" not in r.stderr and "Sanitizer" not in r.stderr, r.stderr)
    return r


def held(kiosk_bin, data):
    """{(id, version): entry} of `engage-kiosk surveys --json`, hub ones only."""
    rows = json.loads(kiosk(kiosk_bin, "surveys", "--data-dir", data, "--json").stdout)
    return {(r["id"], r["version"]): r for r in rows if r["source"] == "hub"}


def new_kiosk_data(kiosk_bin, tmp, name):
    data = os.path.join(tmp, name)
    kiosk(kiosk_bin, "seed", "--data-dir", data, "--count", "3")
    return data


def scenario_publish(hub_bin, kiosk_bin, db, tmp):
    spec = db.spec
    a = hubtest.add_kiosk(hub_bin, spec, "Hall")
    b = hubtest.add_kiosk(hub_bin, spec, "Library")
    c = hubtest.add_kiosk(hub_bin, spec, "Gone")
    for v, prompt in ((1, "One"), (2, "Two")):
        hubtest.cli(hub_bin, "survey", "add", write(tmp, f"d{v}.json", survey(version=v, prompt=prompt)), "--db", spec)
    hubtest.cli(hub_bin, "survey", "add", write(tmp, "o.json", survey("only-b", 4, title="Only B")), "--db", spec)
    hubtest.cli(hub_bin, "survey", "add", write(tmp, "v.json", survey("at-leith", 1, title="Leith")), "--db", spec)

    # Bad usage and refusals: nothing published.
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--db", spec, check_rc=2)
    check("exactly one of --all, --kiosk K" in r.stderr, r.stderr)
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--all", "--venue", "X", "--db", spec, check_rc=2)
    check("exactly one of" in r.stderr, r.stderr)
    r = hubtest.cli(hub_bin, "survey", "publish", "nope", "--all", "--db", spec, check_rc=1)
    check("no survey 'nope'" in r.stderr, r.stderr)
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--version", "7", "--all", "--db", spec, check_rc=1)
    check("no survey 'drop-in' version 7" in r.stderr, r.stderr)
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--kiosk", "ffffffff", "--db", spec, check_rc=1)
    check("--kiosk ffffffff" in r.stderr and "nothing changed" in r.stderr, r.stderr)
    hubtest.cli(hub_bin, "kiosk", "revoke", c["id"], "--db", spec)
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--kiosk", c["id"], "--db", spec, check_rc=1)
    check("was revoked" in r.stderr, r.stderr)
    check(db.rows("SELECT COUNT(*) FROM publications") == [["0"]], "refusals published something")

    # Publish: every kiosk the highest version; one survey to B alone; one to a venue.
    r = hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--all", "--db", spec)
    check("Published survey 'drop-in' version 2 to every kiosk." in r.stdout, r.stdout)
    r = hubtest.cli(hub_bin, "survey", "publish", "only-b", "--kiosk", b["id"][:8], "--db", spec)
    check(f"to kiosk \"Library\" ({b['id'][:8]})" in r.stdout, r.stdout)
    hubtest.cli(hub_bin, "survey", "publish", "at-leith", "--venue", "Leith Library", "--db", spec)

    data_a = new_kiosk_data(kiosk_bin, tmp, "kiosk-a")
    with hubtest.Hub(hub_bin, spec, tmp) as hub:
        url = f"http://127.0.0.1:{hub.port}"
        sync = ["sync", "--data-dir", data_a, "--hub", url, "--token", a["token"]]
        r = kiosk(kiosk_bin, *sync)
        check("published surveys: new drop-in v2 (live from the next welcome screen)" in r.stdout, r.stdout)
        h = held(kiosk_bin, data_a)
        check(set(h) == {("drop-in", 2)}, h)
        check(h[("drop-in", 2)]["next"] and not h[("drop-in", 2)]["live"], h)
        check(h[("drop-in", 2)]["path"] == os.path.join(data_a, "surveys", "hub", "drop-in-v2.json"), h)
        with open(h[("drop-in", 2)]["path"]) as f:
            check(json.load(f)["questions"][0]["prompt"] == "Two", "the file is not version 2")
        text = kiosk(kiosk_bin, "surveys", "--data-dir", data_a).stdout
        check("drop-in" in text and "hub" in text and "next" in text and "bundled" in text, text)

        # Nothing new: one small request answered 304, nothing rewritten.
        before = os.stat(h[("drop-in", 2)]["path"]).st_mtime_ns
        r = kiosk(kiosk_bin, *sync)
        check("published surveys: unchanged" in r.stdout, r.stdout)
        check(hub.log().count("surveys=1 status=304") == 1, hub.log()[-2000:])
        check(os.stat(h[("drop-in", 2)]["path"]).st_mtime_ns == before, "rewritten")

        # The endpoint itself.
        status, headers, body = hub.request("GET", "/v1/surveys")
        check(status == 401 and b"no token" in body, status, body)
        status, _, body = hub.request("GET", "/v1/surveys", headers={"Authorization": "Bearer wrong"})
        check(status == 401 and b"unknown token" in body, status, body)
        status, _, body = hub.request("GET", "/v1/surveys", headers={"Authorization": f"Bearer {c['token']}"})
        check(status == 403 and b"revoked" in body, status, body)
        auth_b = {"Authorization": f"Bearer {b['token']}"}
        status, headers, body = hub.request("GET", "/v1/surveys", headers=auth_b)
        check(status == 200, status, body)
        got = json.loads(body)
        check(got["hub"] == "engage-hub" and got["protocol"] == 1, got)
        check([(s["id"], s["version"]) for s in got["surveys"]] == [("drop-in", 2), ("only-b", 4)], got)
        check(got["surveys"][1]["survey"] == survey("only-b", 4, title="Only B"), got["surveys"][1])
        etag = headers["etag"]
        check(etag.startswith('"') and etag.endswith('"') and not etag.startswith('W/'), etag)
        status, headers2, body = hub.request("GET", "/v1/surveys", headers={**auth_b, "If-None-Match": etag})
        check(status == 304 and body == b"" and headers2["etag"] == etag, status, body, headers2)
        status, _, _ = hub.request("GET", "/v1/surveys", headers={**auth_b, "If-None-Match": '"other"'})
        check(status == 200, status)
        # The venue of B's newest response held decides: once it was at Leith Library, B gets at-leith too.
        device_b = hubtest.new_kiosk_id()
        st, _, text = hub.send_batch(b["token"], hubtest.batch(device_b, [hubtest.record(1)]))
        check(st == 200, st, text)
        status, headers3, body = hub.request("GET", "/v1/surveys", headers={**auth_b, "If-None-Match": etag})
        check(status == 200 and headers3["etag"] != etag, status)
        check([s["id"] for s in json.loads(body)["surveys"]] == ["at-leith", "drop-in", "only-b"], body)

        # A pinned version for one kiosk wins over --all's lower one; unpublishing that one falls back.
        hubtest.cli(hub_bin, "survey", "add", write(tmp, "d3.json", survey(version=3, prompt="Three")), "--db", spec)
        hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--version", "3", "--kiosk", a["id"], "--db", spec)
        r = kiosk(kiosk_bin, *sync)
        check("new drop-in v3" in r.stdout and "removed drop-in v2" in r.stdout, r.stdout)
        check(set(held(kiosk_bin, data_a)) == {("drop-in", 3)}, held(kiosk_bin, data_a))

        # Unpublish says exactly what it removed; the kiosk drops what is no longer published.
        r = hubtest.cli(hub_bin, "survey", "unpublish", "drop-in", "--venue", "Nowhere", "--db", spec)
        check("was not published there; nothing changed" in r.stdout, r.stdout)
        r = hubtest.cli(hub_bin, "survey", "unpublish", "drop-in", "--all", "--db", spec)
        check("Unpublished survey 'drop-in' version 2 from every kiosk." in r.stdout and
              f"Unpublished survey 'drop-in' version 3 from kiosk \"Hall\" ({a['id'][:8]})." in r.stdout, r.stdout)
        check("stays in the library" in r.stdout, r.stdout)
        check(db.rows("SELECT survey_id FROM publications ORDER BY survey_id") == [["at-leith"], ["only-b"]],
              db.rows("SELECT * FROM publications"))
        r = kiosk(kiosk_bin, *sync)
        check("removed drop-in v3" in r.stdout, r.stdout)
        check(held(kiosk_bin, data_a) == {}, held(kiosk_bin, data_a))
        check(os.listdir(os.path.join(data_a, "surveys", "hub")) == [], os.listdir(os.path.join(data_a, "surveys", "hub")))
        # Retired surveys are not served.
        hubtest.cli(hub_bin, "survey", "retire", "only-b", "--db", spec)
        status, _, body = hub.request("GET", "/v1/surveys", headers=auth_b)
        check([s["id"] for s in json.loads(body)["surveys"]] == ["at-leith"], body)
        r = hubtest.cli(hub_bin, "survey", "publish", "only-b", "--all", "--db", spec, check_rc=1)
        check("was retired" in r.stderr, r.stderr)

        # Pictures travel with the survey: `survey add` reads them beside the file and stores them in the
        # definition; GET /v1/surveys carries them; the kiosk's copy is self-contained (a pack: scenario_pack).
        pics, png = picture_survey(tmp)
        os.rename(os.path.join(tmp, "pics-source", "pictures", "bus.png"), os.path.join(tmp, "bus.png"))
        r = hubtest.cli(hub_bin, "survey", "add", pics, "--db", spec, check_rc=1)
        check("questions[0].image.file: 'pictures/bus.png': no such file beside the survey" in r.stderr and
              "nothing stored" in r.stderr, r.stderr)
        os.rename(os.path.join(tmp, "bus.png"), os.path.join(tmp, "pics-source", "pictures", "bus.png"))
        hubtest.cli(hub_bin, "survey", "add", pics, "--db", spec)
        check_media(json.loads(hubtest.cli(hub_bin, "survey", "show", "pics", "--db", spec).stdout), png)
        hubtest.cli(hub_bin, "survey", "publish", "pics", "--kiosk", a["id"], "--db", spec)
        status, _, body = hub.request("GET", "/v1/surveys", headers={"Authorization": f"Bearer {a['token']}"})
        check(status == 200, status)
        check_media(json.loads(body)["surveys"][0]["survey"], png)
        r = kiosk(kiosk_bin, *sync)
        check("new pics v1" in r.stdout, r.stdout, r.stderr)
        h = held(kiosk_bin, data_a)[("pics", 1)]
        check(h["problem"] is None, h)  # the kiosk's loader took it with nothing beside it
        with open(h["path"]) as f:
            check_media(json.load(f), png)


def settings(data):
    import sqlite3
    con = sqlite3.connect(os.path.join(data, "engage.sqlite"))
    try:
        return dict(con.execute("SELECT key, value FROM settings").fetchall())
    finally:
        con.close()


def scenario_pack(hub_bin, kiosk_bin, db, tmp):
    spec = db.spec
    a = hubtest.add_kiosk(hub_bin, spec, "Village Hall")
    b = hubtest.add_kiosk(hub_bin, spec, "Church")
    hubtest.cli(hub_bin, "survey", "add", write(tmp, "d1.json", survey(version=1, prompt="One")), "--db", spec)
    hubtest.cli(hub_bin, "survey", "publish", "drop-in", "--all", "--db", spec)
    stick_a, stick_b = os.path.join(tmp, "stick-a"), os.path.join(tmp, "stick-b")
    os.makedirs(stick_a)
    os.makedirs(stick_b)
    r = hubtest.cli(hub_bin, "kiosk", "pack", a["id"][:8], "--out", stick_a, "--hub-url", "https://hub.example.org",
                    "--db", spec)
    check("Wrote" in r.stdout and "1 survey" in r.stdout, r.stdout)
    pack_a = os.path.join(stick_a, f"engage-{a['id'][:8]}.pack")
    key_a = os.path.join(stick_a, f"engage-{a['id'][:8]}.key")
    check(os.path.isfile(pack_a) and os.path.isfile(key_a), os.listdir(stick_a))
    check(oct(os.stat(key_a).st_mode & 0o777) == "0o600", oct(os.stat(key_a).st_mode))
    r = hubtest.cli(hub_bin, "kiosk", "pack", a["id"], "--out", stick_a, "--hub-url", "https://hub.example.org",
                    "--db", spec)  # again: the pack replaced, the same key file there is fine
    hubtest.cli(hub_bin, "kiosk", "pack", b["id"], "--out", stick_b, "--db", spec)
    r = hubtest.cli(hub_bin, "kiosk", "pack", a["id"], "--out", os.path.join(tmp, "nope"), "--db", spec, check_rc=1)
    check("not a folder" in r.stderr, r.stderr)
    r = hubtest.cli(hub_bin, "kiosk", "pack", a["id"], "--out", stick_a, "--hub-url", "ftp://x", "--db", spec,
                    check_rc=2)
    with open(pack_a, "rb") as f:
        good = f.read()

    data = os.path.join(tmp, "kiosk")
    kiosk(kiosk_bin, "seed", "--data-dir", data, "--count", "1")
    before = settings(data)

    def refused(path, wanted):
        r = kiosk(kiosk_bin, "load-pack", path, "--data-dir", data, rc=1)
        check(wanted in r.stderr, f"wanted {wanted!r}:", r.stderr)
        check(settings(data) == before, "a refused pack changed the kiosk's settings", path)
        check(held(kiosk_bin, data) == {}, "a refused pack stored a survey", path)

    # A kiosk with no key yet: a pack whose key file is missing is refused; another kiosk's pack on a stick with
    # its own key file would set this kiosk up as that kiosk, which is what the organiser asked for - not tested.
    lone = os.path.join(tmp, "lone")
    os.makedirs(lone)
    with open(os.path.join(lone, os.path.basename(pack_a)), "wb") as f:
        f.write(good)
    refused(os.path.join(lone, os.path.basename(pack_a)), "the key file for this pack")
    # Hostile files: each refused, nothing changed.
    for name, data_bytes, wanted in [
            ("empty.pack", b"", "not a kiosk pack"),
            ("random.pack", os.urandom(5000), "not a kiosk pack"),
            ("huge.pack", None, "too large"),
            ("text.pack", b"ENGAGE-BUNDLE 1 garbage\n" + b"x" * 100, "not a kiosk pack")]:
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            if data_bytes is None:
                f.truncate(33 << 20)
            else:
                f.write(data_bytes)
        refused(path, wanted)
    os.makedirs(os.path.join(tmp, "dir.pack"))
    refused(os.path.join(tmp, "dir.pack"), "not a kiosk pack")
    os.symlink(pack_a, os.path.join(tmp, "link.pack"))
    refused(os.path.join(tmp, "link.pack"), "not a kiosk pack")

    # The good pack: the key from the file beside it, the survey, the hub address.
    r = kiosk(kiosk_bin, "load-pack", pack_a, "--data-dir", data)
    check("loaded" in r.stdout, r.stdout)
    h = held(kiosk_bin, data)
    check(set(h) == {("drop-in", 1)} and h[("drop-in", 1)]["next"], h)
    after = settings(data)
    check(after.get("hub_url") == "https://hub.example.org" and "bundle_key" in after, after.keys())
    check(json.loads(after["bundle_key"])["hub_kiosk_id"] == a["id"], after["bundle_key"])
    before = settings(data)

    # Tampered: a byte changed in the header line, in the stream header, in each chunk, at the end; cut; extended.
    def variant(name, blob):
        path = os.path.join(stick_a, name)
        with open(path, "wb") as f:
            f.write(blob)
        return path

    line = good.index(b"\n") + 1
    for at in (10, line + 3, line + 30, len(good) // 2, len(good) - 1):
        bad = bytearray(good)
        bad[at] ^= 0x01
        r = kiosk(kiosk_bin, "load-pack", variant(f"flip-{at}.pack", bytes(bad)), "--data-dir", data, rc=1)
        check("cannot be used" in r.stderr or "not a kiosk pack" in r.stderr or "another kiosk" in r.stderr,
              at, r.stderr)
        check(settings(data) == before, "a tampered pack changed the kiosk", at)
    r = kiosk(kiosk_bin, "load-pack", variant("cut.pack", good[:-20]), "--data-dir", data, rc=1)
    check("cut short" in r.stderr, r.stderr)
    r = kiosk(kiosk_bin, "load-pack", variant("long.pack", good + b"extra"), "--data-dir", data, rc=1)
    check("after its end" in r.stderr, r.stderr)
    # Foreign: kiosk B's pack on kiosk A.
    r = kiosk(kiosk_bin, "load-pack", os.path.join(stick_b, f"engage-{b['id'][:8]}.pack"), "--data-dir", data, rc=1)
    check("This pack is for another kiosk" in r.stderr and "Village Hall" in r.stderr, r.stderr)
    check(settings(data) == before, "a foreign pack changed the kiosk")
    check(set(held(kiosk_bin, data)) == {("drop-in", 1)}, held(kiosk_bin, data))
    # Pictures travel in a pack too: the survey's copy on the kiosk holds them.
    pics, png = picture_survey(tmp)
    hubtest.cli(hub_bin, "survey", "add", pics, "--db", spec)
    hubtest.cli(hub_bin, "survey", "publish", "pics", "--kiosk", a["id"], "--db", spec)
    hubtest.cli(hub_bin, "kiosk", "pack", a["id"], "--out", stick_a, "--db", spec)
    kiosk(kiosk_bin, "load-pack", pack_a, "--data-dir", data)
    h = held(kiosk_bin, data)[("pics", 1)]
    check(h["problem"] is None, h)
    with open(h["path"]) as f:
        check_media(json.load(f), png)


# ---- a fake hub for hostile replies ---------------------------------------------------------------
class FakeHub(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.body, self.etag, self.gets = b"{}", None, []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def answer(self, body, etag=None):
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.etag = etag


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.gets.append(self.headers.get("If-None-Match"))
        if self.server.etag and self.headers.get("If-None-Match") == self.server.etag:
            self.send_response(304)
            self.send_header("ETag", self.server.etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        if self.server.etag:
            self.send_header("ETag", self.server.etag)
        self.end_headers()
        self.wfile.write(self.server.body)

    def do_POST(self):  # batches: every record stored, as the hub would say
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        b = json.loads(gzip.decompress(raw))
        reply = json.dumps({"protocol": 1, "hub": "engage-hub", "batch_id": b["batch_id"],
                            "results": [{"uuid": r["uuid"], "status": "stored"} for r in b["records"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def listing(*entries):
    return {"protocol": 1, "hub": "engage-hub", "surveys": list(entries)}


def entry(s, sid=None, version=None):
    return {"id": sid or s["id"], "version": version or s["version"], "content_hash": "x", "survey": s}


def scenario_hostile(hub_bin, kiosk_bin, db, tmp):
    del hub_bin, db
    data = new_kiosk_data(kiosk_bin, tmp, "kiosk")
    fake = FakeHub()
    sync = ["sync", "--data-dir", data, "--hub", f"http://127.0.0.1:{fake.server_address[1]}", "--token", "t"]
    try:
        fake.answer(listing(entry(survey(version=1))), etag='"one"')
        r = kiosk(kiosk_bin, *sync)
        check("new drop-in v1" in r.stdout, r.stdout, r.stderr)
        r = kiosk(kiosk_bin, *sync)
        check("published surveys: unchanged" in r.stdout and fake.gets[-1] == '"one"', r.stdout, fake.gets)

        bad_survey = survey(version=2)
        bad_survey["questions"][0]["type"] = "slider"
        pictured = survey(version=2)  # a picture the hub did not put in
        pictured["questions"][0]["image"] = {"file": "p.png", "alt": "A picture"}
        tampered = json.loads(json.dumps(pictured))  # a picture whose bytes are not what its sha256 says
        import base64
        with open(PICTURE, "rb") as f:
            tampered["media"] = {"p.png": {"sha256": "0" * 64, "base64": base64.b64encode(f.read()).decode()}}
        deep = b'{"protocol":1,"hub":"engage-hub","surveys":' + b"[" * 100000 + b"]" * 100000 + b"}"
        cases = [
            (b"<html><body>Please log in to the wifi</body></html>", "the reply is not JSON"),
            (b"x" * (33 << 20), "too large"),
            (deep, "nested deeper than 64"),
            ({"hub": "someone-else", "protocol": 1, "surveys": []}, "not from an Engage hub"),
            ({"hub": "engage-hub", "protocol": 1, "surveys": {"a": 1}}, "\"surveys\" is not a list"),
            (listing(*[entry(survey(f"s{i}")) for i in range(65)]), "more than 64 surveys"),
            (listing(entry(bad_survey)), "survey 'drop-in' version 2: questions[0].type: unknown question type 'slider'"),
            (listing(entry(survey(version=1)), entry(survey(version=1), sid="../../evil")),
             "the id is not 1 to 64 letters"),
            (listing(entry(survey(version=1)), {"id": "x", "version": "1", "survey": survey("x")}),
             "the version is not a whole number"),
            (listing(entry(survey(version=1)), 7), "surveys[1]: not an object"),
            (listing(entry(survey(version=1), sid="drop-in", version=5)),
             "the file inside is survey 'drop-in' version 1"),
            (listing({"id": "drop-in", "version": 2}), "no survey in it"),
            (listing(entry(pictured)), "survey 'drop-in' version 2: questions[0].image.file: 'p.png': missing: not in "
                                       "this survey's media"),
            (listing(entry(tampered)), "survey 'drop-in' version 2: media.p.png.sha256: does not match the file's"),
            (listing(entry(survey(version=1)), entry(survey(version=1))), "listed twice"),
        ]
        for i, (body, wanted) in enumerate(cases):
            fake.answer(body, etag=f'"bad{i}"')
            r = kiosk(kiosk_bin, *sync)
            check(wanted in r.stderr, f"wanted {wanted!r} on stderr:", r.stderr[-3000:], r.stdout)
            h = held(kiosk_bin, data)
            check(set(h) == {("drop-in", 1)}, "the survey held before must stay:", wanted, h)
        check(sorted(os.listdir(os.path.join(data, "surveys", "hub"))) == ["drop-in-v1.json"],
              os.listdir(os.path.join(data, "surveys", "hub")))
        check(not os.path.exists(os.path.join(data, "evil-v1.json")) and
              not os.path.exists(os.path.join(tmp, "evil-v1.json")), "a path-like id wrote outside")
        # After refusals the good list still works; a refused list's ETag was not kept, so the next pass asks anew.
        fake.answer(listing(entry(survey(version=3, prompt="Three"))), etag='"three"')
        r = kiosk(kiosk_bin, *sync)
        check("new drop-in v3" in r.stdout and "removed drop-in v1" in r.stdout, r.stdout, r.stderr)
        check(fake.gets[-1] != '"three"', fake.gets)
    finally:
        fake.shutdown()


def main():
    hub_bin, kiosk_bin, scenario = sys.argv[1], sys.argv[2], sys.argv[3]
    backend = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
    with tempfile.TemporaryDirectory(prefix="engage-publish-") as tmp:
        if backend == "postgres":
            pg_server.require()
            with pg_server.PgServer() as pg:
                globals()[f"scenario_{scenario}"](hub_bin, kiosk_bin, hubtest.PgDb(pg, "pub_" + scenario), tmp)
        else:
            globals()[f"scenario_{scenario}"](hub_bin, kiosk_bin, hubtest.SqliteDb(os.path.join(tmp, "hub.sqlite")),
                                              tmp)


if __name__ == "__main__":
    hubtest.run(main)
