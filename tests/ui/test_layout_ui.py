#!/usr/bin/env python3
"""Layout tests for the respondent's screen (issue 9): the real engage-kiosk under Xvfb, driven through the
automation file. For one window size and one text size, every question of a survey is visited and every page of
its answers looked at: every answer must be wholly in view on some page (never hidden by a scroll), nothing may
overlap, be cut or overflow its widget, and no target may be under 48 px.

usage: test_layout_ui.py KIOSK_BINARY ARTEFACT_DIR SURVEY WxH PERCENT
  SURVEY: "demo" (the bundled demo, in English), "long" (40 long options, in en, pl, uk and zh-Hans) or
  "easyread" (the Easy Read demo as built, ENGAGE_EASY_READ_SURVEY: every picture drawn where it belongs, with
  its words, never over an answer; then read aloud plays the recorded prompt and a tapped answer's recording,
  and a recording stops when the screen changes)
"""
import faulthandler
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, KioskError, Xvfb  # noqa: E402
from layout_checks import check_layout, inside, overlap  # noqa: E402

BINARY, ARTEFACTS, SURVEY, SIZE, PERCENT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
WIDTH, HEIGHT = (int(v) for v in SIZE.split("x"))
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets")
faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_UI_HANG_SECONDS", "280")), exit=True)

with open(os.path.join(ASSETS, "i18n", "en.json"), encoding="utf-8") as f:
    EN = json.load(f)

# Long answers in four scripts' worth of languages: each must wrap (never be cut or shrunk) and all 40 must be
# reachable on the question's pages.
LONG = {
    "en": "Answer {i}: more buses in the evening, and somewhere warm to wait that is open after six",
    "pl": "Odpowiedź {i}: więcej autobusów wieczorem i ciepłe miejsce do czekania otwarte po szóstej",
    "uk": "Відповідь {i}: більше автобусів увечері й тепле місце для очікування, відкрите після шостої",
    "zh-Hans": "答案 {i}：晚上多一些公交车，并且六点以后还有一个温暖的地方可以等车",
}


def long_survey(path):
    langs = list(LONG)
    opts = [{"id": f"o{i}", "label": {l: LONG[l].format(i=i) for l in langs}} for i in range(1, 41)]
    survey = {
        "format": 1, "id": "layout-long", "version": 1, "languages": langs,
        "title": {"en": "Layout", "pl": "Układ", "uk": "Макет", "zh-Hans": "布局"},
        "questions": [
            {"id": "many", "type": "choice", "required": True, "options": opts,
             "prompt": {"en": "Which one matters most to you?", "pl": "Co jest dla Ciebie najważniejsze?",
                        "uk": "Що для вас найважливіше?", "zh-Hans": "哪一项对你最重要？"}},
            {"id": "some", "type": "multi", "allow_other": True, "options": opts[:12],
             "prompt": {"en": "Which of these would help?", "pl": "Co by pomogło?",
                        "uk": "Що з цього допомогло б?", "zh-Hans": "哪些会有帮助？"}},
        ],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(survey, f, ensure_ascii=False)
    return survey


def expected_ids(q):
    if q["type"] == "scale":
        return [str(v) for v in range(11)]
    if q["type"] == "text":
        return []
    ids = [o["id"] for o in q.get("options", [])]
    if not ids:
        prefix = f"option.{q['type']}."
        ids = [k[len(prefix):] for k in EN if k.startswith(prefix)]
    if q.get("allow_other") and "other" not in ids:
        ids.append("other")
    return ids


def check_images(st, q, where):
    """Easy Read: the question's picture and each answer's picture are drawn, in view, with their words; the
    question's above the answers and clear of every widget, an answer's inside its own tile."""
    images = {i["id"]: i for i in st.get("images", [])}
    widgets = {w.get("id"): w for w in st["widgets"]}
    if "image" in q:
        img = images.get("image.question")
        if not img or not img["visible"] or img["alt"] != q["image"]["alt"] or img["w"] < 24 or img["h"] < 24:
            raise KioskError(f"{where}: the question's picture is not shown whole with its words: {img}")
        for w in st["widgets"]:
            if overlap(img, w):
                raise KioskError(f"{where}: the question's picture covers '{w['label']}'")
        answers = [w for w in st["widgets"] if w.get("id", "").startswith("option.")]
        if answers and img["y"] + img["h"] > min(w["y"] for w in answers) + 1:
            raise KioskError(f"{where}: the question's picture reaches into the answers")
    for o in q.get("options", []):
        tile = widgets.get("option." + o["id"])
        if "image" not in o or not tile:
            continue
        img = images.get("image.option." + o["id"])
        if not img or img["alt"] != o["image"]["alt"] or not inside(img, tile) or img["w"] < 24:
            raise KioskError(f"{where}: the picture of '{o['id']}' is not in its tile: {img} / {tile}")


def visit_question(k, q, where, shots):
    """Looks at every page of the question's answers; returns the option ids seen wholly in view."""
    st = k.wait_screen("question", question=q["id"])
    if SURVEY == "easyread":
        check_images(st, q, where)
    seen = set()
    page, pages = st.get("answer_page", [1, 1])
    if page != 1:
        raise KioskError(f"{where}: a question opened on answer page {page}")
    for p in range(1, pages + 1):
        st = k.state
        if st.get("answer_page") != [p, pages]:
            raise KioskError(f"{where}: expected answer page {p} of {pages}, got {st.get('answer_page')}")
        check_layout(st, WIDTH, HEIGHT, f"{where} page {p}/{pages}")
        for w in st["widgets"]:
            if w.get("id", "").startswith("option.") and w.get("visible"):
                seen.add(w["id"][len("option."):])
            if w.get("id", "").startswith("option.") and not w.get("visible"):
                raise KioskError(f"{where}: the answer '{w['label']}' is partly out of view")
        if shots and p <= 2:
            k.screenshot(f"{where.replace(' ', '-')}-p{p}")
        if pages > 1:
            k.tap("answers.more")  # on the last page it goes back to the first
    if pages > 1 and k.state.get("answer_page") != [1, pages]:
        raise KioskError(f"{where}: 'More answers' on the last page did not return to the first")
    missing = [i for i in expected_ids(q) if i not in seen]
    if missing:
        raise KioskError(f"{where}: answers never wholly in view on any page: {missing}")
    return st


def answer_and_go_on(k, q):
    ids = expected_ids(q)
    if q["type"] == "text":
        k.press("nav.next")
        return
    first = next(i for i in ids if i != "other")
    k.press("option." + first)
    if q["type"] in ("multi", "needs"):
        k.press("nav.next")
    else:
        k.wait(lambda s: s.get("question") != q["id"], f"{q['id']} to move on by itself")


def set_text_size(k, percent):
    for _ in range(3):
        if k.state.get("access", {}).get("text_percent") == percent:
            return
        if k.has("access.text_size"):
            k.tap("access.text_size")
        else:  # the bar has folded to "Make it easier": the choices open full screen
            k.tap("access.more")
            k.wait_screen("access")
            k.tap("access.text_size")
            k.tap("access.close")
    if k.state.get("access", {}).get("text_percent") != percent:
        raise KioskError(f"could not set the text size to {percent} %")


def run_pass(k, survey, lang, shots):
    k.wait_screen("attract")
    set_text_size(k, PERCENT)
    if lang != survey["languages"][0]:
        k.tap("access.language") if k.has("access.language") else k.tap("access.more")
        if k.state["screen"] == "access":
            k.tap("access.language")
        k.wait_screen("language")
        k.tap("language." + lang)
        k.wait_screen("attract")
    st = k.wait_screen("attract")
    check_layout(st, WIDTH, HEIGHT, f"attract {lang}")
    if "image" in survey:
        img = next((i for i in st.get("images", []) if i["id"] == "image.survey"), None)
        if not img or not img["visible"] or img["alt"] != survey["image"]["alt"]:
            raise KioskError(f"attract {lang}: the survey's picture is not shown with its words: {st.get('images')}")
    if shots:
        k.screenshot(f"{lang}-attract")
    k.tap("attract.start")
    answers = {}
    for q in survey["questions"]:
        if "show_if" in q:
            cond = q["show_if"]
            val = answers.get(cond["question"])
            if val is None or ("at_most" in cond and val > cond["at_most"]):
                continue
        where = f"{lang} {q['id']}"
        st = visit_question(k, q, where, shots)
        if q["type"] == "smiley" and PERCENT == 100 and (WIDTH, HEIGHT) == (1280, 800):
            faces = [w for w in st["widgets"] if w.get("id", "").startswith("option.")]
            if min(w["w"] for w in faces) < 120 or st.get("face_px", 0) < 120:
                raise KioskError(f"faces smaller than 120 px at 100 % on 1280x800: {st.get('face_px')}, {faces}")
        answer_and_go_on(k, q)
        if q["type"] == "smiley":
            answers[q["id"]] = 1
    k.wait_screen("thanks")
    k.tap("thanks.done")
    k.wait_screen("attract")


def recordings(k, survey):
    """Read aloud on the Easy Read demo: the recorded prompt plays instead of espeak-ng, a tapped answer's
    recording plays, and a recording stops when the screen changes (the next screen plays its own)."""
    k.wait_screen("attract")
    k.access("access.read_aloud")
    k.tap("attract.start")
    first = survey["questions"][0]
    st = k.wait(lambda s: s.get("speech", {}).get("last_recording") == first["audio"]["en"],
                "the first question's recording", timeout=20)
    played = st["speech"]["recordings"]
    k.press("option.4")  # a smiley answer has no recording; with read aloud on nothing moves on by itself
    k.press("nav.next")
    listened = next(q for q in survey["questions"] if q["id"] == "listened")
    st = k.wait(lambda s: s.get("speech", {}).get("last_recording") == listened["audio"]["en"],
                "the next question's recording (the last one stopped with its screen)", timeout=20)
    if st["speech"]["recordings"] != played + 1:
        raise KioskError(f"expected one recording more: {st['speech']}")
    k.press("option.yes")
    yes = next(o for o in listened["options"] if o["id"] == "yes")
    k.wait(lambda s: s.get("speech", {}).get("last_recording") == yes["audio"]["en"], "the answer's recording",
           timeout=20)
    k.screenshot("read-aloud-recording")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        if SURVEY == "easyread":
            path, langs = os.environ["ENGAGE_EASY_READ_SURVEY"], ["en"]
            with open(path, encoding="utf-8") as f:
                survey = json.load(f)
        elif SURVEY == "demo":
            with open(os.path.join(ASSETS, "surveys", "demo.json"), encoding="utf-8") as f:
                survey = json.load(f)
            path, langs = os.path.join(ASSETS, "surveys", "demo.json"), ["en"]
        else:
            path = os.path.join(tmp, "long.json")
            survey, langs = long_survey(path), list(LONG)
        x = Xvfb(WIDTH, HEIGHT)
        shots_dir = os.path.join(ARTEFACTS, f"layout-{SURVEY}-{SIZE}-{PERCENT}")
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--survey", path], artefacts=shots_dir, size=SIZE,
                  work_dir=os.environ.get("ENGAGE_UI_WORK_DIR"))
        try:
            for i, lang in enumerate(langs):
                run_pass(k, survey, lang, shots=(i == 0 or SURVEY == "demo"))
            if SURVEY == "easyread":
                recordings(k, survey)
        except Exception:
            k.screenshot("failure")
            raise
        finally:
            code = k.stop()
            x.close()
        if code not in (0, -15):  # SIGTERM ends the kiosk (every saved response is committed)
            raise KioskError(f"the kiosk exited {code}")
    print(f"layout {SURVEY} {SIZE} {PERCENT} %: every answer in view on some page, nothing cut or overlapping")


if __name__ == "__main__":
    main()
