#!/usr/bin/env python3
"""UI tests for the respondent's screen and the facilitator's safety (issue 9), run as a person would: the real
engage-kiosk under Xvfb, xdotool pressing and releasing as separate events, read through the automation file.

- quick_answers: a single answer moves on by itself about 0.7 s after the tap, with the answer shown chosen;
  Back returns to it still chosen; the progress total never changes on a screen and the bar never goes back;
  not with read aloud on, nor when the survey says "auto_advance": false.
- access_words: the access bar keeps its words with the state written ("High contrast: On"); at 200 % it folds
  to the language and "Make it easier", which opens every choice full screen.
- keyboard_more: Delete repeats while held; Polish letters on the first page; "Other" shows the question;
  the hub address layout has . : / - and digits on one page.
- pin_reset: a one-time code from the hub resets a forgotten PIN, once; a replay and a wrong code are refused.
- note: a words-only question shows Next and no answers, is not counted in "Question N of M", and nothing of it is
  stored; Other on a single choice (allow_other) takes typed words and stores them with it.
- load_from_usb: the key file the hub writes, loaded from a (loop-mounted) USB stick in the panel.

usage: test_respondent_ui.py KIOSK_BINARY ARTEFACT_DIR TEST_NAME   (ENGAGE_HUB_BINARY names engage-hub)
"""
import faulthandler
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

BINARY, ARTEFACTS, NAME = sys.argv[1], sys.argv[2], sys.argv[3]
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets")
DEMO = os.path.join(ASSETS, "surveys", "demo.json")
faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_UI_HANG_SECONDS", "170")), exit=True)


def lines(k):
    """Every automation line written so far (the driver keeps only the latest)."""
    with open(k.auto, "rb") as f:  # whole lines only: the last may be cut mid-write, even inside a character
        data = f.read()
    return [json.loads(line) for line in data[:data.rfind(b"\n") + 1].split(b"\n") if line]


def write_pin_config(tmp, pin="2468", extra=None):
    cfg = os.path.join(tmp, "kiosk.json")
    with open(cfg, "w") as f:
        json.dump({"facilitator_pin": pin, **(extra or {})}, f)
    return cfg


def open_panel(k, pin="2468"):
    k.hold("Facilitator corner", 3.4)
    k.wait_screen("pin")
    for d in pin:
        k.tap(d)
    k.tap("OK")
    return k.wait_screen("facilitator", timeout=10)


def chosen(state):
    return [w["id"] for w in state["widgets"] if w.get("selected")]


def test_quick_answers():
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), artefacts=os.path.join(ARTEFACTS, "quick-answers"))
        try:
            k.wait_screen("attract")
            k.tap("attract.start")
            st = k.wait_screen("question", question="today")
            first = st["progress"]
            assert first["step"] == 1 and first["fraction"] == 0, first
            start = len(lines(k))
            t0 = time.time()
            k.tap("option.4", settle=False)
            st = k.wait_screen("question", question="listened", timeout=5)
            took = time.time() - t0
            seen = lines(k)[start:]
            # The chosen face was shown (and the flow said it was moving on) before the next question came.
            shown = [s for s in seen if s.get("question") == "today" and "option.4" in chosen(s)]
            assert shown and any(s.get("advancing") for s in shown), "the chosen answer was not shown before moving on"
            assert all(s["progress"]["total"] == first["total"] for s in seen if s.get("question") == "today"), \
                "the progress total changed on the screen after an answer"
            assert 0.6 <= took < 4, f"moved on after {took:.2f} s (about 0.7 s expected)"
            assert st["progress"]["step"] == 2 and st["progress"]["fraction"] > first["fraction"], st["progress"]
            k.screenshot("01-moved-on")
            # Back returns to the answer, still chosen, and nothing moves on by itself.
            k.tap("nav.back")
            st = k.wait_screen("question", question="today")
            assert chosen(st) == ["option.4"], chosen(st)
            time.sleep(1.2)
            k._read()
            assert k.state.get("question") == "today", "Back was followed by a move on"
            k.tap("option.2")  # a different answer moves on again (and "Bad" shows the follow-up question)
            k.wait_screen("question", question="today_hard", timeout=5)
            k.press("nav.next")  # optional text question: Next skips it
            k.wait_screen("question", question="listened")
            # Read aloud on: the person hears the screen and moves on with Next.
            k.tap("access.read_aloud")
            k.tap("option.yes")
            time.sleep(1.5)
            k._read()
            assert k.state.get("question") == "listened" and chosen(k.state) == ["option.yes"], k.state.get("question")
            k.press("nav.next")
            k.wait_screen("question", question="change")
        finally:
            k.stop()
            x.close()
        # A survey that turns it off.
        with open(DEMO, encoding="utf-8") as f:
            survey = json.load(f)
        survey["auto_advance"] = False
        path = os.path.join(tmp, "no-auto.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(survey, f, ensure_ascii=False)
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data2"), args=["--survey", path])
        try:
            k.wait_screen("attract")
            k.tap("attract.start")
            k.wait_screen("question", question="today")
            k.tap("option.5")
            time.sleep(1.5)
            k._read()
            assert k.state.get("question") == "today" and chosen(k.state) == ["option.5"], "auto_advance false moved on"
        finally:
            k.stop()
            x.close()


def test_note():
    """A note (words only) shows its words and Next, no answers; nothing of it is stored. Other on a single choice
    (allow_other) opens the keyboard, is chosen once words are typed, and is stored with them."""
    survey = {"format": 1, "id": "notes", "version": 1, "title": "Notes", "languages": ["en"], "questions": [
        {"id": "welcome", "type": "note", "prompt": "Thank you for stopping by", "help": "It takes two minutes."},
        {"id": "yn", "type": "choice", "prompt": "Was it easy to find us?", "required": True,
         "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        {"id": "heard", "type": "choice", "prompt": "How did you hear of us?", "allow_other": True,
         "options": [{"id": "radio", "label": "Radio"}, {"id": "friend", "label": "A friend"}]},
        {"id": "bye", "type": "note", "prompt": "That is all: thank you"}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notes.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(survey, f)
        data = os.path.join(tmp, "data")
        x = Xvfb()
        k = Kiosk(BINARY, x, data, args=["--survey", path], artefacts=os.path.join(ARTEFACTS, "note"))
        try:
            k.wait_screen("attract")
            k.tap("attract.start")
            st = k.wait_screen("question", question="welcome")
            ids = [w["id"] for w in st["widgets"]]
            assert "nav.next" in ids and not any(i.startswith("option.") for i in ids), ids
            # A note is not a question: no "Question 1 of 4", the bar only; the questions count two.
            assert st["progress"]["note"] and st["progress"]["total"] == 2, st["progress"]
            assert not any(t["text"].startswith("Question ") for t in st["texts"]), [t["text"] for t in st["texts"]]
            k.screenshot("01-note")
            k.press("nav.next")
            st = k.wait_screen("question", question="yn")
            assert not st["progress"]["note"] and (st["progress"]["step"], st["progress"]["total"]) == (1, 2), st["progress"]
            assert any(t["text"] == "Question 1 of 2" for t in st["texts"]), [t["text"] for t in st["texts"]]
            k.tap("option.yes")  # moves on by itself
            k.wait_screen("question", question="heard", timeout=5)
            k.tap("option.other")
            k.wait_screen("keyboard")
            for ch in "Bus":  # a fresh text starts with a capital
                k.tap(f"key.{ch}" if k.has(f"key.{ch}") else f"key.{ch.swapcase()}")
            k.tap("key.done")
            st = k.wait_screen("question", question="heard")
            assert chosen(st) == ["option.other"], chosen(st)
            assert k.widget("option.other")["label"] == "Other", k.widget("option.other")  # never the typed words
            k.screenshot("02-choice-other")
            k.press("nav.next")
            k.wait_screen("question", question="bye", timeout=5)
            k.press("nav.next")
            k.wait_screen("thanks", timeout=10)
        finally:
            k.stop()
            x.close()
        db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
        try:
            stored = [r[0] for r in db.execute("SELECT answers_json FROM responses")]
        finally:
            db.close()
        assert len(stored) == 1 and json.loads(stored[0].lower()) == {
            "yn": "yes", "heard": {"selected": ["other"], "other": "bus"}}, stored


def test_access_words():
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), artefacts=os.path.join(ARTEFACTS, "access-words"))
        try:
            st = k.wait_screen("attract")
            labels = {w["id"]: w["label"] for w in st["widgets"]}
            assert labels["access.contrast"] == "High contrast: Off", labels
            assert labels["access.read_aloud"] == "Read aloud: Off" and labels["access.more_time"] == "More time: Off"
            k.tap("access.contrast")
            k._read()
            labels = {w["id"]: w["label"] for w in k.state["widgets"]}
            assert labels["access.contrast"] == "High contrast: On", labels
            k.screenshot("01-contrast-on")
            k.tap("access.text_size")  # 150 %: the words no longer fit one or two rows, so the bar folds
            ids = [w["id"] for w in k.state["widgets"]]
            assert "access.more" in ids and "access.text_size" not in ids, ids
            k.tap("access.more")
            k.wait_screen("access")
            k.tap("access.text_size")  # 200 %
            k.tap("access.close")
            st = k.wait_screen("attract")
            assert st["access"]["text_percent"] == 200, st["access"]
            ids = [w["id"] for w in st["widgets"]]
            assert "access.more" in ids and "access.language" in ids and "access.contrast" not in ids, ids
            assert [w["label"] for w in st["widgets"] if w["id"] == "access.more"] == ["Make it easier"]
            k.screenshot("02-folded-200")
            k.tap("access.more")
            st = k.wait_screen("access")
            labels = {w["id"]: w["label"] for w in st["widgets"]}
            assert labels["access.contrast"] == "High contrast: On" and labels["access.text_size"] == "Text size: largest", labels
            assert all(w["visible"] for w in st["widgets"]), "a choice is out of view"
            k.screenshot("03-make-it-easier")
            k.tap("access.easy_font")
            k._read()
            assert k.state["access"]["easy_font"] and k.state["screen"] == "access"
            k.tap("access.close")
            k.wait_screen("attract")
        finally:
            k.stop()
            x.close()


def test_keyboard_more():
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", write_pin_config(tmp)],
                  artefacts=os.path.join(ARTEFACTS, "keyboard-more"))
        try:
            k.wait_screen("attract")
            k.tap("attract.start")
            k.wait_screen("question", question="today")
            k.tap("option.2")
            k.wait_screen("question", question="today_hard")
            k.tap("text.box")
            k.wait_screen("keyboard")
            k.type_keys("ring me on 07700 900123")
            count = lambda s: next(int(m.group(1)) for t in s["texts"]  # noqa: E731
                                   if (m := re.fullmatch(r"(\d+) / \d+", t["text"])))
            assert count(k.state) == 23, count(k.state)
            k.hold("key.delete", 2.5)  # a finger held on Delete: it repeats
            st = k.wait(lambda s: count(s) == 0, "Delete held to clear the text", 5)
            k.tap("key.delete")  # and a plain tap still works on an empty text
            k.tap("keyboard.cancel")
            k.wait_screen("question", question="today_hard")
            k.press("nav.next")
            k.wait_screen("question", question="listened")
            k.tap("nav.back")
            k.tap("nav.back")
            k.tap("nav.back")
            k.wait_screen("attract")
            # Polish: its own letters on the first page.
            k.tap("access.language")
            k.wait_screen("language")
            k.tap("language.pl")
            k.wait_screen("attract")
            k.tap("attract.start")
            k.tap("option.2")
            k.wait_screen("question", question="today_hard")
            k.tap("text.box")
            st = k.wait_screen("keyboard")
            keys = {w["id"] for w in st["widgets"]}
            for ch in "ąćęłńóśźż":  # a fresh text starts with a capital: Ą or ą
                assert f"key.{ch}" in keys or f"key.{ch.upper()}" in keys, f"the Polish letter {ch} is not on the first page"
            k.screenshot("01-polish-letters")
            k.tap("keyboard.cancel")
            k.press("nav.next")
            k.wait_screen("question", question="listened")
            k.tap("option.yes")
            k.wait_screen("question", question="change")
            k.press("nav.next")
            k.wait_screen("question", question="with_us")
            k.tap("option.agree")
            k.wait_screen("question", question="matters")
            k.tap("option.other")  # the keyboard's title is the question, then "Other"
            st = k.wait_screen("keyboard")
            texts = [t["text"] for t in st["texts"]]
            with open(DEMO, encoding="utf-8") as f:
                matters = next(q for q in json.load(f)["questions"] if q["id"] == "matters")
            prompt = matters["prompt"]["pl"]
            assert any(prompt in t for t in texts), texts
            k.screenshot("02-other-title")
            k.tap("keyboard.cancel")
            k.wait_screen("question", question="matters")
            k.tap("nav.back")
            k.wait_screen("question")
            # The hub's address: . : / - and digits on the first page, no page changes to type a URL.
            k.stop()
            k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", write_pin_config(tmp)],
                      artefacts=os.path.join(ARTEFACTS, "keyboard-more"), work_dir=os.path.join(tmp, "w2"))
            k.wait_screen("attract")
            open_panel(k)
            k.tap("facilitator.pair")
            k.wait_screen("pair_hub")
            k.tap("pair.hub")
            st = k.wait_screen("keyboard")
            keys = {w["id"] for w in st["widgets"]}
            for ch in ".:/-0123456789":
                assert f"key.{ch}" in keys, f"'{ch}' is not on the address keyboard's first page: {sorted(keys)}"
            k.screenshot("03-address-keyboard")
            taps = 0
            for ch in "http://10.0.0.5:8443/x":
                k.tap("key." + ch)
                taps += 1
            k.tap("key.done")
            st = k.wait_screen("pair_hub")
            assert st["hub_address"] == "http://10.0.0.5:8443/x", st.get("hub_address")
            assert taps == len("http://10.0.0.5:8443/x"), "typing the address needed page changes"
        finally:
            k.stop()
            x.close()


def hub_kiosk_with_key(tmp, data):
    """A kiosk enrolled on a hub, with the key file the hub writes loaded on the kiosk's command line."""
    hub = os.environ["ENGAGE_HUB_BINARY"]
    hub_db = os.path.join(tmp, "hub.sqlite")
    enrol = subprocess.run([hub, "kiosk", "add", "Leith Library", "--db", hub_db, "--json"], check=True,
                           capture_output=True, text=True)
    kid = json.loads(enrol.stdout)["id"]
    key_file = os.path.join(tmp, "kiosk.key")
    subprocess.run([hub, "kiosk", "key", kid, "--out", key_file, "--db", hub_db], check=True, capture_output=True)
    return hub, hub_db, kid, key_file


def reset_code(hub, hub_db, kid):
    r = subprocess.run([hub, "kiosk", "reset-code", kid, "--db", hub_db], check=True, capture_output=True, text=True)
    m = re.search(r"\b(\d{4})-(\d{4})\b", r.stdout)
    assert m, r.stdout
    return m.group(1) + m.group(2)


def enter_code(k, code):
    for d in code:
        k.tap(d)
    k.tap("OK")


def test_pin_reset():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        hub, hub_db, kid, key_file = hub_kiosk_with_key(tmp, data)
        subprocess.run([BINARY, "seed", "--data-dir", data, "--count", "1"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([BINARY, "pair", "--key-file", key_file, "--data-dir", data], check=True, capture_output=True)
        db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
        db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('pin_hash', 'forgotten')")
        db.commit()
        db.close()
        x = Xvfb()
        k = Kiosk(BINARY, x, data, artefacts=os.path.join(ARTEFACTS, "pin-reset"))
        try:
            k.wait_screen("attract")
            k.hold("Facilitator corner", 3.4)
            k.wait_screen("pin")
            k.tap("pin.forgot")
            k.wait_screen("pin_reset")
            k.screenshot("01-reset-code")
            enter_code(k, "12345678")
            k.wait(lambda s: s.get("message") == "That code is not right.", "a wrong code refused")
            code = reset_code(hub, hub_db, kid)
            enter_code(k, code)
            k.wait_screen("pin_setup")
            for _ in range(2):
                enter_code(k, "8642")
            k.wait_screen("facilitator", timeout=10)
            k.screenshot("02-new-pin")
            k.tap("facilitator.back")
            k.wait_screen("attract")
            # The same code again: refused (each code works once).
            k.hold("Facilitator corner", 3.4)
            k.wait_screen("pin")
            k.tap("pin.forgot")
            k.wait_screen("pin_reset")
            enter_code(k, code)
            k.wait(lambda s: s.get("message") == "That code is not right.", "a used code refused")
            k.tap("pin.cancel")
            k.wait_screen("attract")
            open_panel(k, "8642")
        finally:
            k.stop()
            x.close()
        log = open(os.path.join(data, "engage-kiosk.log"), encoding="utf-8").read()
        assert code not in log, "the reset code was written to the log"


def main():
    tests = {n[len("test_"):]: f for n, f in globals().items() if n.startswith("test_")}
    try:
        tests[NAME]()
    except (KioskError, AssertionError) as e:
        print(f"FAILED {NAME}: {e}")
        sys.exit(1)
    print(f"ok {NAME}")


if __name__ == "__main__":
    main()
