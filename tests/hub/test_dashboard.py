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
import pg_server  # tests/pg_server.py, on the path through hubtest
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
NO_VENUE_RESPONSES = 56
AXE_DIR = os.path.join(HERE, "axe", "node_modules", "axe-core")


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

    # A kiosk that never set a venue (no session): more texts than one page of the Texts page.
    for i in range(NO_VENUE_RESPONSES):
        plan.append((None, None, f"2026-11-25T11:{i:02d}Z", answers(i, f"idea number {i} for the park")))

    kiosks = {}
    for venue in ("Leith Library", HOSTILE_VENUE, "Tiny Hall", None):
        k = hubtest.add_kiosk(binary, db, f"Kiosk at {venue}" if venue else "Kiosk without a venue")
        kiosks[venue] = (k["token"], hubtest.new_kiosk_id(), [])
    for venue, sess, created, ans in plan:
        token, device, recs = kiosks[venue]
        recs.append(hubtest.record(len(recs) + 1, answers=ans, session=dict(sess) if sess else None,
                                   created_utc=created))
    for venue, (token, device, recs) in kiosks.items():
        st, reply, text = hub.send_batch(token, hubtest.batch(device, recs))
        check(st == 200 and all(r["status"] == "stored" for r in reply["results"]), venue, st, text[:500])
    return len(plan), [device for token, device, recs in kiosks.values()]


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


# ---- the dashboard for people (issue 11 item 6): venue filter, kiosk names, headlines and percentages, paging ----
def largest_remainder(counts, base):
    """The kiosk's percentages of a single-answer question (engage/results.h), as an independent oracle."""
    out = [n * 100 // base for n in counts]
    rem = [n * 100 % base for n in counts]
    order = sorted(range(len(counts)), key=lambda i: (-rem[i], -counts[i]))
    for i in order:
        if sum(out) >= 100 or rem[i] == 0:
            break
        out[i] += 1
    return out


def question_section(page, prompt):
    at = page.index(f"<h3>{prompt}</h3>")
    end = page.find("</section>", at)
    return page[at:end]


def chart_rows(section):
    """(label, count text, share text) of a question's table."""
    return [(html_unescape(a), b, c) for a, b, c in
            re.findall(r'<tr><th scope="row">(.*?)</th><td class="[^"]*">(.*?)</td><td class="[^"]*">(.*?)</td></tr>',
                       section)]


def html_unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
            .replace("&amp;", "&"))


def select_options(page, name):
    m = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', page, re.S)
    check(m, "no select", name)
    return re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', m.group(1))


def people_checks(b, total, devices, tag):
    """What an organiser reads, on one hub (SQLite or PostgreSQL), over HTTP."""
    # The Venue filter: "All" and "(no venue)" are different values; "(no venue)" shows only records without one.
    st, _, ov = b.get("/dashboard")
    opts = select_options(ov, "venue")
    values = [v for v, sel, text in opts]
    check(len(values) == len(set(values)), tag, "two venue options share a value:", opts)
    none = [v for v, sel, text in opts if text == "(no venue)"]
    check(none and none[0] != "", tag, "the (no venue) option has the value of All:", opts)
    st, _, page = b.get("/dashboard?venue=" + urllib.parse.quote(none[0]))
    check(st == 200 and f"<strong>{NO_VENUE_RESPONSES}</strong>" in page, tag, "(no venue): only the records without one",
          re.findall(r"<strong>.*?</strong>", page))
    check([t for v, sel, t in select_options(page, "venue") if sel] == ["(no venue)"], tag, "(no venue) not kept selected")
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>', page[page.index("Responses by venue"):page.index("Responses by session")])
    check(rows == ["(no venue)"], tag, "venues under (no venue):", rows)
    check(f"<strong>{total}</strong>" in ov, tag, "All venues: every record")
    link = re.search(r'<tr><th scope="row">\(no venue\)</th>.*?<a href="([^"]+)">Questions</a>', ov)
    check(link and "venue=" + urllib.parse.quote(none[0], safe="~") in link.group(1), tag, "the (no venue) row's link",
          link and link.group(0))
    st, _, qp = b.get(html_unescape(link.group(1)))
    check(f"Responses: {NO_VENUE_RESPONSES}." in qp, tag, "Questions for (no venue)")
    st, _, nd = b.get("/dashboard/needs?venue=" + urllib.parse.quote(none[0]))
    check(re.findall(r'<tr><th scope="row">(.*?)</th>', nd) == ["(no venue)"], tag, "needs for (no venue)")

    # Questions: the prompt, a headline in words, counts with percentages (largest remainder), no internal ids.
    st, _, q = b.get("/dashboard/questions")
    for internal in ("today · smiley", "· smiley", "· choice", "· multi", "· needs", "· agree", "· text"):
        check(internal not in q, tag, "an internal id or type on the Questions page:", internal)
    check(not re.search(r">\s*(today|listened|with_us|matters|next_time|change)\s*<", q), tag, "a question id shown")
    today = question_section(q, "How was today for you?")
    rows = chart_rows(today)
    check(len(rows) == 5, tag, "smiley rows", rows)
    counts = [int(n) for _, n, _ in rows]
    shares = [int(p.rstrip("%")) for _, _, p in rows]
    check(shares == largest_remainder(counts, sum(counts)) and sum(shares) == 100, tag, "percentages", rows)
    top = max(counts)
    best = [label for label, n, _ in rows if int(n) == top]
    expected = ("Most chose: " + " and ".join(best) + " — " +
                (f"{shares[counts.index(top)]}%" if len(best) == 1 else f"{round(top * 100 / sum(counts))}% each"))
    check(f'<p class="headline">{hubtest_escape(expected)}</p>' in today, tag, "headline", expected, today[:600])
    check(re.search(r"<text [^>]*>\d+ \(\d+%\)</text>", today), tag, "the chart's bars carry count and percentage")
    multi = question_section(q, "Which of these matter most to you?")
    check("more than one answer" in multi and "Most chose: " in multi, tag, "a multi question's percentages", multi[:500])
    # The small-number rule covers percentages: Gorgie (9 responses, every smiley count under 5).
    st, _, g = b.get("/dashboard/questions?venue=" + urllib.parse.quote(HOSTILE_VENUE))
    today = question_section(g, "How was today for you?")
    rows = chart_rows(today)
    check(rows and all(n == "fewer than 5" and "%" not in p for _, n, p in rows), tag, "a hidden count with a percentage",
          rows)
    check("Most chose" not in today, tag, "a headline from hidden counts", today[:400])
    check(not re.search(r"fewer than 5 \(\d+%\)", g), tag, "a percentage beside a hidden count in a chart")

    # Kiosk names from `kiosk add`, never the kiosks' own ids, on the Texts and Review pages.
    st, _, tx = b.get("/dashboard/texts")
    check("Kiosk at Leith Library" in tx, tag, "kiosk names on the Texts page")
    st, _, rv = b.get("/dashboard/review")
    check("Kiosk at Leith Library" in rv, tag, "kiosk names on the Review page")
    for d in devices:
        check(d not in tx, tag, "a kiosk id on the Texts page", d)
        check(d not in rv.replace(f'name="kiosk" value="{d}"', ""), tag, "a kiosk id shown on the Review page", d)

    # Texts: grouped by question, 50 a page; page links keep the filters and the search.
    check("Page 1 of 2." in tx, tag, "paging", re.findall(r"Page \d+ of \d+", tx))
    check(tx.count("<li><p class=\"text\">") == 50, tag, "50 texts on page 1", tx.count('<li><p class="text">'))
    check("<h2>What one thing should change?" in tx, tag, "grouped under the question's prompt")
    check('rel="next"' in tx and 'rel="prev"' not in tx, tag, "next link on page 1")
    nv = urllib.parse.quote(none[0])
    st, _, t1 = b.get(f"/dashboard/texts?venue={nv}&q=IDEA")
    check("Page 1 of 2." in t1, tag, "paging of a search")
    nxt = re.search(r'<a href="([^"]+)" rel="next">', t1)
    check(nxt and "q=IDEA" in nxt.group(1) and "venue=" in nxt.group(1) and "page=2" in nxt.group(1), tag,
          "the next link keeps the filters and the search", nxt and nxt.group(0))
    st, _, t2 = b.get(html_unescape(nxt.group(1)))
    check(st == 200 and "Page 2 of 2." in t2 and "(continued)" in t2, tag, "page 2")
    n2 = t2.count('<li><p class="text">')
    check(n2 == NO_VENUE_RESPONSES - 50, tag, "texts on page 2", n2)
    check('aria-current="page">Page 2</a>' in t2 and 'rel="prev"' in t2 and 'rel="next"' not in t2, tag, "page 2's links")
    firsts = set(re.findall(r"idea number (\d+) for", t1)) | set(re.findall(r"idea number (\d+) for", t2))
    check(len(firsts) == NO_VENUE_RESPONSES, tag, "every text once over the pages", len(firsts))
    # Hostile page numbers: a note and page 1; a page past the end shows the last.
    for bad in ("abc", "0", "-1", "99999999999999999999", "%3Cscript%3E", "1e3", "2.5", "+2"):
        st, _, page = b.get(f"/dashboard/texts?page={bad}")
        check(st == 200 and "is not a page number; showing page 1." in page and "Page 1 of 2." in page, tag,
              "page=" + bad, st)
        check_escaped(page, "page=" + bad)
    st, _, page = b.get("/dashboard/texts?page=9")
    check(st == 200 and "There is no page 9" in page and "Page 2 of 2." in page, tag, "page past the end")
    print(f"passed the dashboard for people over HTTP ({tag})")


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
        out = bytearray(n)
        view, got = memoryview(out), 0
        while got < n:
            k = self.sock.recv_into(view[got:], n - got)
            check(k, "the DevTools WebSocket closed")
            got += k
        return bytes(out)

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
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        self.sock.sendall(head + mask + (int.from_bytes(data, "big") ^ key).to_bytes(n, "big"))

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

    def js(self, expression, wait=False):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait)
        check("exceptionDetails" not in r, expression, r)
        return r["result"].get("value")

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, optimizeForSpeed=True)
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


SIZES = ((1366, 900, False), (390, 844, True))  # a laptop; a phone (CSS pixels)


def axe_js():
    """axe-core from the npm registry, installed by ./dev.sh setup (tests/hub/axe/package.json); never fetched here."""
    path = os.environ.get("ENGAGE_AXE_JS") or os.path.join(AXE_DIR, "axe.min.js")
    check(os.path.isfile(path), f"axe-core is missing ({path}): run ./dev.sh setup, which runs "
          "`npm install --prefix tests/hub/axe` (or set ENGAGE_AXE_JS to an axe.min.js)")
    return path


def axe_check(chrome, what):
    """Runs axe-core in the page (put into every page over the DevTools protocol by browser_checks: the page's CSP
    allows no script of its own); fails on any violation, printing each with its elements."""
    check(chrome.js("typeof axe") == "object", what, "axe-core is not in the page")
    found = json.loads(chrome.js(
        "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + "
        "(n.failureSummary || '').replace(/\\s+/g, ' '))}))))", wait=True))
    lines = [f"{v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in found]
    check(not found, what, "axe-core violations:\n  " + "\n  ".join(lines))
    return len(found)


def browser_checks(hub, artefacts, workdir, tag, sizes=SIZES, zoom=True):
    """zoom: also 200 % zoom and a few filtered pages (off for the second back end)."""
    base = f"http://127.0.0.1:{hub.port}"
    out = os.path.join(artefacts, tag)
    os.makedirs(out, exist_ok=True)
    axe = open(axe_js()).read()
    chrome = Chromium(workdir)
    try:
        chrome.call("Page.addScriptToEvaluateOnNewDocument", source=axe)  # into every page from now on
        shots = []

        def shot(name):
            path = os.path.join(out, f"{name}.png")
            chrome.screenshot(path)
            check(os.path.getsize(path) > 5000, "screenshot too small:", path)
            shots.append(path)

        def size(width, height, mobile):
            chrome.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=mobile)
            return f"{width}x{height}"

        def look(name, size_name):
            """At this size: nothing scrolls sideways, no violation for axe-core, a screenshot."""
            shot(f"{name}-{size_name}")  # first: there to look at when a check below fails
            sw, iw = chrome.js("[document.documentElement.scrollWidth, window.innerWidth]")
            check(sw <= iw + 1, tag, name, size_name, f"scrolls sideways: {sw} > {iw}")
            axe_check(chrome, f"{tag}: {name} at {size_name}")

        chrome.goto(base + "/dashboard")
        check(chrome.js("location.pathname") == "/login", "not sent to the login page")
        check(chrome.js("document.querySelector('form[action=\"/login\"]') !== null"), "no login form")
        for w, h, m in sizes:
            look("login", size(w, h, m))
        size(1280, 2000, False)
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

        # Every page of the menu (so pages added to it later are covered too) and a few filtered ones, at a
        # laptop's and a phone's size.
        nav = chrome.js("[...document.querySelectorAll('header nav a')].map(a => a.pathname)")
        check(len(nav) >= 6 and "/dashboard/needs" in nav, "the menu's links:", nav)
        pages = [(p.strip("/").replace("/", "-"), p) for p in nav] + ([
            ("dashboard-texts-page2", "/dashboard/texts?page=2"),
            ("dashboard-questions-gorgie", "/dashboard/questions?venue=" + urllib.parse.quote(HOSTILE_VENUE)),
            ("dashboard-overview-no-venue", "/dashboard?venue=~none")] if zoom else [])
        for w, h, m in sizes:
            size_name = size(w, h, m)
            for name, path in pages:
                chrome.goto(base + path)
                look(name, size_name)
                if path == "/dashboard/needs":
                    # The needs table: whole at 1366 px (no scrolling inside its box); cards on a phone.
                    table_cut = chrome.js("(() => { const t = document.querySelector('.table.wide');"
                                          " return t.offsetParent !== null && t.scrollWidth > t.clientWidth + 1; })()")
                    check(not table_cut, tag, "the needs table is cut off at", size_name)
                    cards = chrome.js("document.querySelector('.cards').offsetParent !== null")
                    check(cards == m, tag, "needs as cards on the phone only", size_name, cards)
                if path == "/dashboard/questions":
                    # Charts: SVG on a laptop; on a phone, HTML bars with labels at the page's text size.
                    shown = chrome.js("[document.querySelector('figure svg').getBoundingClientRect().width > 0,"
                                      " document.querySelector('ul.bars').getBoundingClientRect().width > 0]")
                    check(shown == [not m, m], tag, "chart as SVG or HTML bars at", size_name, shown)
        # 200 % zoom: 640 CSS pixels wide at device scale 2; nothing scrolls sideways.
        chrome.call("Emulation.setDeviceMetricsOverride", width=640, height=1000, deviceScaleFactor=2, mobile=False)
        for name, path in (("overview-zoom200", "/dashboard"), ("questions-zoom200", "/dashboard/questions"),
                           ("texts-zoom200", "/dashboard/texts"), ("needs-zoom200", "/dashboard/needs")) if zoom else ():
            chrome.goto(base + path)
            sw, iw = chrome.js("[document.documentElement.scrollWidth, window.innerWidth]")
            check(sw <= iw + 1, name, f"scrolls sideways at 200 % zoom: {sw} > {iw}")
            shot(name)
        check(not chrome.dialogs, "a JavaScript dialog opened:", chrome.dialogs)
        check("Page.javascriptDialogOpening" not in chrome.events, "a JavaScript dialog opened")
        print(f"passed dashboard in Chromium ({tag}): axe-core with no violation on {len(pages) + 1} pages at "
              f"{len(sizes)} sizes; screenshots in {out}: " + ", ".join(os.path.basename(p) for p in shots))
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
            total, devices = seed(binary, db, hub)
            browser_checks(hub, artefacts, tmp, "sqlite")  # first: the review page still has texts waiting
            b = http_checks(binary, db, hub, total)
            people_checks(b, total, devices, "sqlite")
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
        postgresql(binary, artefacts, tmp)
    print("passed dashboard")


def postgresql(binary, artefacts, tmp):
    """The same pages on PostgreSQL: one hub, the browser pass (screenshots, axe-core) and the checks for people."""
    if not pg_server.find_bin_dir():
        pg_server.require()  # fails with ENGAGE_REQUIRE_POSTGRES=1, else says SKIP and exits 77
    with pg_server.PgServer() as pg:
        db = hubtest.PgDb(pg, "dashboard").spec
        cli(binary, "user", "add", USER, "--db", db, "--password-stdin", input_text=PASSWORD + "\n")
        with hubtest.Hub(binary, db, tmp, extra=["--surveys", SURVEYS], name="dashboard-pg") as hub:
            total, devices = seed(binary, db, hub)
            # The same templates as on SQLite: the laptop size is enough to see the PostgreSQL data in them.
            browser_checks(hub, artefacts, tmp, "postgresql", sizes=SIZES[:1], zoom=False)
            b = Browser(hub)
            st, _, _ = b.login(USER, PASSWORD)
            check(st == 303, "login on PostgreSQL", st)
            people_checks(b, total, devices, "postgresql")


if __name__ == "__main__":
    hubtest.run(main)
