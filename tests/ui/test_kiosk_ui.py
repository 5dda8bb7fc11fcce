#!/usr/bin/env python3
"""UI tests: the real engage-kiosk in a real X window (Xvfb), driven by xdotool through the automation file.

usage: test_kiosk_ui.py KIOSK_BINARY ARTEFACT_DIR TEST_NAME
"""
import faulthandler
import json
import os
import signal
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_driver import Kiosk, KioskError, Xvfb  # noqa: E402

BINARY, ARTEFACTS, NAME = sys.argv[1], sys.argv[2], sys.argv[3]
faulthandler.dump_traceback_later(int(os.environ.get("ENGAGE_UI_HANG_SECONDS", "170")), exit=True)  # a hang prints where it hung


def rows(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "engage.sqlite"))
    try:
        return db.execute("SELECT uuid, seq, survey_id, language, answers_json, created_utc,"
                          " CASE WHEN seq IN (SELECT seq FROM outbox) THEN 'pending' ELSE 'sent or set aside' END"
                          " FROM responses ORDER BY seq").fetchall()
    finally:
        db.close()


def complete_demo(k, shots=True, end_screen="thanks"):
    """Answers every question of the demo survey, with free text typed on the on-screen keyboard."""
    shot = k.screenshot if shots else (lambda name: None)
    k.wait_screen("attract")
    shot("01-attract")
    k.tap("Tap to have your say")
    k.wait_screen("question", question="today")
    k.tap("Good")  # a single answer moves on by itself
    k.wait_screen("question", question="listened")
    k.tap("Back")  # Back returns to change the answer: it is still chosen
    st = k.wait_screen("question", question="today")
    assert [w["label"] for w in st["widgets"] if w.get("selected")] == ["Good"], st["widgets"]
    k.tap("Back")  # Back from the first question leaves without saving
    k.wait_screen("attract")
    k.tap("Tap to have your say")
    k.wait_screen("question", question="today")
    k.tap("Bad")
    shot("02-smiley")
    k.tap("Next")
    k.wait_screen("question", question="today_hard")  # shown only because the answer was 1 or 2
    k.tap("Tap here to type")
    k.wait_screen("keyboard")
    k.type_on_screen("Too noisy, ring 07700 900123")
    shot("03-keyboard")
    k.tap("Done")
    k.wait_screen("personal_warning")
    shot("04-personal-details")
    k.tap("Change my answer")
    k.wait_screen("keyboard")
    for _ in ", ring 07700 900123":
        k.tap("Delete")
    k.type_on_screen(" - łatwo ż")
    k.tap("Done")
    k.wait_screen("question", question="today_hard")
    k.tap("Next")
    k.wait_screen("question", question="listened")
    before = k.state
    k.tap("Next")  # required: Next must not move on
    time.sleep(0.3)
    k._read()
    assert k.state.get("question") == "listened", "Next moved on without an answer to a required question"
    k.tap("A bit")
    k.tap("Next")
    k.wait_screen("question", question="change")
    k.tap("Next")  # optional: skip
    k.wait_screen("question", question="with_us")
    k.tap("Agree")
    k.tap("Next")
    k.wait_screen("question", question="matters")
    shot("05-multi")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets", "surveys", "demo.json")) as f:
        matters = next(q for q in json.load(f)["questions"] if q["id"] == "matters")
    k.tap(matters["options"][0]["label"]["en"])
    k.tap(matters["options"][2]["label"]["en"])
    k.tap("Other")  # opens the keyboard; Cancel leaves Other unticked and Next free
    k.wait_screen("keyboard")
    k.tap("Cancel")
    k.wait_screen("question", question="matters")
    k.tap("Other")
    k.wait_screen("keyboard")
    k.type_on_screen("Buses")
    k.tap("Done")
    k.wait_screen("question", question="matters")
    assert k.has("Other"), "the typed text leaked into the automation label"
    k.tap("Next")
    k.wait_screen("question", question="next_time")
    shot("06-needs")
    k.tap("Hearing loop")
    k.tap("Step-free access")
    k.tap("Next")
    k.wait_screen("question", question="anything_else")
    k.tap("Finish")
    k.wait_screen(end_screen)
    shot("07-" + end_screen)
    del before


def test_complete_survey():
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), artefacts=os.path.join(ARTEFACTS, "complete"))
        try:
            complete_demo(k)
            r = rows(k.data_dir)
            assert len(r) == 1, f"expected 1 stored response, found {len(r)}"
            uuid, seq, survey_id, lang, answers, created, sync = r[0]
            a = json.loads(answers)
            assert survey_id == "demo-community-voice" and lang == "en" and seq == 1 and sync == "pending", r[0]
            assert a["today"] == 2, a
            assert a["today_hard"] == "Too noisy - łatwo ż", a
            assert a["listened"] == "a_bit" or a["listened"], a
            assert a["with_us"] == "agree", a
            assert sorted(a["next_time"]["selected"]) == ["hearing_loop", "step_free"], a
            assert a["matters"]["other"] == "Buses" and a["matters"]["selected"][-1] == "other", a
            assert "change" not in a and "anything_else" not in a, a
            assert len(created) == len("2026-01-01T00:00Z") and created.endswith("Z"), created
            # The next person starts clean.
            k.tap("Done")
            k.wait_screen("attract")
            k.tap("Tap to have your say")
            k.wait_screen("question", question="today")
            assert not any(w["label"] == "Bad" and False for w in k.state["widgets"])
            k.screenshot("08-next-person")
        finally:
            k.stop()
            x.close()


def test_idle_timeout():
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--idle-seconds", "5"],
                  artefacts=os.path.join(ARTEFACTS, "idle"))
        try:
            k.wait_screen("attract")
            k.tap("Tap to have your say")
            k.wait_screen("question", question="today")
            k.tap("Very good")
            k.tap("Next")
            k.wait_screen("question", question="listened")
            k.tap("Yes")  # moves on by itself
            k.wait_screen("question", question="change")
            k.wait_screen("idle_warning", timeout=10)
            k.screenshot("01-still-there")
            assert k.has("I'm still here")
            # Carry on once: the answers are still there.
            k.tap("I'm still here")
            k.wait_screen("question", question="change")
            k.wait_screen("idle_warning", timeout=10)
            start = time.time()
            k.wait_screen("attract", timeout=30)
            waited = time.time() - start
            assert waited >= 18, f"the countdown lasted only {waited:.1f} s (must be at least 20 s)"
            k.screenshot("02-attract-again")
            assert rows(k.data_dir) == [], "a partial response was stored"
            k.tap("Tap to have your say")
            k.wait_screen("question", question="today")
            k.tap("Next")  # required and empty: the last person's answer is gone
            time.sleep(0.3)
            k._read()
            assert k.state.get("question") == "today", "the previous person's answer survived the timeout"
        finally:
            k.stop()
            x.close()


def test_facilitator():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "kiosk.json")
        with open(cfg, "w") as f:
            json.dump({"facilitator_pin": "2468"}, f)
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", cfg],
                  artefacts=os.path.join(ARTEFACTS, "facilitator"))
        try:
            k.wait_screen("attract")
            k.hold("Facilitator corner", 1.0)  # too short: nothing happens
            assert k.state["screen"] == "attract"
            k.hold("Facilitator corner", 3.4)
            k.wait_screen("pin")
            for d in "1111":
                k.tap(d)
            k.tap("OK")
            time.sleep(1.0)  # the slow hash
            k._read()
            assert k.state["screen"] == "pin"
            k.screenshot("01-wrong-pin")
            assert "4 tries left" in k.state["message"], k.state
            for d in "2468":
                k.tap(d)
            k.tap("OK")
            k.wait_screen("facilitator", timeout=10)
            k.screenshot("02-panel")
            k.tap("Start a session")
            k.wait_screen("start_session")
            k.tap("Event name")
            k.wait_screen("keyboard")
            k.type_on_screen("Park plan")
            k.tap("Done")
            k.wait_screen("start_session")
            k.tap("Venue")
            k.wait_screen("keyboard")
            k.type_on_screen("Leith Library")
            k.tap("Done")
            k.wait_screen("start_session")
            k.screenshot("03-start-session")
            k.tap("Start")
            k.wait_screen("facilitator")
            k.screenshot("04-session-started")
            k.tap("Choose the survey")
            st = k.wait_screen("choose_survey")
            demo = [w["label"] for w in st["widgets"] if "demo.json" in w["label"]]
            assert demo, st
            k.screenshot("05-choose-survey")
            k.tap(demo[0])
            k.wait_screen("facilitator")
            k.tap("Back to the kiosk")
            complete_demo(k, shots=False)
            db = sqlite3.connect(os.path.join(k.data_dir, "engage.sqlite"))
            ev = db.execute("SELECT s.event, s.venue FROM responses r JOIN sessions s ON s.id = r.session_id").fetchall()
            pin = db.execute("SELECT value FROM settings WHERE key = 'pin_hash'").fetchone()[0]
            db.close()
            assert ev == [("Park plan", "Leith Library")], ev
            assert pin.startswith("$argon2id$") and "2468" not in pin, "the PIN is not stored as a slow hash"
            k.tap("Done")
            k.wait_screen("attract")
            k.hold("Facilitator corner", 3.4)
            k.wait_screen("pin")
            for d in "2468":
                k.tap(d)
            k.tap("OK")
            k.wait_screen("facilitator", timeout=10)
            k.tap("Exit the app")  # it asks first, away from the everyday buttons
            k.wait_screen("confirm_exit")
            k.screenshot("06-confirm-exit")
            k.tap("Keep it running")
            k.wait_screen("facilitator")
            assert k.proc.poll() is None, "Keep it running closed the app"
            k.tap("Exit the app")
            k.wait_screen("confirm_exit")
            k.tap("Close Engage")
            k.proc.wait(timeout=10)
            assert k.proc.returncode == 0, k.proc.returncode
        finally:
            k.stop()
            x.close()


def test_pin_lockout():
    """Five wrong PINs lock the pad for 60 s; even the right PIN is refused while locked."""
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", write_pin_config(tmp)],
                  artefacts=os.path.join(ARTEFACTS, "pin-lockout"))
        try:
            k.wait_screen("attract")
            k.hold("Facilitator corner", 3.4)
            k.wait_screen("pin")
            for attempt in range(5):
                for d in "9999":
                    k.tap(d)
                k.tap("OK")
                left = 4 - attempt
                if left:
                    words = "1 try left" if left == 1 else f"{left} tries left"  # never "1 tries"
                    k.wait(lambda s: words in s.get("message", ""), f"wrong PIN {attempt + 1}")
            k.wait(lambda s: s.get("locked") is True, "the lock")
            k.screenshot("01-locked")
            for d in "2468":
                k.tap(d)
            k.tap("OK")
            time.sleep(1.0)
            k._read()
            assert k.state["screen"] == "pin" and k.state["locked"], k.state
            # Pulling the power gives no fresh tries: after a restart the pad is still locked.
            k.stop()
            k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", write_pin_config(tmp)],
                      artefacts=os.path.join(ARTEFACTS, "pin-lockout"))
            k.wait_screen("attract")
            k.hold("Facilitator corner", 3.4)
            st = k.wait_screen("pin")
            assert st["locked"], st
        finally:
            k.stop()
            x.close()


def test_invalid_survey():
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"format": 1, "id": "x", "version": 1, "title": "T", "languages": ["en"], "questions": [')
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--survey", bad],
                  artefacts=os.path.join(ARTEFACTS, "invalid-survey"))
        try:
            k.wait_screen("survey_error")
            k.screenshot("01-refused")
            assert k.proc.poll() is None, "the kiosk crashed on a broken survey"
        finally:
            k.stop()
            x.close()
        with open(os.path.join(tmp, "data", "kiosk-stderr.log")) as f:
            err = f.read()
        assert "bad.json" in err and "not valid JSON" in err, err


def open_panel(k, pin="2468"):
    k.hold("Facilitator corner", 3.4)
    k.wait_screen("pin")
    for d in pin:
        k.tap(d)
    k.tap("OK")
    return k.wait_screen("facilitator", timeout=10)


def test_facilitator_large_text():
    """The facilitator panel at 200 % text, in portrait and landscape: nothing overlaps, is cut or overflows its
    button; Back to the kiosk stays in view; what does not fit scrolls, every action can be scrolled wholly into
    view, and Start a session (reached that way) opens."""
    from layout_checks import check_layout
    actions = ["facilitator.pair", "facilitator.results", "facilitator.usb", "facilitator.load_usb",
               "facilitator.start", "facilitator.end", "facilitator.choose_survey"]
    for width, height in ((800, 1280), (1280, 800)):
        with tempfile.TemporaryDirectory() as tmp:
            x = Xvfb(width, height)
            k = Kiosk(BINARY, x, os.path.join(tmp, "data"), size=f"{width}x{height}",
                      args=["--config", write_pin_config(tmp), "--text-scale", "2.0"],
                      artefacts=os.path.join(ARTEFACTS, "facilitator-large"))
            try:
                k.wait_screen("attract")
                st = open_panel(k)
                time.sleep(0.3)
                k._read()
                st = k.state
                k.screenshot(f"{width}x{height}-top")

                def in_view(st):  # rows cut by the list's edge are expected while it scrolls (clipped to it)
                    return dict(st, widgets=[w for w in st["widgets"] if w["visible"]])

                check_layout(in_view(st), width, height, "the facilitator panel at 200 %")
                assert k.has("Scroll down"), "expected the panel to scroll at 200 %"
                back = k.widget("facilitator.back")
                assert back["visible"] and back["y"] + back["h"] <= height, back
                for a in actions:
                    k.reveal(a, whole=True)
                    w = k.widget(a)
                    assert w["visible"], f"{a} never wholly in view: {w}"
                    check_layout(in_view(k.state), width, height, f"the facilitator panel at 200 %, showing {a}")
                    assert k.widget("facilitator.back")["visible"]
                k.screenshot(f"{width}x{height}-scrolled")
                k.tap("facilitator.start")
                k.wait_screen("start_session")
            finally:
                k.stop()
                x.close()


def write_pin_config(tmp, pin="2468"):
    cfg = os.path.join(tmp, "kiosk.json")
    with open(cfg, "w") as f:
        json.dump({"facilitator_pin": pin}, f)
    return cfg


def test_corrupt_database():
    """A damaged database is moved aside (never overwritten), a new one started, and the facilitator told."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.makedirs(data)
        garbage = bytes(range(256)) * 64
        with open(os.path.join(data, "engage.sqlite"), "wb") as f:
            f.write(garbage)
        x = Xvfb()
        k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp)],
                  artefacts=os.path.join(ARTEFACTS, "corrupt-database"))
        try:
            st = k.wait_screen("attract")
            assert st.get("staff_notice") is True, st
            k.screenshot("01-attract-with-notice")
            st = open_panel(k)
            assert any("moved aside" in p for p in st["problems"]), st["problems"]
            k.screenshot("02-panel-notice")
            k.tap("Back to the kiosk")
            complete_demo(k, shots=False)
            assert len(rows(data)) == 1
        finally:
            k.stop()
            x.close()
        aside = [n for n in os.listdir(data) if n.startswith("engage.sqlite.corrupt-")]
        assert len(aside) >= 1, os.listdir(data)
        main_aside = [n for n in aside if not n.endswith(("-wal", "-shm", "-journal"))]
        with open(os.path.join(data, main_aside[0]), "rb") as f:
            assert f.read() == garbage, "the damaged file was changed"


def test_damaged_pages():
    """Damage that only a whole-file check finds (a page in the middle overwritten, the header intact): the kiosk
    shows its first frame without reading the whole file, the check after it finds the damage, the file is moved
    aside unchanged, a fresh one takes the next response, and the facilitator is told."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run([BINARY, "seed", "--data-dir", data, "--count", "3000"], check=True, stdout=subprocess.DEVNULL)
        path = os.path.join(data, "engage.sqlite")
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.close()
        assert pages > 20, pages
        with open(path, "r+b") as f:  # a page two thirds in: records, never the schema or the settings
            f.seek(page * (pages * 2 // 3))
            f.write(bytes([0xA5]) * page)
        with open(path, "rb") as f:
            damaged = f.read()
        x = Xvfb()
        k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp)],
                  artefacts=os.path.join(ARTEFACTS, "damaged-pages"))
        try:
            k.wait_screen("attract")
            st = k.wait(lambda s: s.get("staff_notice") is True, "the check after the first frame to find the damage", 30)
            st = open_panel(k)
            assert any("moved aside" in p for p in st["problems"]), st["problems"]
            k.screenshot("01-panel-notice")
            k.tap("Back to the kiosk")
            complete_demo(k, shots=False)
            assert len(rows(data)) == 1, "the next response goes into the fresh database"
        finally:
            k.stop()
            x.close()
        aside = [n for n in os.listdir(data) if n.startswith("engage.sqlite.corrupt-")
                 and not n.endswith(("-wal", "-shm", "-journal"))]
        assert len(aside) == 1, os.listdir(data)
        with open(os.path.join(data, aside[0]), "rb") as f:
            assert f.read() == damaged, "the damaged file was changed"
        log = open(os.path.join(data, "engage-kiosk.log"), encoding="utf-8").read()
        assert "failed its check after start" in log, log[-2000:]


def test_disk_full():
    """A save that fails (disk full) shows the respondent a calm message and the facilitator the error;
    what was saved before is intact. (A two-screen survey: the demo's full walk is test_complete_survey's.)"""
    tiny = {"format": 1, "id": "disk-full", "version": 1, "title": "Disk full", "languages": ["en"], "questions": [
        {"id": "yn", "type": "choice", "prompt": "Was it easy to find us?", "required": True,
         "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        {"id": "bye", "type": "note", "prompt": "That is all: thank you"}]}

    def answer(k, end_screen="thanks"):
        k.wait_screen("attract")
        k.tap("attract.start")
        k.wait_screen("question", question="yn")
        k.tap("option.no")
        k.wait_screen("question", question="bye", timeout=5)
        k.press("nav.next")
        k.wait_screen(end_screen, timeout=10)

    with tempfile.TemporaryDirectory() as tmp:
        mnt = os.path.join(tmp, "small-disk")
        os.makedirs(mnt)
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
                                               capture_output=True).returncode != 0:
            print("SKIPPED disk_full: needs root and tmpfs mounts to make a small disk")
            sys.exit(77)
        survey = os.path.join(tmp, "disk-full.json")
        with open(survey, "w") as f:
            json.dump(tiny, f)
        x = k = None
        try:
            data = os.path.join(mnt, "data")
            x = Xvfb()
            k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp), "--survey", survey],
                      artefacts=os.path.join(ARTEFACTS, "disk-full"), work_dir=os.path.join(tmp, "work"))
            answer(k)
            assert len(rows(data)) == 1
            k.tap("Done")
            k.wait_screen("attract")
            # Fill the disk.
            with open(os.path.join(mnt, "filler"), "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            answer(k, end_screen="save_failed")
            k.screenshot("01-save-failed")
            st = open_panel(k)
            assert any("disk is full" in p for p in st["problems"]), st["problems"]
            k.screenshot("02-panel-error")
            os.remove(os.path.join(mnt, "filler"))
            k.tap("Back to the kiosk")
            answer(k)  # space again: saving works again
            k.stop()
            r = rows(data)
            assert [row[1] for row in r] == [1, 2], r
            db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
        finally:
            if k:
                k.stop()
            if x:
                x.close()
            subprocess.run(["umount", "-l", mnt])


def test_drag_scroll():
    """A long list scrolls by dragging (a drag never taps) and with the big Up/Down buttons. Questions page their
    answers instead of scrolling, so the list here is the language list at 200 % text on a short screen."""
    with tempfile.TemporaryDirectory() as tmp:
        x = Xvfb(1280, 600)
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), size="1280x600", artefacts=os.path.join(ARTEFACTS, "scroll"))
        try:
            k.wait_screen("attract")
            k.access("access.text_size")
            k.access("access.text_size")
            k.wait(lambda s: s["access"]["text_percent"] == 200, "text at 200 %")
            k.tap("access.language")
            st = k.wait_screen("language")
            assert k.has("Scroll down"), [w["label"] for w in st["widgets"]]
            last = "language.zh-Hans"
            assert not any(w["id"] == last and w["visible"] for w in st["widgets"]), \
                "expected the language list to need scrolling at 1280x600 and 200 %"
            k.screenshot("01-top")
            def rows(s):  # where each language in sight is, as clipped to the list
                return {w["id"]: (w["y"], w["h"]) for w in s["widgets"]
                        if w["id"].startswith("language.") and w["id"] != "language.close"}

            def start_on_lowest(s):  # the lowest language in sight (a row cut by the list's edge may reach below it)
                low = max((w for w in s["widgets"] if w["id"] in rows(s)), key=lambda w: w["y"] + w["h"])
                return int(low["x"] + 40), int(low["y"] + low["h"] - 8)

            # Drag up by 200 px from the lowest language: the list moves, nothing is chosen.
            before = rows(st)
            sx, sy = start_on_lowest(st)
            k._xdo("mousemove", str(sx), str(sy), "sleep", "0.05", "mousedown", "1")
            for step in range(1, 11):
                k._xdo("mousemove", str(sx), str(sy - 20 * step), "sleep", "0.03")
            k._xdo("mouseup", "1")
            st = k.wait(lambda s: s["screen"] != "language" or rows(s) != before, "the list to scroll")
            assert st["screen"] == "language" and st["lang"] == "en", f"the drag chose a language: {st['lang']}"
            # 200 px takes the first row (about 170 px at 200 %) out of sight: not even a finger's height of it left.
            assert "language.en" not in rows(st), f"a 200 px drag left the first row in sight: {rows(st)}"
            k.screenshot("02-dragged")
            # A flick within one slow frame: the kiosk is frozen while the finger goes down, moves and lifts, so
            # every event arrives at once (ImGui alone sees only a press where the finger lifted: a tap). The list
            # still follows the finger, and the lift is not a tap on the language it ended over.
            time.sleep(0.3)
            k._read()
            st = k.state
            before = rows(st)
            sx, sy = start_on_lowest(st)
            os.kill(k.proc.pid, signal.SIGSTOP)
            try:
                k._xdo("mousemove", str(sx), str(sy), "mousedown", "1")
                for step in range(1, 6):
                    k._xdo("mousemove", str(sx), str(sy - 30 * step))
                k._xdo("mouseup", "1")
                time.sleep(0.2)
            finally:
                os.kill(k.proc.pid, signal.SIGCONT)
            st = k.wait(lambda s: s["screen"] != "language" or rows(s) != before,
                        "the list to follow a flick made within one frame")
            time.sleep(0.3)
            k._read()
            st = k.state
            assert st["screen"] == "language" and st["lang"] == "en", \
                f"the flick's lift chose a language: {st['screen']} {st['lang']}"
            for _ in range(4):  # each press moves most of the list's height
                if any(w["id"] == "language.en" and w["visible"] for w in k.state["widgets"]):
                    break
                k.tap("Scroll up")
            k.wait(lambda s: any(w["id"] == "language.en" and w["visible"] for w in s["widgets"]), "the top of the list")
            k.tap(last)  # scrolls down with the Down button to reach it
            st = k.wait(lambda s: s["screen"] == "attract" and s["lang"] == "zh-Hans", "the chosen language")
            # Outside any list too: a slide from one face to another within one frozen frame chooses neither
            # (ImGui is shown the press where the finger went down and the release where it lifted).
            k.tap("attract.start")
            st = k.wait_screen("question", question="today")
            a, b = k.widget("option.1"), k.widget("option.5")
            os.kill(k.proc.pid, signal.SIGSTOP)
            try:
                k._xdo("mousemove", str(int(a["x"] + a["w"] / 2)), str(int(a["y"] + a["h"] / 2)), "mousedown", "1")
                k._xdo("mousemove", str(int(b["x"] + b["w"] / 2)), str(int(b["y"] + b["h"] / 2)), "mouseup", "1")
                time.sleep(0.2)
            finally:
                os.kill(k.proc.pid, signal.SIGCONT)
            k.wait(lambda s: s["inputs"] > st["inputs"], "the slide to be handled")
            time.sleep(1.2)  # a chosen face would move on after 0.7 s
            k._read()
            assert k.state.get("question") == "today" and not [w["id"] for w in k.state["widgets"] if w.get("selected")], \
                f"the slide chose a face: {k.state.get('question')} {[w['id'] for w in k.state['widgets'] if w.get('selected')]}"
        finally:
            k.stop()
            x.close()


def test_sync_panel():
    """The kiosk sends each new response to a real hub soon after it is saved; with the hub gone the panel says so
    in plain words and keeps the response; "Sync now" sends it as soon as the hub is back."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sync"))
    from harness import Hub, wait_for  # noqa: E402
    hub_bin = os.environ["ENGAGE_HUB_BINARY"]
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(hub_bin, os.path.join(tmp, "hub.sqlite"), os.path.join(tmp, "hub"))
        token = hub.add_kiosk("Hall kiosk").token
        cfg = os.path.join(tmp, "kiosk.json")
        with open(cfg, "w") as f:
            json.dump({"facilitator_pin": "2468", "hub_url": hub.url, "hub_token": token}, f)
        hub.start()
        x = Xvfb()
        k = Kiosk(BINARY, x, os.path.join(tmp, "data"), args=["--config", cfg],
                  artefacts=os.path.join(ARTEFACTS, "sync"))

        def held():
            return sum(r["records"] for r in hub.status())

        try:
            complete_demo(k, shots=False)
            wait_for(lambda: held() == 1, "the response to reach the hub", interval=0.2)  # each poll runs status
            k.tap("Done")
            k.wait_screen("attract")
            hub.stop()
            complete_demo(k, shots=False)
            k.tap("Done")
            k.wait_screen("attract")
            st = open_panel(k)
            st = k.wait(lambda s: s["screen"] == "facilitator" and s["sync"]["error"] != "", "the sync error", 30)
            assert st["sync"]["waiting"] == 1 and st["sync"]["sent"] == 1, st["sync"]
            assert "hub" in st["sync"]["error"].lower(), st["sync"]
            k.screenshot("01-hub-unreachable")
            hub.start()
            k.tap("Sync now")
            k.wait(lambda s: s["screen"] == "facilitator" and s["sync"]["waiting"] == 0, "Sync now to send it", 20)
            assert held() == 2
            k.screenshot("02-all-sent")
        finally:
            k.stop()
            x.close()
            hub.stop()
        db = sqlite3.connect(os.path.join(tmp, "data", "engage.sqlite"))
        states = db.execute("SELECT seq IN (SELECT seq FROM outbox), seq IN (SELECT seq FROM quarantine)"
                            " FROM responses ORDER BY seq").fetchall()
        db.close()
        assert states == [(0, 0), (0, 0)], states  # acknowledged: neither waiting nor set aside


def test_live_results():
    """The facilitator's results screen: this session's totals, with the small-number rule."""
    for count in (3, 40):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            subprocess.run([BINARY, "seed", "--data-dir", data, "--count", str(count), "--seed", "7"], check=True,
                           stdout=subprocess.DEVNULL)
            x = Xvfb()
            k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp)],
                      artefacts=os.path.join(ARTEFACTS, "live-results"))
            try:
                k.wait_screen("attract")
                open_panel(k)
                k.tap("Results for this session")
                st = k.wait_screen("results")
                time.sleep(0.3)
                k._read()
                st = k.state
                texts = [t["text"] for t in st["texts"]]
                assert f"{count} responses in this session" in texts, texts
                k.screenshot(f"results-{count}")
                counts = [re.fullmatch(r"(\d+)(?: \((\d+)%\))?", t) for t in texts]
                numbers = [int(m.group(1)) for m in counts if m]
                if count >= 5:  # percentages beside counts, and a headline per question
                    assert any(m and m.group(2) for m in counts), texts
                    assert any(t.startswith("Most chose: ") for t in texts), texts
                    assert "Results: today" in texts, texts
                if count < 5:
                    assert any(t.startswith("Fewer than 5 responses so far") for t in texts), texts
                    assert not numbers, f"a breakdown of {count} responses was shown: {numbers}"
                else:
                    assert numbers, "no counts shown for 40 responses"
                    small = [n for n in numbers if 0 < n < 5]
                    assert not small, f"counts under 5 shown as numbers: {small}"
                    assert "fewer than 5" in texts, "expected some counts under 5 to show as 'fewer than 5'"
                k.tap("Back to the panel")
                k.wait_screen("facilitator")
            finally:
                k.stop()
                x.close()


def test_pair_on_screen():
    """Pairing from the facilitator panel, typed on the kiosk: the token and the USB bundle key are stored, and a
    response then reaches the hub."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sync"))
    from harness import Hub, wait_for  # noqa: E402
    hub_bin = os.environ["ENGAGE_HUB_BINARY"]
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(hub_bin, os.path.join(tmp, "hub.sqlite"), os.path.join(tmp, "hub"))
        enrolment = hub.add_kiosk("Hall kiosk")
        hub.start()
        x = Xvfb()
        data = os.path.join(tmp, "data")
        k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp)], artefacts=os.path.join(ARTEFACTS, "pair"))
        try:
            k.wait_screen("attract")
            st = open_panel(k)
            unprotected = "This kiosk's answers are not yet protected"
            assert any(unprotected in t["text"] for t in st["texts"]), "the panel does not say answers are unprotected"
            k.screenshot("00-unprotected")
            k.tap("Pair with hub")
            k.wait_screen("pair_hub")
            for field, value in (("Hub address", hub.url), ("Pairing code", enrolment.pairing)):
                k.tap(field)
                k.wait_screen("keyboard")
                k.type_keys(value)
                k.key("Return")  # nothing focused: Enter is Done
                k.wait_screen("pair_hub")
            k.screenshot("01-filled")
            k.tap("Pair")
            st = k.wait(lambda s: s["screen"] == "facilitator" and s["sync"]["hub"] == hub.url, "the pairing", 30)
            db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
            keys = [r[0] for r in db.execute("SELECT key FROM settings")]
            db.close()
            assert "bundle_key" in keys, f"pairing on screen stored no USB bundle key: {keys}"
            assert "hub_public_key" in keys, f"pairing on screen stored no hub key to seal answers to: {keys}"
            assert not any("not yet protected" in t["text"] for t in st["texts"]), "still says unprotected"
            k.screenshot("02-protected")
            k.tap("Back to the kiosk")
            complete_demo(k, shots=False)
            wait_for(lambda: sum(r["records"] for r in hub.status()) == 1, "the response to reach the hub", interval=0.2)
            db = sqlite3.connect(os.path.join(data, "engage.sqlite"))
            saved = db.execute("SELECT answers_json, sealed FROM responses").fetchall()
            db.close()
            assert len(saved) == 1 and saved[0][0] == "" and saved[0][1], f"the response was not saved sealed: {saved}"
            held = hub.query("SELECT answers FROM records")
            assert len(held) == 1 and "Too noisy" in json.loads(held[0][0])["today_hard"], f"the hub did not open them: {held}"
            k.stop()  # its log and automation file complete
            for name in ("engage.sqlite", "engage.sqlite-wal", "engage-kiosk.log", "automation.jsonl"):
                path = os.path.join(data, name)
                if os.path.exists(path):
                    assert b"Too noisy" not in open(path, "rb").read(), f"the typed words are in the kiosk's {name}"
        finally:
            k.stop()
            x.close()
            hub.stop()


def test_save_to_usb():
    """From the facilitator panel onto a USB stick (a real ext4 image loop-mounted under /mnt), then into the hub with
    engage-hub import: every unsent response arrives once. Without a key the facilitator is told why; the key is
    then loaded from the same stick in the panel ("Set up from a USB stick"), a damaged copy refused."""
    hub_bin = os.environ["ENGAGE_HUB_BINARY"]
    with tempfile.TemporaryDirectory() as tmp:
        stick = f"/mnt/engage-usb-{os.getpid()}"
        image = os.path.join(tmp, "stick.img")
        with open(image, "wb") as f:
            f.truncate(16 * 1024 * 1024)
        os.makedirs(stick, exist_ok=True)
        if (os.geteuid() != 0 or
                subprocess.run(["mkfs.ext4", "-q", "-F", image], capture_output=True).returncode != 0 or
                subprocess.run(["mount", "-o", "loop", image, stick], capture_output=True).returncode != 0):
            os.rmdir(stick)
            print("SKIPPED save_to_usb: needs root and loop mounts to make a USB stick")
            sys.exit(77)
        x = k = None
        try:
            hub_db = os.path.join(tmp, "hub.sqlite")
            enrol = subprocess.run([hub_bin, "kiosk", "add", "Leith Library", "--db", hub_db, "--json"],
                                   check=True, capture_output=True, text=True)
            hub_kiosk = json.loads(enrol.stdout)["id"]
            key_file = os.path.join(tmp, "kiosk.key")
            subprocess.run([hub_bin, "kiosk", "key", hub_kiosk, "--out", key_file, "--db", hub_db], check=True,
                           capture_output=True)
            data = os.path.join(tmp, "data")
            subprocess.run([BINARY, "seed", "--data-dir", data, "--count", "30"], check=True, stdout=subprocess.DEVNULL)
            x = Xvfb()
            # First without a key: the facilitator is told, nothing is written.
            k = Kiosk(BINARY, x, data, args=["--config", write_pin_config(tmp)],
                      artefacts=os.path.join(ARTEFACTS, "usb"), work_dir=os.path.join(tmp, "work"))
            k.wait_screen("attract")
            open_panel(k)
            k.tap("Save to a USB stick")
            st = k.wait_screen("save_to_usb")
            label = next((w["label"] for w in st["widgets"] if w["label"].startswith(os.path.basename(stick))), None)
            assert label, f"the stick {stick} is not offered: {[w['label'] for w in st['widgets']]}"
            k.tap(label)
            st = k.wait(lambda s: any(t["text"].startswith("Could not save") for t in s.get("texts", [])),
                        "the no-key message", 20)
            written = [f for f in os.listdir(stick) if f != "lost+found"]
            assert not written, f"something was written without a key: {written}"
            k.screenshot("01-no-key")
            # The key from the hub on the stick, set up from the panel (no command line): next to it a damaged
            # copy, a link to the key (never followed) and a large file that is not a key (never listed).
            os.makedirs(os.path.join(stick, "engage"))
            shutil.copy(key_file, os.path.join(stick, "engage", "leith.key"))
            with open(key_file, "rb") as f:
                whole = f.read()
            with open(os.path.join(stick, "broken.key"), "wb") as f:
                f.write(whole[:len(whole) // 2])
            os.symlink(os.path.join(stick, "engage", "leith.key"), os.path.join(stick, "link.key"))
            with open(os.path.join(stick, "photo.jpg"), "wb") as f:
                f.write(os.urandom(200 * 1024))
            k.tap("Back to the panel")
            k.wait_screen("facilitator")
            k.press("facilitator.load_usb")
            st = k.wait_screen("load_from_usb")
            files = [w["label"] for w in st["widgets"] if w.get("id", "").startswith("setup.file.")]
            assert len(files) == 2, f"expected the key and the damaged copy, not the link or the photo: {files}"
            assert any(f.startswith("engage/leith.key") and "Leith Library" in f for f in files), files
            broken = next(w for w in st["widgets"] if w["label"].startswith("broken.key"))
            k.tap(broken["label"])
            st = k.wait(lambda s: s.get("setup_error") and "damaged" in s.get("setup_message", ""),
                        "the damaged file to be refused", 10)
            k.screenshot("02-setup-damaged")
            k.tap(next(f for f in files if f.startswith("engage/leith.key")))
            st = k.wait(lambda s: s.get("setup_message") and not s.get("setup_error"), "the key to be loaded", 10)
            assert st["setup_message"] == "Done: this kiosk now has its key from the hub.", st["setup_message"]
            k.screenshot("03-setup-done")
            k.press("setup.back")
            k.wait_screen("facilitator")
            k.tap("Save to a USB stick")
            st = k.wait_screen("save_to_usb")
            label = next(w["label"] for w in st["widgets"] if w["label"].startswith(os.path.basename(stick)))
            k.tap(label)  # its free space changed with the files above
            st = k.wait(lambda s: any(t["text"].startswith("Saved 30 responses") for t in s.get("texts", [])),
                        "the bundle to be written", 30)
            k.screenshot("02-saved")
            bundles = [f for f in os.listdir(stick) if f.endswith(".bundle")]
            # The bundle is written at the top of the stick; the setup files are left as they were.
            assert len(bundles) == 1, os.listdir(stick)
            k.tap("Back to the panel")
            st = k.wait_screen("facilitator")
            assert st["sync"]["waiting"] == 30, "responses must stay waiting until the hub acknowledges them"
        finally:
            if k:
                k.stop()
            if x:
                x.close()
            imported = None
            if os.path.ismount(stick):
                files = [os.path.join(stick, f) for f in os.listdir(stick) if f.endswith(".bundle")]
                if files:
                    imported = [subprocess.run([hub_bin, "import", files[0], "--db", hub_db, "--json"],
                                               capture_output=True, text=True) for _ in range(2)]
                subprocess.run(["umount", stick], capture_output=True)
            os.rmdir(stick)
        # Imported twice: 30 stored, then 30 already held.
        assert imported and all(r.returncode == 0 for r in imported), [r.stderr for r in imported or []]
        db = sqlite3.connect(hub_db)
        n = db.execute("SELECT count(*) FROM records").fetchone()[0]
        db.close()
        assert n == 30, f"the hub holds {n} records after importing the bundle twice"


def test_published_survey():
    """A survey published on the hub reaches the running kiosk in a sync pass while someone is answering: it does
    not change under them (their response names the survey they answered); the next person gets it, from the
    welcome screen on. The facilitator panel says which survey is live and where it came from, and the chooser
    lists it with the others. Screenshots: landscape at 100 %, portrait at 200 %."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sync"))
    from harness import Hub, wait_for  # noqa: E402
    hub_bin = os.environ["ENGAGE_HUB_BINARY"]
    local = {"format": 1, "id": "local-one", "version": 1, "title": "Local one", "languages": ["en"], "questions": [
        {"id": "yn", "type": "choice", "prompt": "Was it easy to find us?", "required": True,
         "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        {"id": "bye", "type": "note", "prompt": "That is all: thank you"}]}
    published = {"format": 1, "id": "drop-in", "version": 1, "title": "Drop-in from the hub", "languages": ["en"],
                 "questions": [{"id": "visit", "type": "choice", "prompt": "First time here?", "required": True,
                                "options": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]}]}

    def answer_local(k):
        k.wait_screen("question", question="yn")
        k.tap("option.yes")
        k.wait_screen("question", question="bye", timeout=5)
        k.press("nav.next")
        k.wait_screen("thanks", timeout=10)

    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(hub_bin, os.path.join(tmp, "hub.sqlite"), os.path.join(tmp, "hub"))
        token = hub.add_kiosk("Hall kiosk").token
        for name, survey in (("local.json", local), ("drop-in.json", published)):
            with open(os.path.join(tmp, name), "w") as f:
                json.dump(survey, f)
        hub.cli("survey", "add", os.path.join(tmp, "drop-in.json"), "--db", hub.db)
        cfg = os.path.join(tmp, "kiosk.json")
        with open(cfg, "w") as f:
            json.dump({"facilitator_pin": "2468", "hub_url": hub.url, "hub_token": token}, f)
        hub.start()
        data = os.path.join(tmp, "data")
        held = os.path.join(data, "surveys", "hub", "drop-in-v1.json")
        x = Xvfb()
        k = Kiosk(BINARY, x, data, args=["--config", cfg, "--survey", os.path.join(tmp, "local.json")],
                  artefacts=os.path.join(ARTEFACTS, "published-survey"))
        try:
            k.wait_screen("attract")
            wait_for(lambda: "surveys=0 status=200" in open(hub.log_path).read(), "the kiosk's first pass", 30)
            # The hub is away while the survey is published and two people answer: the pass the first one's
            # response sets off fails, and the retry after the hub is back (backoff, 1 to 10 s, then longer) brings
            # the published survey while the second person is on a question.
            hub.stop()
            hub.cli("survey", "publish", "drop-in", "--all", "--db", hub.db)
            k.tap("attract.start")
            answer_local(k)
            k.tap("Done")
            k.wait_screen("attract")
            k.tap("attract.start")
            k.wait_screen("question", question="yn")
            assert not os.path.exists(held), "the survey arrived with the hub away"
            hub.start()
            wait_for(lambda: os.path.exists(held), "the published survey to be stored", 45, interval=0.2)
            time.sleep(1.0)
            k._read()
            assert k.state["screen"] == "question" and k.state.get("question") == "yn", \
                f"the survey changed under a respondent: {k.state['screen']} {k.state.get('question')}"
            k.screenshot("01-mid-respondent-unchanged")
            answer_local(k)
            k.tap("Done")
            k.wait_screen("attract")
            k.tap("attract.start")
            k.wait_screen("question", question="visit")  # the next person: the published survey
            k.screenshot("02-next-person-published")
            k.tap("Back")
            k.wait_screen("attract")
            st = open_panel(k)
            texts = [t["text"] for t in st["texts"]]
            assert "Live survey: Drop-in from the hub (version 1), from the hub" in texts, texts
            k.screenshot("03-panel-live-from-hub")
            k.tap("Choose the survey")
            st = k.wait_screen("choose_survey")
            labels = [w["label"] for w in st["widgets"]]
            assert "Drop-in from the hub\nfrom the hub · drop-in-v1.json" in labels, labels
            assert "Local one\na file on this kiosk · local.json" in labels, labels
            assert any(l.endswith("built in · demo.json") for l in labels), labels
            k.screenshot("04-chooser")
        finally:
            k.stop()
            x.close()
            hub.stop()
        got = [(r[2]) for r in rows(data)]
        assert got == ["local-one", "local-one"], got
        # Portrait at 200 %: the panel and the chooser with the published survey (a restart keeps it live).
        with open(cfg, "w") as f:
            json.dump({"facilitator_pin": "2468", "text_scale": 2.0}, f)
        x = Xvfb(800, 1280)
        k = Kiosk(BINARY, x, data, args=["--config", cfg, "--survey", os.path.join(tmp, "local.json")],
                  artefacts=os.path.join(ARTEFACTS, "published-survey"), size="800x1280")
        try:
            k.wait_screen("attract")
            st = open_panel(k)
            assert "Live survey: Drop-in from the hub (version 1), from the hub" in [t["text"] for t in st["texts"]]
            k.screenshot("05-panel-portrait-200")
            k.tap("Choose the survey")
            k.wait_screen("choose_survey")
            k.screenshot("06-chooser-portrait-200")
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
