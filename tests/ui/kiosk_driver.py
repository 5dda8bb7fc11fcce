"""Drives the real engage-kiosk binary in a real X window (Xvfb) with xdotool, by widget label,
through the kiosk's automation file. Used by the UI tests and the benchmarks."""
import json
import os
import signal
import subprocess
import time


class KioskError(AssertionError):
    pass


class Xvfb:
    """A private X server; it picks a free display number itself (-displayfd), so tests can run in parallel."""

    def __init__(self, width=1280, height=800):
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24",
                                      "-nolisten", "tcp"], pass_fds=(w,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        number = b""
        deadline = time.time() + 15
        while not number.endswith(b"\n") and time.time() < deadline:
            chunk = os.read(r, 16)
            if not chunk:
                break
            number += chunk
        os.close(r)
        if not number.strip():
            raise KioskError("Xvfb did not start")
        self.display = ":" + number.decode().strip()

    def env(self):
        e = dict(os.environ)
        e["DISPLAY"] = self.display
        return e

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Kiosk:
    def __init__(self, binary, xvfb, data_dir, args=(), artefacts=None, size="1280x800", work_dir=None):
        """work_dir holds the automation file and the kiosk's stderr (default: data_dir)."""
        self.xvfb = xvfb
        self.data_dir = data_dir
        self.artefacts = artefacts
        work_dir = work_dir or data_dir
        self.auto = os.path.join(work_dir, "automation.jsonl")
        os.makedirs(data_dir, exist_ok=True)
        os.makedirs(work_dir, exist_ok=True)
        if os.path.exists(self.auto):
            os.remove(self.auto)
        self.log = open(os.path.join(work_dir, "kiosk-stderr.log"), "w")
        self.proc = subprocess.Popen([binary, "--windowed", "--size", size, "--data-dir", data_dir,
                                      "--automation", self.auto, *args],
                                     env=xvfb.env(), stdout=self.log, stderr=subprocess.STDOUT)
        self._offset = 0
        self.state = None
        # Single-answer questions move on by themselves a moment after the tap (auto-advance). A test written as
        # a person would ("tap Good, tap Next") then finds the next question already showing: the Next that
        # followed an auto-advance is the tap a person no longer needs, so tap() leaves it out.
        self.auto_advanced = False

    # -- reading the automation file
    def _read(self):
        if not os.path.exists(self.auto):
            return
        # Bytes, and only whole lines: the kiosk may be mid-write, and a line cut inside a UTF-8 character (ł, ٹ)
        # must wait for its end rather than fail to decode.
        with open(self.auto, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        end = data.rfind(b"\n")
        if end < 0:
            return
        for line in data[:end].split(b"\n"):
            self.state = json.loads(line)
        self._offset += end + 1

    def wait(self, pred, what, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self._read()
            if self.state is not None and pred(self.state):
                return self.state
            if self.proc.poll() is not None:
                raise KioskError(f"kiosk exited ({self.proc.returncode}) while waiting for {what}")
            time.sleep(0.05)
        raise KioskError(f"timed out waiting for {what}; last state: {json.dumps(self.state)[:800]}")

    def wait_screen(self, name, timeout=15, question=None):
        return self.wait(lambda s: s["screen"] == name and (question is None or s.get("question") == question),
                         f"screen {name} {question or ''}", timeout)

    def widget(self, label):
        """The widget with this label, or else with this stable id ("nav.next", "option.good", "access.contrast")."""
        self._read()
        for w in self.state["widgets"]:
            if w["label"] == label:
                return w
        for w in self.state["widgets"]:
            if w.get("id") == label:
                return w
        raise KioskError(f"no widget '{label}' on {self.state['screen']}: "
                         f"{[w['label'] for w in self.state['widgets']]}")

    def has(self, label):
        self._read()
        return any(w["label"] == label or w.get("id") == label for w in self.state["widgets"])

    # -- acting
    def _xdo(self, *args):
        subprocess.run(["xdotool", *args], env=self.xvfb.env(), check=True)

    def reveal(self, label, limit=12, whole=False):
        """Turns a question's answer pages with "More answers", or scrolls the screen's list down (then up) with
        its buttons, until `label` is on screen (with `whole`: wholly in view, not cut by the list's edge)."""
        def shown():
            self._read()
            return any((w["label"] == label or w.get("id") == label) and (w.get("visible", True) or not whole)
                       for w in self.state["widgets"])

        if shown():
            return
        pages = (self.state.get("answer_page") or [1, 1])[1]
        for _ in range(pages - 1 if self.has("answers.more") else 0):
            page = self.state.get("answer_page")
            self.tap("answers.more", settle=False)
            self.wait(lambda s: s.get("answer_page") != page, "the next page of answers", 5)
            if shown():
                return
        for direction in ("Scroll down", "Scroll up"):
            for _ in range(limit):
                if shown() or not self.has(direction):
                    break
                before = json.dumps(self.state["widgets"])
                self.tap(direction, settle=False)
                try:
                    self.wait(lambda s: json.dumps(s["widgets"]) != before, f"the list to scroll ({direction})", 3)
                except KioskError:
                    break  # at the end of the list
            if shown():
                return

    def tap(self, label, settle=True):
        if not self.has(label):
            self.reveal(label)
        w = self.widget(label)
        if self.auto_advanced and w.get("id") == "nav.next":
            self.auto_advanced = False
            return self._offset
        self.auto_advanced = False
        where = (self.state.get("screen"), self.state.get("question"))
        before = self._offset
        inputs = self.inputs()
        x, y = int(w["x"] + w["w"] / 2), int(w["y"] + w["h"] / 2)
        # (no --sync: it waits forever when the pointer is already there, as when a key is typed twice)
        # One xdotool run, still a press and a release 50 ms apart (as a finger), not a click event.
        self._xdo("mousemove", str(x), str(y), "sleep", "0.03", "mousedown", "1", "sleep", "0.05", "mouseup", "1")
        if settle:
            self.settle(inputs)
            self._read()
            if (w.get("id", "").startswith("option.") and where[0] == "question"
                    and (self.state.get("screen"), self.state.get("question")) != where):
                self.auto_advanced = True
        return before

    def access(self, item_id):
        """Turns one access choice ("access.text_size", "access.contrast", ...) by its id: on the bar when it shows
        the choice, else through "Make it easier" (the bar folds at large text) and back to the screen it was on."""
        self._read()
        if any(w.get("id") == item_id for w in self.state["widgets"]):
            self.press(item_id)
            return
        was = self.state["screen"]
        self.press("access.more")
        self.wait_screen("access")
        self.press(item_id)
        self.press("access.close")
        self.wait_screen(was)

    def press(self, label, settle=True):
        """A tap that is never left out (tap() leaves out a Next that an auto-advance made redundant)."""
        self.auto_advanced = False
        return self.tap(label, settle)

    def inputs(self):
        self._read()
        return (self.state or {}).get("inputs", 0)

    def settle(self, inputs_before, count=1, limit=10.0, quiet=0.1):
        """Waits until the kiosk has handled `count` more inputs (its automation line counts them) and drawn
        what they led to: then the state read is the one the input led to, however loaded the machine is."""
        deadline = time.time() + limit
        self._read()
        while (((self.state or {}).get("inputs", 0) < inputs_before + count or (self.state or {}).get("pending"))
               and time.time() < deadline):
            if self.proc.poll() is not None:
                return  # the input ended the kiosk (Exit): the caller checks that
            time.sleep(0.02)
            self._read()
        last, last_change = self._offset, time.time()
        while time.time() - last_change < quiet and time.time() < deadline:
            time.sleep(0.02)
            self._read()
            if self._offset != last:
                last, last_change = self._offset, time.time()

    def hold(self, label, seconds):
        w = self.widget(label)
        x, y = int(w["x"] + w["w"] / 2), int(w["y"] + w["h"] / 2)
        self._xdo("mousemove", str(x), str(y), "sleep", "0.03", "mousedown", "1")
        time.sleep(seconds)
        self._xdo("mouseup", "1")
        time.sleep(0.2)
        self._read()

    def type_on_screen(self, text):
        """Types on the kiosk's own on-screen keyboard, switching pages and shift as needed."""
        for ch in text:
            if ch == " ":
                self.tap("Space")
                continue
            label = "key:" + ch
            for _ in range(4):
                if self.has(label):
                    break
                # Find the page and case that hold this key.
                lower = "key:" + ch.lower()
                if ch != ch.lower() and self.has(lower):
                    self.tap("Shift")
                elif ch == ch.lower() and ch.upper() != ch and self.has("key:" + ch.upper()):
                    self.tap("Shift")
                elif self.has("?123") and not ch.isalpha():
                    self.tap("?123")
                elif self.has("àé") and ch.isalpha() and not ch.isascii():
                    self.tap("àé")
                elif self.has("abc"):
                    self.tap("abc")
                else:
                    self.tap("?123")
            self.tap(label)

    def key(self, *names, settle=True):
        """Presses keys on a physical keyboard (xdotool names: Tab, shift+Tab, Return, space, Up...)."""
        for n in names:
            inputs = self.inputs()
            self._xdo("key", "--clearmodifiers", n)
            if settle:
                self.settle(inputs)
            else:
                time.sleep(0.08)

    def type_keys(self, text):
        """Types on a physical keyboard (the kiosk takes SDL text input on its keyboard screen)."""
        inputs = self.inputs()
        self._xdo("type", "--delay", "40", text)
        self.settle(inputs, count=len(text))

    def focus_to(self, label, key="Tab", limit=80):
        """Moves the focus with `key` until the focused widget is `label` (or has the stable id `label`)."""
        for _ in range(limit):
            self._read()
            focus = self.state.get("focus")
            if focus and (focus == label or any(w.get("id") == label and w["label"] == focus
                                                 for w in self.state["widgets"])):
                return
            before = self.state.get("focus")
            self._xdo("key", "--clearmodifiers", key)
            try:
                self.wait(lambda s: s.get("focus") != before, f"the focus to move from '{before}'", timeout=5)
            except KioskError:
                pass  # a focus that wraps onto the same widget: go round again
        raise KioskError(f"'{key}' never reached '{label}'; last focus '{self.state.get('focus')}'")

    def screenshot(self, name):
        if not self.artefacts:
            return None
        os.makedirs(self.artefacts, exist_ok=True)
        path = os.path.join(self.artefacts, name + ".png")
        subprocess.run(["import", "-display", self.xvfb.display, "-window", "root", path], check=True)
        return path

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode
