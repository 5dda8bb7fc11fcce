#!/usr/bin/env python3
"""Access UI tests: the real engage-kiosk under Xvfb, driven by xdotool through the automation file.

- keyboard_only: a full survey with Tab, Shift-Tab, arrows, Enter and Space, no pointer.
- switch_access: one-key scanning with dwell, and two keys (step, select).
- polish_large_contrast: a full survey in Polish at 200 % with high contrast, 1280x800 and 800x1280, with every
  screen checked for cut-off, overlapping or overflowing widgets and text.
- ukrainian: a full survey in Ukrainian, free text typed on the Cyrillic on-screen keyboard.
- layout_200: every respondent screen at 200 % with the easier font, landscape and portrait, checked the same way.
- read_aloud: real speech from espeak-ng into WAV files through the kiosk's own path; sox says it is not silence;
  a kiosk without the speech program says so in the access bar.

usage: test_access_ui.py KIOSK_BINARY ARTEFACT_DIR TEST_NAME
"""
import faulthandler
import glob
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, KioskError, Xvfb  # noqa: E402
from layout_checks import check_layout  # noqa: E402

BINARY, ARTEFACTS, NAME = sys.argv[1], sys.argv[2], sys.argv[3]
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets")
faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_UI_HANG_SECONDS", "280")), exit=True)

with open(os.path.join(ASSETS, "surveys", "demo.json"), encoding="utf-8") as f:
    DEMO = json.load(f)
QUESTIONS = {q["id"]: q for q in DEMO["questions"]}


def strings(lang):
    with open(os.path.join(ASSETS, "i18n", "en.json"), encoding="utf-8") as f:
        table = json.load(f)
    with open(os.path.join(ASSETS, "i18n", lang + ".json"), encoding="utf-8") as f:
        table.update(json.load(f))
    return table


def survey_text(lang, text):
    return text.get(lang) or text[DEMO["languages"][0]]


def rows(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "engage.sqlite"))
    try:
        return db.execute("SELECT language, answers_json FROM responses ORDER BY seq").fetchall()
    finally:
        db.close()


class Checked:
    """Wraps a kiosk: every screen reached through wait_screen is checked for layout problems."""

    def __init__(self, kiosk, width, height, shots_prefix=""):
        self.k, self.w, self.h, self.prefix = kiosk, width, height, shots_prefix
        self.n = 0

    def settle(self):
        """The latest frame (a tap can take a frame or two to show)."""
        time.sleep(0.25)
        self.k._read()
        return self.k.state

    def at(self, screen, question=None, shot=None):
        self.k.wait_screen(screen, question=question)
        st = self.settle()
        check_layout(st, self.w, self.h, f"{screen} {question or ''}")
        self.n += 1
        if shot:
            self.k.screenshot(f"{self.prefix}{self.n:02d}-{shot}")
        return st


# ---- helpers that speak the survey's language

def choose_language(k, t_now, lang):
    """Opens the language list from the access bar and picks `lang` by its own name."""
    k.tap(t_now["language.name"])
    k.wait_screen("language")
    k.tap(strings(lang)["language.name"])
    k.wait(lambda s: s["screen"] != "language" and s.get("lang") == lang, f"the screens in {lang}")


PAGE_KEYS = ("?123", "àé", "abc", "абв")


def type_on_keyboard(k, t, text):
    """Types on the on-screen keyboard in any of its layouts: the case with Shift, other letters on other pages."""
    for ch in text:
        if ch == " ":
            k.tap(t["keyboard.space"])
            continue
        label = "key:" + ch
        tried = []
        for _ in range(8):
            if k.has(label):
                break
            swapped = "key:" + (ch.upper() if ch == ch.lower() else ch.lower())
            if k.has(swapped):
                k.tap(t["keyboard.shift"])
                continue
            pages = [p for p in PAGE_KEYS if k.has(p) and p not in tried]
            if not pages:
                break
            tried.append(pages[0])
            k.tap(pages[0])
        k.tap(label)


def answer_demo(c, t, lang, free_text, shots=True):
    """Answers the demo survey by tapping labels in `lang`; returns the expected stored answers."""
    k = c.k
    q = QUESTIONS
    c.at("question", "today", "smiley" if shots else None)
    k.tap(t["option.smiley.4"])
    k.tap(t["nav.next"])
    c.at("question", "listened")
    k.tap(survey_text(lang, q["listened"]["options"][0]["label"]))
    k.tap(t["nav.next"])
    c.at("question", "change", "text" if shots else None)
    k.tap(t["text.tap_to_type"])
    c.at("keyboard", shot="keyboard" if shots else None)
    type_on_keyboard(k, t, free_text)
    k.tap(t["keyboard.done"])
    c.at("question", "change")
    k.tap(t["nav.next"])
    c.at("question", "with_us")
    k.tap(t["option.agree.agree"])
    k.tap(t["nav.next"])
    c.at("question", "matters", "multi" if shots else None)
    k.tap(survey_text(lang, q["matters"]["options"][0]["label"]))
    k.tap(survey_text(lang, q["matters"]["options"][1]["label"]))
    k.tap(t["nav.next"])
    c.at("question", "next_time", "needs" if shots else None)
    k.tap(t["option.needs.hearing_loop"])
    k.tap(t["nav.next"])
    c.at("question", "anything_else")
    k.tap(t["nav.finish"])
    c.at("thanks", shot="thanks" if shots else None)
    return {"today": 4, "listened": q["listened"]["options"][0]["id"], "with_us": "agree"}


def check_stored(data_dir, lang, expected, free_text):
    r = rows(data_dir)
    assert len(r) == 1, f"expected 1 stored response, found {len(r)}"
    stored_lang, answers = r[0]
    a = json.loads(answers)
    assert stored_lang == lang, f"stored in '{stored_lang}', expected '{lang}'"
    for key, value in expected.items():
        assert a[key] == value, f"{key}: {a[key]!r} != {value!r} in {a}"
    assert a["change"] == free_text, a
    assert a["next_time"]["selected"] == ["hearing_loop"], a
    assert len(a["matters"]["selected"]) == 2, a


# ---- tests

def run_in_language(lang, size, free_text, large=False, contrast=False, tag=""):
    width, height = (int(v) for v in size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb(width, height)
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), size=size,
                  artefacts=os.path.join(ARTEFACTS, f"{NAME}{tag}"))
        c = Checked(k, width, height)
        try:
            en = strings("en")
            c.at("attract", shot="attract-en")
            choose_language(k, en, lang)
            t = strings(lang)
            if large:  # by id: at 150 % the bar folds to "Make it easier", which opens the choices full screen
                k.access("access.text_size")
                k.wait(lambda s: s.get("access", {}).get("text_percent") == 150, "text at 150 %")
                k.access("access.text_size")
                k.wait(lambda s: s.get("access", {}).get("text_percent") == 200, "text at 200 %")
            if contrast:
                k.access("access.contrast")
                k.wait(lambda s: s.get("access", {}).get("high_contrast"), "high contrast")
            st = c.at("attract", shot="attract")
            assert any(w["label"] == t["attract.tap"] for w in st["widgets"]), "the attract screen is not in " + lang
            if large:
                assert st["em"] >= 2 * 27, f"text at 200 % should be about 56 px, is {st['em']}"
            k.tap(t["attract.tap"])
            expected = answer_demo(c, t, lang, free_text)
            k.tap(t["thanks.done"])
            st = c.at("attract")
            assert st["access"] == {"language": DEMO["languages"][0], "text_percent": 100, "high_contrast": False,
                                    "easy_font": False, "read_aloud": False, "more_time": False,
                                    "read_aloud_problem": ""}, f"the next person did not get the defaults: {st['access']}"
        finally:
            k.stop()
            x.close()
        check_stored(os.path.join(tmp, "data"), lang, expected, free_text)


def test_polish_large_contrast():
    run_in_language("pl", "1280x800", "głośno tu", large=True, contrast=True, tag="-landscape")
    run_in_language("pl", "800x1280", "głośno tu", large=True, contrast=True, tag="-portrait")


def test_ukrainian():
    run_in_language("uk", "1280x800", "дуже шумно", tag="")
    # Changing language while typing: the keys and the title follow, and the typed Cyrillic still has glyphs.
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), artefacts=os.path.join(ARTEFACTS, NAME))
        c = Checked(k, 1280, 800)
        try:
            c.at("attract")
            choose_language(k, strings("en"), "uk")
            uk, en = strings("uk"), strings("en")
            k.tap(uk["attract.tap"])
            c.at("question", "today")
            k.tap(uk["option.smiley.4"])
            k.tap(uk["nav.next"])
            c.at("question", "listened")
            k.tap(survey_text("uk", QUESTIONS["listened"]["options"][0]["label"]))
            k.tap(uk["nav.next"])
            c.at("question", "change")
            k.tap(uk["text.tap_to_type"])
            c.at("keyboard")
            type_on_keyboard(k, uk, "тест")
            choose_language(k, uk, "en")
            st = c.at("keyboard", shot="keyboard-switched-to-en")
            assert any(w["label"] == "key:q" for w in st["widgets"]), "the keys did not change to English"
            prompt = survey_text("en", QUESTIONS["change"]["prompt"])
            assert any(t_["text"] == prompt for t_ in st["texts"]), "the title did not change to English"
            k.tap(en["keyboard.done"])
            st = c.at("question", "change")
            assert not any("тест" in t_["text"] for t_ in st["texts"]), "typed text leaked into the automation file"
        finally:
            k.stop()
            x.close()


def test_layout_200():
    """Every respondent screen at 200 % with the easier font, in English and in Scottish Gaelic (long words)."""
    for size in ("1280x800", "800x1280"):
        width, height = (int(v) for v in size.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            x = Xvfb(width, height)
            k = Kiosk(BINARY, x, os.path.join(tmp, "data"), size=size, args=["--idle-seconds", "5"],
                      artefacts=os.path.join(ARTEFACTS, f"layout-{size}"))
            c = Checked(k, width, height)
            try:
                t = strings("en")
                c.at("attract")
                k.access("access.text_size")
                k.access("access.text_size")
                k.access("access.easy_font")
                k.wait(lambda s: s["access"]["text_percent"] == 200 and s["access"]["easy_font"], "200 % and the font")
                c.at("attract", shot="attract")
                k.tap(t["language.name"])
                c.at("language", shot="languages")
                k.tap(strings("gd")["language.name"])
                t = strings("gd")
                c.at("attract", shot="attract-gd")
                k.tap(t["attract.tap"])
                c.at("question", "today")
                k.tap(t["option.smiley.2"])  # bad: the "what was hard" text question shows
                k.tap(t["nav.next"])
                c.at("question", "today_hard", "text")
                k.tap(t["text.tap_to_type"])
                c.at("keyboard", shot="keyboard")
                type_on_keyboard(k, t, "mail me at a")
                k.tap("key:@") if k.has("key:@") else None
                k.tap(t["keyboard.done"])
                # "me at a" has no address in it: straight back. Type one that looks personal.
                c.at("question", "today_hard")
                k.tap(t["text.tap_to_type"])
                c.at("keyboard")
                k.type_keys(" 07700 900123")
                k.tap(t["keyboard.done"])
                c.at("personal_warning", shot="personal")
                k.tap(t["personal.keep"])
                c.at("question", "today_hard")
                k.tap(t["nav.next"])
                c.at("question", "listened", "choice")
                k.tap(t["nav.next"])  # required: the hint shows between Back and Next
                st = c.settle()
                k.screenshot("listened-hint")
                check_layout(st, width, height, "listened with the hint")
                k.tap(survey_text("gd", QUESTIONS["listened"]["options"][1]["label"]))
                k.tap(t["nav.next"])
                c.at("question", "change")
                k.tap(t["nav.next"])
                c.at("question", "with_us", "agree")
                k.tap(t["option.agree.unsure"])
                k.tap(t["nav.next"])
                c.at("question", "matters", "multi")
                k.tap(t["nav.next"])
                c.at("question", "next_time", "needs")
                st = k.state
                pages = st.get("answer_page", [1, 1])[1]
                assert pages > 1, "a long list at 200 % should be shown in pages, never a hidden scroll"
                k.tap("answers.more")
                k.wait(lambda s: s.get("answer_page") == [2, pages], "the second page of answers")
                c.at("question", "next_time", "needs-page-2")
                # Idle warning at 200 % (idle time 5 s): wait for it, check it, carry on.
                k.wait_screen("idle_warning", timeout=20)
                c.at("idle_warning", shot="idle")
                # "Make it easier" during the warning: still here, and More time from the choices.
                k.press("access.more")
                c.at("access", shot="make-it-easier")
                k.press("access.more_time")
                k.press("access.close")
                st = c.at("question", "next_time")
                assert st["access"]["more_time"], "More time in the bar did not give more time"
                k.tap(t["nav.next"])
                c.at("question", "anything_else")
                k.tap(t["nav.finish"])
                c.at("thanks", shot="thanks")
                # The language list is one person's too: opened on the thank-you screen and left, it closes
                # with the wipe; opened on the attract screen and left, it closes after the idle time.
                k.tap(t["language.name"])
                k.wait_screen("language")
                k.wait_screen("attract", timeout=20)
                k.tap(strings("en")["language.name"])
                k.wait_screen("language")
                st = k.wait_screen("attract", timeout=40)
                assert st["access"]["text_percent"] == 100, "the next person did not get the defaults"
            finally:
                k.stop()
                x.close()


def test_keyboard_only():
    """A full survey with the physical keyboard only: Tab, Shift-Tab, arrows, Enter and Space."""
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), artefacts=os.path.join(ARTEFACTS, "keyboard-only"))
        t = strings("en")
        try:
            k.wait_screen("attract")
            k.key("Tab")
            first = k.state.get("focus")
            assert first, "Tab did not focus anything on the attract screen"
            k.key("shift+Tab")
            assert k.state.get("focus") != first, "Shift-Tab did not move back"
            # Text at 200 % by keyboard too: at 150 % the bar folds to "Make it easier", which opens the choices;
            # then the long lists come in pages, and "More answers" is reached and pressed by keyboard too.
            k.focus_to("access.text_size")
            k.key("Return")
            k.wait(lambda s: s["access"]["text_percent"] == 150, "150 %")
            k.focus_to("access.more")
            k.key("Return")
            k.wait_screen("access")
            k.focus_to("access.text_size")
            k.key("Return")
            k.wait(lambda s: s["access"]["text_percent"] == 200, "200 %")
            k.focus_to("access.close")
            k.key("Return")
            k.wait_screen("attract")
            k.focus_to(t["attract.tap"])
            k.screenshot("01-attract-focus")
            k.key("Return")
            k.wait_screen("question", question="today")
            assert k.state.get("focus") == "", "the focus should start afresh on a new screen"
            k.focus_to(t["option.smiley.3"])
            k.key("Right")  # arrows move between the faces
            assert k.state["focus"] == t["option.smiley.4"], k.state["focus"]
            k.screenshot("02-smiley-focus")
            k.key("space")  # one answer: it moves on by itself
            k.wait_screen("question", question="listened")
            k.focus_to(survey_text("en", QUESTIONS["listened"]["options"][0]["label"]))
            first_opt, second_opt = (k.widget(survey_text("en", QUESTIONS["listened"]["options"][i]["label"]))
                                     for i in (0, 1))
            # The next option with an arrow: beside it in two columns, below it in one (large text).
            k.key("Right" if second_opt["x"] > first_opt["x"] + first_opt["w"] / 2 else "Down")
            assert k.state["focus"] == survey_text("en", QUESTIONS["listened"]["options"][1]["label"]), k.state["focus"]
            k.key("Return")
            k.wait_screen("question", question="change")
            k.focus_to(t["text.tap_to_type"])
            k.key("Return")
            k.wait_screen("keyboard")
            k.type_keys("More buses")
            k.screenshot("03-keyboard-typed")
            k.key("Return")  # nothing focused on the keyboard screen: Enter is Done
            k.wait_screen("question", question="change")
            k.focus_to(t["nav.next"])
            k.key("space")  # Space presses buttons too
            k.wait_screen("question", question="with_us")
            k.focus_to(t["option.agree.disagree"])
            k.key("space")
            k.wait_screen("question", question="matters")
            # A long list at 200 %: in pages, and "More answers" by keyboard shows the rest.
            last = survey_text("en", QUESTIONS["matters"]["options"][-1]["label"])
            assert not k.has(last), "at 200 % the last option should start on a later page"
            pages = k.state.get("answer_page", [1, 1])[1]
            assert pages > 1, "a long list at 200 % should be shown in pages"
            for _ in range(pages):
                if k.has(last):
                    break
                k.focus_to("answers.more")
                k.key("Return")
                time.sleep(0.3)
            assert k.has(last), f"'More answers' by keyboard never showed '{last}'"
            k.focus_to(last)
            k.key("space")
            k.screenshot("04-multi-paged")
            k.focus_to(t["nav.next"])
            k.key("Return")
            k.wait_screen("question", question="next_time")
            for _ in range(k.state.get("answer_page", [1, 1])[1]):
                if k.has(t["option.needs.bsl"]):
                    break
                k.focus_to("answers.more")
                k.key("Return")
                time.sleep(0.3)
            k.focus_to(t["option.needs.bsl"])
            k.key("space")
            k.focus_to(t["nav.next"])
            k.key("Return")
            k.wait_screen("question", question="anything_else")
            k.focus_to(t["nav.finish"])
            k.key("Return")
            k.wait_screen("thanks")
            k.focus_to(t["thanks.done"])
            k.key("Return")
            k.wait_screen("attract")
        finally:
            k.stop()
            x.close()
        r = rows(os.path.join(tmp, "data"))
        assert len(r) == 1, r
        a = json.loads(r[0][1])
        assert a["today"] == 4 and a["listened"] == QUESTIONS["listened"]["options"][1]["id"], a
        assert a["change"] == "More buses" and a["with_us"] == "disagree", a
        assert a["matters"]["selected"] == [QUESTIONS["matters"]["options"][-1]["id"]], a
        assert a["next_time"]["selected"] == ["bsl"], a


def test_switch_access():
    """One switch (Space) with dwell selects; two switches (Space steps, Enter selects)."""
    t = strings("en")
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--switch", "dwell", "--dwell-ms", "1500"],
                  artefacts=os.path.join(ARTEFACTS, "switch"))
        try:
            k.wait_screen("attract")
            k.focus_to(t["attract.tap"], key="space")
            k.wait_screen("question", question="today", timeout=10)  # resting on it selected it
            k.focus_to(t["option.smiley.2"], key="space")
            k.key("space")  # stepping on before the dwell ends selects nothing
            assert not k.state["can_next"], "a face was selected while stepping past it"
            k.focus_to(t["option.smiley.5"], key="space")
            time.sleep(0.6)
            k.screenshot("01-dwell-filling")
            k.wait(lambda s: s.get("can_next"), "resting on a face to select it", timeout=10)
            k.focus_to(t["nav.next"], key="space")
            k.wait_screen("question", question="listened", timeout=10)
        finally:
            k.stop()
            x.close()
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--switch", "two-keys"])
        try:
            k.wait_screen("attract")
            k.focus_to(t["attract.tap"], key="space")
            time.sleep(3.0)  # no dwell in two-key mode: still on the attract screen
            k._read()
            assert k.state["screen"] == "attract", "two-key scanning selected something on its own"
            k.key("Return")
            k.wait_screen("question", question="today")
        finally:
            k.stop()
            x.close()


def sox_stat(path):
    r = subprocess.run(["sox", path, "-n", "stat"], capture_output=True, text=True)
    if r.returncode != 0:
        raise KioskError(f"sox could not read {path}: {r.stderr.strip()}")
    out = {}
    for line in r.stderr.splitlines():
        m = re.match(r"^(.+?):\s+(-?[0-9.]+)$", line.strip())
        if m:
            out[m.group(1).strip()] = float(m.group(2))
    return out


def wait_wav(k, wav_dir, after, contains, what):
    """Waits for an utterance containing `contains`, then for espeak-ng to finish its WAV; returns the file."""
    st = k.wait(lambda s: s.get("speech", {}).get("utterances", 0) > after and contains in s["speech"]["last"],
                what, timeout=20)
    n = st["speech"]["utterances"]
    path = os.path.join(wav_dir, f"speech-{n}.wav")  # the utterance that said it, not just the newest file
    deadline = time.time() + 30
    while time.time() < deadline:
        if os.path.exists(path):
            size = os.path.getsize(path)
            time.sleep(0.7)
            if os.path.getsize(path) == size and size > 44:
                return path, n
        time.sleep(0.2)
    raise KioskError(f"no finished {path} for {what}: {sorted(os.listdir(wav_dir))}")


def test_read_aloud():
    for tool in ("espeak-ng", "sox"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            raise KioskError(f"{tool} is not installed (./dev.sh setup installs it)")
    t = strings("en")
    with tempfile.TemporaryDirectory() as tmp:
        wav_dir = os.path.join(tmp, "speech")
        os.makedirs(wav_dir)
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--speech-wav-dir", wav_dir],
                  artefacts=os.path.join(ARTEFACTS, "read-aloud"))
        try:
            k.wait_screen("attract")
            assert not glob.glob(os.path.join(wav_dir, "*.wav")), "spoke before read aloud was switched on"
            k.access("access.read_aloud")
            path, n = wait_wav(k, wav_dir, 0, t["attract.tap"], "the attract screen read aloud")
            k.tap(t["attract.tap"])
            prompt = survey_text("en", QUESTIONS["today"]["prompt"])
            path, n = wait_wav(k, wav_dir, n, prompt, "the first question read aloud")
            last = k.state["speech"]["last"]
            for word in (t["option.smiley.1"], t["option.smiley.5"], t["nav.back"], t["nav.next"]):
                assert word in last, f"'{word}' was not read out with the question: {last}"
            st = sox_stat(path)
            assert st.get("Length (seconds)", 0) > 1.0 and st.get("RMS     amplitude", st.get("RMS amplitude", 0)) > 0.005, \
                f"{path} is silence or too short: {st}"
            k.screenshot("01-question")
            k.tap(t["option.smiley.4"])  # a tapped option is spoken with its new state
            path, n = wait_wav(k, wav_dir, n, t["option.smiley.4"], "the tapped option")
            # Polish: the question in Polish, through a Polish voice.
            choose_language(k, t, "pl")
            pl = strings("pl")
            prompt_pl = survey_text("pl", QUESTIONS["today"]["prompt"])
            path, n = wait_wav(k, wav_dir, n, prompt_pl, "the question read aloud in Polish")
            st = sox_stat(path)
            assert st.get("Length (seconds)", 0) > 1.0, st
            assert max(v for key, v in st.items() if key.startswith("RMS") and "amplitude" in key) > 0.005, st
            # Focus moves speak the focused item.
            k.focus_to(pl["nav.next"])
            wait_wav(k, wav_dir, n, pl["nav.next"], "the focused button")
            # Switched off: nothing more is said.
            k.access("access.read_aloud")
            k.wait(lambda s: not s["access"]["read_aloud"], "read aloud off")
            n_off = k.state["speech"]["utterances"]
            k.tap(pl["option.smiley.5"])
            time.sleep(1.0)
            k._read()
            assert k.state["speech"]["utterances"] == n_off, "still speaking after read aloud was switched off"
        finally:
            k.stop()
            x.close()
    # A kiosk whose speech program is missing says so in the access bar, in the person's language.
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "kiosk.json")
        with open(cfg, "w") as f:
            json.dump({"speech_program": os.path.join(tmp, "no-such-espeak")}, f)
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", cfg],
                  artefacts=os.path.join(ARTEFACTS, "read-aloud"))
        try:
            k.wait_screen("attract")
            choose_language(k, strings("en"), "pl")
            pl = strings("pl")
            k.access("access.read_aloud")
            st = k.wait(lambda s: s["access"]["read_aloud_problem"] != "", "the read-aloud problem", timeout=10)
            assert st["access"]["read_aloud_problem"] == pl["access.no_speech"], st["access"]
            assert any(x_["text"] == pl["access.no_speech"] for x_ in st["texts"]), "the problem is not on screen"
            k.screenshot("02-no-speech-program")
        finally:
            k.stop()
            x.close()


TESTS = {n[5:]: f for n, f in globals().items() if n.startswith("test_")}

if __name__ == "__main__":
    if NAME not in TESTS:
        sys.exit(f"unknown test {NAME}; known: {', '.join(TESTS)}")
    try:
        TESTS[NAME]()
    except (AssertionError, KioskError) as e:
        print(f"FAILED {NAME}: {e}")
        sys.exit(1)
    print(f"passed {NAME}")
