#!/usr/bin/env python3
"""The organiser's dashboard: the real engage-hub on 127.0.0.1, seeded with three venues through POST /v1/batches
(one venue with exactly 4 responses), hostile free text and texts that need review. First with the stdlib over HTTP
(login, CSRF, lock-out, small numbers, escaping, the review queue), then in headless Chromium driven over the
DevTools protocol (a minimal WebSocket client below): the login form, every page, the SVG charts, no JavaScript
dialog ever, no horizontal scrolling at 200 % zoom, and screenshots into the artefacts folder.

usage: test_dashboard.py ENGAGE_HUB ARTEFACTS_DIR"""
import base64
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

import hubtest
from hubtest import check

HERE = os.path.dirname(os.path.abspath(__file__))
SURVEYS = os.path.join(HERE, "..", "..", "assets", "surveys")
PASSWORD = "correct horse battery"
USER = "Organiser Ann"

HOSTILE = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "javascript:alert(3)",
    "'><svg onload=alert(4)>",
]
REVIEW_PHONE = "Call Anna on 07700 900123"
REVIEW_NAME = "Mr Smith was rude"
TINY_SECRET = "tiny hall only text zq"
HOSTILE_EVENT = "<script>alert('event')</script> Park & Play"
HOSTILE_VENUE = "Gorgie \"Hub\" <Café>"


def cli(binary, *args, check_rc=0, input_text=None, timeout=60):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                       input=input_text if input_text is not None else "")
    check(check_rc is None or r.returncode == check_rc, f"engage-hub {' '.join(args)}: exit {r.returncode}, expected "
          f"{check_rc}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    return r


# ---- seeding -------------------------------------------------------------------------------------------------
def session(event, venue, started):
    return {"id": "5b0c7a52-3f0e-4a53-9d0e-" + str(abs(hash((event, venue, started))) % 10 ** 12).zfill(12),
            "event": event, "venue": venue, "started_utc": started, "ended_utc": None}


def answers(i, text=None, needs=("bsl",), other=None):
    a = {"today": 1 + i % 5, "listened": ["yes", "a_bit", "no"][i % 3], "with_us": ["agree", "unsure"][i % 2],
         "matters": {"selected": ["housing", "health"][: 1 + i % 2]},
         "next_time": {"selected": list(needs) + (["other"] if other else [])}}
    if other:
        a["next_time"]["other"] = other
    if text is not None:
        a["change"] = text
    return a


def seed(binary, db, hub):
    """Three venues, each its own kiosk: Leith Library (14), Gorgie (9, hostile texts), Tiny Hall (exactly 4)."""
    plan = []
    s1 = session("Park plan", "Leith Library", "2026-11-22T09:30:00Z")
    s1b = session("Park plan", "Leith Library", "2026-11-23T09:30:00Z")
    texts1 = ["More benches by the pond", REVIEW_PHONE, REVIEW_NAME, "Longer opening hours"]
    for i in range(14):
        sess = s1 if i < 8 else s1b
        day = sess["started_utc"][:10]
        plan.append(("Leith Library", sess, f"{day}T10:{i:02d}Z",
                     answers(i, texts1[i] if i < len(texts1) else None, needs=("bsl", "step_free") if i % 2 else ("bsl",))))
    s2 = session(HOSTILE_EVENT, HOSTILE_VENUE, "2026-11-22T14:00:00Z")
    for i in range(9):
        plan.append((HOSTILE_VENUE, s2, f"2026-11-22T14:{i:02d}Z",
                     answers(i, HOSTILE[i] if i < len(HOSTILE) else "Fine", needs=("hearing_loop",),
                             other=HOSTILE[0] if i == 0 else None)))
    s3 = session("Park plan", "Tiny Hall", "2026-11-24T18:00:00Z")
    for i in range(4):
        plan.append(("Tiny Hall", s3, f"2026-11-24T18:{i:02d}Z",
                     answers(i, TINY_SECRET if i == 0 else None, needs=("childcare",))))

    kiosks = {}
    for venue in ("Leith Library", HOSTILE_VENUE, "Tiny Hall"):
        k = hubtest.add_kiosk(binary, db, f"Kiosk at {venue}")
        kiosks[venue] = (k["token"], hubtest.new_kiosk_id(), [])
    for venue, sess, created, ans in plan:
        token, device, recs = kiosks[venue]
        recs.append(hubtest.record(len(recs) + 1, answers=ans, session=dict(sess), created_utc=created))
    for venue, (token, device, recs) in kiosks.items():
        st, reply, text = hub.send_batch(token, hubtest.batch(device, recs))
        check(st == 200 and all(r["status"] == "stored" for r in reply["results"]), venue, st, text[:500])
    return len(plan)


# ---- HTTP as a browser would, with the stdlib -------------------------------------------------------------------
class Browser:
    def __init__(self, hub):
        self.hub, self.cookies = hub, {}

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, form=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = self._cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c = self.hub.connection()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    value = rest.split(";")[0]
                    if "Max-Age=0" in v or not value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = value
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace")
        finally:
            c.close()

    def get(self, path):
        return self.request("GET", path)

    def login(self, name, password):
        st, _, page = self.get("/login")
        check(st == 200, "GET /login", st)
        token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
        return self.request("POST", "/login", {"login_token": token, "name": name, "password": password})

    def csrf(self, page):
        m = re.search(r'name="csrf" value="([^"]+)"', page)
        check(m, "no csrf field in the page")
        return m.group(1)


def check_headers(headers, what):
    csp = headers.get("content-security-policy", "")
    for part in ("default-src 'none'", "style-src 'unsafe-inline'", "img-src 'self' data:", "form-action 'self'",
                 "frame-ancestors 'none'"):
        check(part in csp, what, "CSP lacks", part, csp)
    check(headers.get("x-content-type-options") == "nosniff", what, headers)
    check(headers.get("referrer-policy") == "no-referrer", what, headers)
    check("text/html" in headers.get("content-type", ""), what, headers)


def check_escaped(page, what):
    """Nothing from the data becomes markup: the pages have no script, img, iframe or event handler at all."""
    low = page.lower()
    for bad in ("<script", "<img", "<iframe", "<textarea", "<object", "<embed"):
        at = low.find(bad)
        check(at < 0, what, f"unescaped {bad!r} in the page:", page[max(0, at - 200):at + 200])
    m = re.search(r"<[a-z][^>]*\son[a-z]+\s*=", low)
    check(not m, what, "an event handler attribute:", m and m.group(0))
    m = re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", low)
    check(not m, what, "a javascript: URL:", m and m.group(0))


def tiny_row(page, caption):
    """The row of the table with this caption whose header is Tiny Hall."""
    table = page[page.index(caption):]
    table = table[:table.index("</table>")]
    rows = [r for r in re.findall(r"<tr>.*?</tr>", table, re.S) if "Tiny Hall" in r]
    return rows


def http_checks(binary, db, hub, total):
    anon = Browser(hub)
    # Every page needs a login: 303 to /login.
    for path in ("/dashboard", "/dashboard/questions", "/dashboard/needs", "/dashboard/texts", "/dashboard/review",
                 "/dashboard?venue=Tiny+Hall"):
        st, h, _ = anon.get(path)
        check(st == 303 and h.get("location") == "/login", path, st, h)
    st, h, page = anon.get("/login")
    check(st == 200 and '<form method="post" action="/login"' in page, st, page[:500])
    check_headers(h, "/login")
    check("HttpOnly" in h.get("set-cookie", "") and "SameSite=Strict" in h.get("set-cookie", ""), h)

    # Wrong password, unknown user, no login token: refused with the plain message.
    st, _, page = anon.login(USER, "wrong password!!")
    check(st == 403 and "That name and password do not match" in page and "engage_session" not in anon.cookies, st)
    st, _, page = anon.login("Nobody At All", PASSWORD)
    check(st == 403 and "That name and password do not match" in page, st)
    st, _, page = anon.request("POST", "/login", {"name": USER, "password": PASSWORD})
    check(st == 400 and "engage_session" not in anon.cookies, "login without the form's token", st)

    # Lock-out: 10 wrong passwords for a name in 15 minutes, then even the right one is refused.
    cli(binary, "user", "add", "Locked Lou", "--db", db, "--password-stdin", input_text=PASSWORD + "\n")
    lou = Browser(hub)
    for i in range(10):
        st, _, _ = lou.login("Locked Lou", f"wrong password {i}")
        check(st == 403, "wrong try", i, st)
    st, _, page = lou.login("Locked Lou", PASSWORD)
    check(st == 429 and "Too many wrong passwords" in page and "engage_session" not in lou.cookies, st, page[-600:])

    # The right password: a session cookie, HttpOnly, SameSite=Strict.
    b = Browser(hub)
    st, h, _ = b.login(USER, PASSWORD)
    check(st == 303 and h.get("location") == "/dashboard" and "engage_session" in b.cookies, st, h)
    sc = h.get("set-cookie", "")
    check("HttpOnly" in sc and "SameSite=Strict" in sc and "Secure" not in sc, sc)
    log = hub.log()
    check(re.search(r"dashboard login user=Organiser Ann from 127\.0\.0\.1: logged in", log), log[-2000:])
    check(re.search(r"dashboard login user=Organiser Ann from 127\.0\.0\.1: refused \(wrong password", log), log[-2000:])
    check(PASSWORD not in log and "wrong password 3" not in log, "a password in the log")

    pages = {}
    for path in ("/dashboard", "/dashboard/questions", "/dashboard/needs", "/dashboard/texts", "/dashboard/review"):
        st, h, page = b.get(path)
        check(st == 200, path, st, page[:300])
        check_headers(h, path)
        check_escaped(page, path)
        pages[path] = page
    csrf = b.csrf(pages["/dashboard"])

    # Overview: the three venues, escaped; the hostile event name escaped; Tiny Hall's count hidden.
    ov = pages["/dashboard"]
    check(f"<strong>{total}</strong>" in ov, "total responses", total)
    check("Gorgie &quot;Hub&quot; &lt;Café&gt;" in ov, "the hostile venue name, escaped")
    check("&lt;script&gt;alert(&#39;event&#39;)&lt;/script&gt; Park &amp; Play" in ov, "the hostile event, escaped")
    for caption in ("Responses by venue", "Responses by session"):
        rows = tiny_row(ov, caption)
        check(rows, caption, "no Tiny Hall row")
        for r in rows:
            check("fewer than 5" in r and not re.search(r">\s*[1-4]\s*<", r) and "/dashboard/questions" not in r,
                  caption, "Tiny Hall shows a number or a link:", r)
    day = re.search(r"<tr><th scope=\"row\">2026-11-24</th>(.*?)</tr>", ov)
    check(day and "fewer than 5" in day.group(1), "the day with only Tiny Hall's 4 responses", day and day.group(0))
    check(re.search(r"<th scope=\"row\">Leith Library</th><td class=\"n\">14</td>", ov), "Leith Library's 14")
    check('<div class="table" tabindex="0"><table>' in ov, "tables scroll in their own box")

    # Questions: SVG charts for all; for Tiny Hall (and its session, and its day) no breakdown at all.
    q = pages["/dashboard/questions"]
    check(q.count("<svg") >= 4 and "<title id=" in q and "<caption>" in q, "charts with titles and tables")
    check("How was today for you?" in q and "Very good" in q and "Did you feel listened to today?" in q, "labels")
    tiny_session = re.search(r'<option value="([0-9a-f]{16})">Park plan — Tiny Hall', q)
    check(tiny_session, "the Tiny Hall session in the filter form")
    for query in ("venue=Tiny+Hall", "session=" + tiny_session.group(1), "from=2026-11-24&to=2026-11-24",
                  "venue=Tiny+Hall&survey=demo-community-voice&version=1"):
        for path in ("/dashboard/questions", "/dashboard/needs", "/dashboard/texts"):
            st, _, page = b.get(f"{path}?{query}")
            check(st == 200, path, query, st)
            check_escaped(page, path + "?" + query)
            check("fewer than 5 responses" in page, path, query, "no small-number note")
            check("<svg" not in page and "<td class=\"n\">" not in page, path, query, "a breakdown for Tiny Hall")
            check(TINY_SECRET not in page, path, query, "Tiny Hall's text listed")
            main_part = page[page.index("</form>", page.index('class="filters"')):]
            check(not re.search(r">\s*[1-4]\s*<", main_part), path, query, "a number 1-4 for Tiny Hall:", main_part[:800])
        st, _, page = b.get(f"/dashboard?{query}")
        check("<strong>fewer than 5</strong>" in page, "overview of Tiny Hall", query)
    # Needs: Tiny Hall's row says so and has no cells; the others have numbers.
    nd = pages["/dashboard/needs"]
    rows = tiny_row(nd, "Access needs by venue")
    check(len(rows) == 1 and "fewer than 5 responses: not shown" in rows[0] and "class=\"n\"" not in rows[0], rows)
    check("BSL interpreter" in nd and "Hearing loop" in nd, "needs labels")
    check(re.search(r"<th scope=\"row\">Leith Library</th><td class=\"n\">14</td><td class=\"n\">14</td>", nd), nd[-3000:])

    # Texts: hostile texts listed, escaped; review-held ones absent; Tiny Hall's absent.
    tx = pages["/dashboard/texts"]
    for t in HOSTILE:
        check(hubtest_escape(t) in tx, "hostile text not listed (escaped):", t)
    check(TINY_SECRET not in tx, "a text from the 4-response venue is listed")
    check("More benches by the pond" in tx, tx[-2000:])
    check(REVIEW_PHONE not in tx and "07700" not in tx and REVIEW_NAME not in tx, "a held text is listed")
    check("wait for review" in tx, "no word about held texts")
    st, _, found = b.get("/dashboard/texts?q=BENCHES")
    check("More benches by the pond" in found and "Longer opening hours" not in found, "search")
    st, _, found = b.get("/dashboard/texts?q=" + urllib.parse.quote('"><b>x'))
    check("&quot;&gt;&lt;b&gt;x" in found and "<b>x" not in found, "the search echoed unescaped")
    st, _, found = b.get("/dashboard?from=" + urllib.parse.quote("<script>x") + "&venue=" + urllib.parse.quote("<i>v"))
    check_escaped(found, "hostile filter values")
    check("&lt;script&gt;x" in found and "&lt;i&gt;v" in found and "<i>v" not in found, "filter values echoed")

    # Review: both held texts shown to the organiser on the review page only, escaped.
    rv = pages["/dashboard/review"]
    check(REVIEW_PHONE in rv and REVIEW_NAME in rv, "held texts not on the review page")
    check("Review (2 waiting)" in rv, "the count in the menu")
    uuid_phone = review_target(rv, REVIEW_PHONE)
    uuid_name = review_target(rv, REVIEW_NAME)

    # CSRF: a review without the token, or with a wrong one, is refused; so is logout.
    for form in ({"uuid": uuid_phone, "question": "change", "decision": "approve"},
                 {"uuid": uuid_phone, "question": "change", "decision": "approve", "csrf": "x" * 43}):
        st, _, _ = b.request("POST", "/dashboard/review", form)
        check(st == 403, "review without a valid CSRF token", st)
    st, _, _ = b.request("POST", "/logout", {"csrf": "nope"})
    check(st == 403, "logout without the CSRF token", st)
    st, _, _ = anon.request("POST", "/dashboard/review", {"uuid": uuid_phone, "question": "change",
                                                          "decision": "approve", "csrf": csrf})
    check(st == 303, "a review without a session goes to /login", st)
    st, _, page = b.get("/dashboard/texts")
    check(REVIEW_PHONE not in page, "refused reviews changed something")
    st, _, _ = b.request("POST", "/dashboard/review", {"uuid": "nope", "question": "change", "decision": "approve",
                                                       "csrf": csrf})
    check(st == 400, "a review of an unknown text", st)

    # Approve one, hide the other.
    st, h, _ = b.request("POST", "/dashboard/review", {"uuid": uuid_phone, "question": "change", "decision": "approve",
                                                       "csrf": csrf, "back": ""})
    check(st == 303 and h["location"].startswith("/dashboard/review"), st, h)
    st, h, _ = b.request("POST", "/dashboard/review", {"uuid": uuid_name, "question": "change", "decision": "hide",
                                                       "csrf": csrf, "back": "?venue=Leith+Library"})
    check(st == 303 and h["location"] == "/dashboard/review?venue=Leith+Library", st, h)
    st, _, page = b.get("/dashboard/texts")
    check(REVIEW_PHONE in page and REVIEW_NAME not in page, "after review: approved listed, hidden not")
    st, _, page = b.get("/dashboard/review")
    check("Nothing is waiting" in page and "Approved by Organiser Ann" in page and "Hidden by Organiser Ann" in page,
          page[-2000:])
    log = hub.log()
    check(re.search(r"dashboard review user=Organiser Ann approved the text change of record [0-9a-f]{8}", log), log[-2000:])
    check(re.search(r"dashboard review user=Organiser Ann hidden the text change", log), log[-2000:])
    # Exports from the dashboard: shareable (the small venue left out, hidden text held back); login required.
    st, h, _ = anon.get("/dashboard/export.csv")
    check(st == 303 and h.get("location") == "/login", "export without a login", st)
    check('href="/dashboard/export.csv"' in ov and 'href="/dashboard/export.json"' in ov, "export links")
    st, h, data = b.get("/dashboard/export.csv")
    check(st == 200 and "text/csv" in h.get("content-type", "") and data.startswith("\ufeff"), st, h, data[:200])
    check("attachment" in h.get("content-disposition", ""), h)
    check("Tiny Hall" not in data and TINY_SECRET not in data, "the 4-response venue is in the shareable export")
    check("Leith Library" in data and REVIEW_NAME not in data, "the hidden text is in the shareable export")
    st, h, data = b.get("/dashboard/export.json?venue=Leith+Library")
    check(st == 200 and json.loads(data)["shareable"] is True, st, data[:300])
    resp = json.loads(data)["responses"]
    check(resp and all(r["venue"] == "Leith Library" for r in resp), "export filters")
    check(re.search(r"dashboard export user=Organiser Ann format=csv shareable rows=\d+", hub.log()), hub.log()[-1500:])
    print("passed dashboard over HTTP: login, lock-out, CSRF, small numbers, escaping, review")
    return b


def hubtest_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#39;"))


def review_target(page, text):
    at = page.index(text)
    m = re.search(r'name="uuid" value="([0-9a-f-]{36})"', page[at:])
    check(m, "no review form after", text)
    return m.group(1)


# ---- Chromium over the DevTools protocol --------------------------------------------------------------------------
class WebSocket:
    """Just enough RFC 6455 for the DevTools protocol: text frames, masked from the client, fragments joined."""

    def __init__(self, url, timeout=60):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            part = self.sock.recv(1)
            check(part, "the DevTools WebSocket closed during the handshake")
            head += part
        check(head.startswith(b"HTTP/1.1 101"), "WebSocket handshake:", head[:200])

    def _read(self, n):
        out = b""
        while len(out) < n:
            part = self.sock.recv(n - len(out))
            check(part, "the DevTools WebSocket closed")
            out += part
        return out

    def send(self, text):
        data = text.encode()
        head = bytes([0x81])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            op = b0 & 0x0F
            if op == 8:
                raise hubtest.TestFailure("the DevTools WebSocket was closed by Chromium")
            if op in (9, 10):  # ping / pong: not expected from Chromium; ignore
                continue
            message += payload
            if b0 & 0x80:
                return message.decode("utf-8")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Chromium:
    def __init__(self, workdir):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        check(exe, "Chromium is not installed: install the Debian package `chromium` (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "--window-size=1280,2000", "about:blank"],
            stdout=self.log, stderr=self.log)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            check(self.proc.poll() is None, "Chromium exited at start:", open(self.log.name, errors="replace").read()[-3000:])
            check(time.monotonic() < deadline, "Chromium did not open its DevTools port within 60 s")
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/json/list")
        targets = json.loads(c.getresponse().read())
        c.close()
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        self.dialogs = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=2000, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                check("error" not in msg, method, msg.get("error"))
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        if "method" not in msg:
            return
        self.events.append(msg["method"])
        if msg["method"] == "Page.javascriptDialogOpening":
            self.dialogs.append(msg["params"])
            # Dismiss it so the page goes on; the test fails on it anyway.
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog", "params": {"accept": False}}))

    def wait_load(self, timeout=30):
        deadline = time.monotonic() + timeout
        self.ws.sock.settimeout(timeout)
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self._event(msg)
            if msg.get("method") == "Page.loadEventFired":
                return
        raise hubtest.TestFailure("the page did not load in time")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.wait_load()

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        check("exceptionDetails" not in r, expression, r)
        return r["result"].get("value")

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def browser_checks(hub, artefacts, workdir):
    base = f"http://127.0.0.1:{hub.port}"
    chrome = Chromium(workdir)
    try:
        shots = []

        def shot(name):
            path = os.path.join(artefacts, f"{name}.png")
            chrome.screenshot(path)
            check(os.path.getsize(path) > 5000, "screenshot too small:", path)
            shots.append(path)

        chrome.goto(base + "/dashboard")
        check(chrome.js("location.pathname") == "/login", "not sent to the login page")
        check(chrome.js("document.querySelector('form[action=\"/login\"]') !== null"), "no login form")
        shot("login")
        # Fill the form and press the button, as a person would (the page itself runs no script).
        chrome.js(f"document.getElementById('name').value = {json.dumps(USER)};"
                  f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
                  "document.querySelector('form[action=\"/login\"] button[type=submit]').click(); true")
        chrome.wait_load()
        check(chrome.js("location.pathname") == "/dashboard", "login in the browser failed:",
              chrome.js("document.body.innerText.slice(0, 500)"))
        check(chrome.js("document.cookie") == "", "the session cookie is readable from script (not HttpOnly)")
        for name, path in (("overview", "/dashboard"), ("questions", "/dashboard/questions"),
                           ("needs", "/dashboard/needs"), ("texts", "/dashboard/texts"),
                           ("review", "/dashboard/review")):
            chrome.goto(base + path)
            check(chrome.js("location.pathname") == path, name, chrome.js("location.href"))
            check(chrome.js("document.querySelectorAll('script, img, iframe').length") == 0, name, "script/img in the DOM")
            check(chrome.js("document.querySelector('h1') !== null"), name, "no heading")
            check(chrome.js("[...document.querySelectorAll('table')].every(t => t.querySelector('caption'))"),
                  name, "a table without a caption")
            if name == "questions":
                n = chrome.js("document.querySelectorAll('svg[role=img] > title').length")
                check(n >= 4, "SVG charts with titles:", n)
                check(chrome.js("document.querySelectorAll('svg rect').length") > 0, "no bars drawn")
                w = chrome.js("document.querySelector('svg').getBoundingClientRect().width")
                check(w > 300, "the chart is not drawn at a readable size:", w)
            if name == "review":
                check(chrome.js(f"document.body.innerText.includes({json.dumps(REVIEW_PHONE)})"), "review queue")
            if name == "texts":
                check(chrome.js("document.body.innerText.includes('<script>alert(1)</script>')"),
                      "the hostile text is not shown as text")
            shot(name)
        # 200 % zoom: 640 CSS pixels wide at device scale 2; nothing scrolls sideways.
        chrome.call("Emulation.setDeviceMetricsOverride", width=640, height=1000, deviceScaleFactor=2, mobile=False)
        for name, path in (("overview-zoom200", "/dashboard"), ("questions-zoom200", "/dashboard/questions"),
                           ("texts-zoom200", "/dashboard/texts")):
            chrome.goto(base + path)
            sw, iw = chrome.js("[document.documentElement.scrollWidth, window.innerWidth]")
            check(sw <= iw + 1, name, f"scrolls sideways at 200 % zoom: {sw} > {iw}")
            shot(name)
        check(not chrome.dialogs, "a JavaScript dialog opened:", chrome.dialogs)
        check("Page.javascriptDialogOpening" not in chrome.events, "a JavaScript dialog opened")
        print("passed dashboard in Chromium; screenshots:", ", ".join(shots))
    finally:
        chrome.close()


# ---- main ---------------------------------------------------------------------------------------------------------
def main():
    binary, artefacts = sys.argv[1], sys.argv[2]
    os.makedirs(artefacts, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="engage-dashboard-") as tmp:
        db = os.path.join(tmp, "hub.sqlite")
        # user add: too short, two different names; list; remove.
        r = cli(binary, "user", "add", USER, "--db", db, "--password-stdin", input_text="short\n", check_rc=2)
        check("at least 10 characters" in r.stderr, r.stderr)
        r = cli(binary, "user", "add", USER, "--db", db, check_rc=2, input_text="")
        check("--password-stdin" in r.stderr, "not a terminal", r.stderr)
        cli(binary, "user", "add", USER, "--db", db, "--password-stdin", input_text=PASSWORD + "\n")
        cli(binary, "user", "add", "Temporary Tim", "--db", db, "--password-stdin", input_text=PASSWORD + "\n")
        users = json.loads(cli(binary, "user", "list", "--db", db, "--json").stdout)
        check([u["name"] for u in users] == [USER, "Temporary Tim"], users)
        cli(binary, "user", "remove", "Temporary Tim", "--db", db)
        cli(binary, "user", "remove", "Temporary Tim", "--db", db, check_rc=1)
        hashes = hubtest.SqliteDb(db).rows("SELECT password_hash FROM users")
        check(len(hashes) == 1 and hashes[0][0].startswith("$argon2id$") and PASSWORD not in hashes[0][0], hashes)

        with hubtest.Hub(binary, db, tmp, extra=["--surveys", SURVEYS], name="dashboard") as hub:
            total = seed(binary, db, hub)
            browser_checks(hub, artefacts, tmp)  # first: the review page still has texts waiting
            http_checks(binary, db, hub, total)
            check(not hubtest.SqliteDb(db).rows("SELECT 1 FROM web_sessions WHERE token_hash LIKE '%-%'"),
                  "a session token stored in clear")
            # Logout ends the session.
            b = Browser(hub)
            b.login(USER, PASSWORD)
            st, _, page = b.get("/dashboard")
            old = dict(b.cookies)
            st, h, _ = b.request("POST", "/logout", {"csrf": b.csrf(page)})
            check(st == 303 and h["location"] == "/login", st, h)
            b.cookies = old
            st, h, _ = b.get("/dashboard")
            check(st == 303 and h["location"] == "/login", "the session still works after logout", st)
    print("passed dashboard")


if __name__ == "__main__":
    hubtest.run(main)
