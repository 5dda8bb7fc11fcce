#!/usr/bin/env python3
"""Urdu, Arabic, Punjabi and Bengali on the real kiosk under Xvfb (issue 13): each language chosen on the language
screen as a person would, the demo survey's first question shown shaped (read back by tesseract with that language's model),
right-to-left screens mirrored (from the automation rectangles: Back on the right, Next on the left, the worst face
on the right, the prompt against the right edge), left-to-right ones not, and the automation line keeping the text
in logical order with "direction". Then an Urdu answer typed on the Urdu on-screen keyboard (Shift for the second
level, Space, Delete; each tap pressed and released on its own) is stored exactly, as the kiosk's SQLite shows.

usage: test_scripts_ui.py KIOSK_BINARY ARTEFACT_DIR
"""
import difflib
import faulthandler
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, KioskError, Xvfb  # noqa: E402

BINARY, ARTEFACTS = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "assets", "surveys", "demo.json")  # shown in each language, read back
SURVEY = os.path.join(HERE, "scripts_survey.json")  # short, with a text question: the Urdu typing
OCR = {"ur": "urd", "ar": "ara", "pa": "pan", "bn": "ben"}
faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_UI_HANG_SECONDS", "170")), exit=True)


def widget(st, wid):
    for w in st["widgets"]:
        if w.get("id") == wid:
            return w
    raise AssertionError(f"no widget {wid}: {[w.get('id') for w in st['widgets']]}")


def letters(s):
    return [c for c in s if c.isalpha()]


def ocr(shot, rect, model, out):
    """The text tesseract reads in `rect` of the screenshot (one line, scaled up a little)."""
    crop = out + ".png"
    subprocess.run(["convert", shot, "-crop", f"{rect['w'] + 16}x{rect['h'] + 16}+{max(0, rect['x'] - 8)}+"
                    f"{max(0, rect['y'] - 8)}", "+repage", crop], check=True)
    r = subprocess.run(["tesseract", crop, "-", "-l", model, "--psm", "7"], capture_output=True, text=True)
    return r.stdout.strip()


def main():
    if not shutil.which("tesseract"):
        print("SKIPPED: tesseract is not installed (./dev.sh setup installs tesseract-ocr and its models)")
        sys.exit(77)
    with open(DEMO, encoding="utf-8") as f:
        prompts = {q["id"]: q["prompt"] for q in json.load(f)["questions"]}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--survey", DEMO],
                  artefacts=os.path.join(ARTEFACTS, "scripts"))
        try:
            st = k.wait_screen("attract")
            assert st["direction"] == "ltr", st.get("direction")
            for lang in ["ur", "ar", "pa", "bn"]:
                k.tap("access.language")
                k.wait_screen("language")
                k.tap(f"language.{lang}")
                k.wait_screen("attract")
                k.tap("attract.start")
                st = k.wait(lambda s: s["screen"] == "question" and s.get("question") == "today" and not s["pending"],
                            f"the first question in {lang}")
                shot = k.screenshot(f"{lang}-today")
                rtl = lang in ("ur", "ar")
                assert st["direction"] == ("rtl" if rtl else "ltr"), (lang, st["direction"])
                assert not st["missing_glyphs"], (lang, st["missing_glyphs"])
                back, nxt = widget(st, "nav.back"), widget(st, "nav.next")
                worst, best = widget(st, "option.1"), widget(st, "option.5")
                prompt = prompts["today"][lang]
                text = next(t for t in st["texts"] if t["text"] == prompt)  # logical order, as the survey has it
                width = 1280
                if rtl:
                    assert back["x"] > nxt["x"], (lang, "Back must be on the right", back, nxt)
                    assert worst["x"] > best["x"], (lang, "faces run from worse to better, right to left")
                    assert width - (text["x"] + text["w"]) < 80, (lang, "the prompt starts at the right", text)
                else:
                    assert back["x"] < nxt["x"] and worst["x"] < best["x"], lang
                    assert text["x"] < 80, (lang, "the prompt starts at the left", text)
                read = ocr(shot, text, OCR[lang], os.path.join(ARTEFACTS, "scripts", f"{lang}-prompt"))
                ratio = difflib.SequenceMatcher(None, letters(prompt), letters(read)).ratio()
                print(f"{lang}: tesseract read {read!r} for {prompt!r}: {ratio:.2f}")
                if ratio < 0.5:
                    failures.append(f"{lang}: tesseract read {read!r}, not {prompt!r} ({ratio:.2f})")
                k.tap("nav.back")
                k.wait_screen("attract")
        finally:
            k.stop()
            x.close()
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--survey", SURVEY],
                  artefacts=os.path.join(ARTEFACTS, "scripts"))
        try:
            k.wait_screen("attract")
            type_urdu(k)
        finally:
            k.stop()
            x.close()
        db = sqlite3.connect(os.path.join(tmp, "data", "engage.sqlite"))
        try:
            stored = [json.loads(r[0]) for r in db.execute("SELECT answers_json FROM responses")]
        finally:
            db.close()
        assert [a.get("say") for a in stored] == [URDU_WORDS], stored
    assert not failures, "\n".join(failures)


URDU_WORDS = "ٹھیک ہے"  # "it is fine": ٹ and ھ are on Shift's level, the rest on the first


def type_urdu(k):
    """Types URDU_WORDS (and one letter too many, taken back with Delete) on the Urdu keyboard of the text question."""
    k.tap("access.language")
    k.wait_screen("language")
    k.tap("language.ur")
    k.wait_screen("attract")
    k.tap("attract.start")
    k.wait_screen("question", question="today")
    k.press("nav.next")
    k.wait_screen("question", question="listened")
    k.press("nav.next")
    k.wait_screen("question", question="say")
    k.tap("text.box")
    st = k.wait(lambda s: s["screen"] == "keyboard" and not s["pending"], "the Urdu keyboard")
    assert st["direction"] == "rtl", st["direction"]
    # The keys stay where the X layout (pk) has them on a mirrored screen: ق at the left of its row, پ at the right.
    assert k.widget("key:ق")["x"] < k.widget("key:پ")["x"], (k.widget("key:ق"), k.widget("key:پ"))
    for ch in URDU_WORDS + "ا":
        if ch == " ":
            k.tap("key.space")
            continue
        if not k.has("key:" + ch):
            k.tap("key.shift")
        k.tap("key:" + ch)
    k.screenshot("ur-keyboard-typed")
    k.tap("key.delete")
    st = k.wait(lambda s: s["screen"] == "keyboard" and not s["pending"], "the keyboard after Delete")
    assert not st["missing_glyphs"], st["missing_glyphs"]
    k.screenshot("ur-keyboard")
    k.tap("key.done")
    k.wait_screen("question", question="say")
    k.press("nav.next")
    k.wait_screen("thanks", timeout=10)


if __name__ == "__main__":
    try:
        main()
    except (KioskError, AssertionError) as e:
        print(f"FAILED scripts: {e}")
        sys.exit(1)
    print("ok scripts")
