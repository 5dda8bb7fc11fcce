"""Layout checks through the automation file: what a person sees, from the widgets' and texts' rectangles."""
from kiosk_driver import KioskError


def overlap(a, b, slack=1.0):
    return (a["x"] + slack < b["x"] + b["w"] and b["x"] + slack < a["x"] + a["w"] and
            a["y"] + slack < b["y"] + b["h"] and b["y"] + slack < a["y"] + a["h"])


def inside(a, b, slack=1.0):
    return (a["x"] >= b["x"] - slack and a["y"] >= b["y"] - slack and
            a["x"] + a["w"] <= b["x"] + b["w"] + slack and a["y"] + a["h"] <= b["y"] + b["h"] + slack)


def check_layout(state, width, height, where):
    """Nothing cut off by the window, no two widgets overlapping, no text across a widget or another text,
    no label bigger than its widget, every widget at least 48 px."""
    problems = []
    widgets = [w for w in state["widgets"] if w["label"] != "Facilitator corner"]  # a 3 s hold, over anything
    texts = state.get("texts", [])
    for r in widgets + texts:
        what = r.get("label") or r.get("text")
        if r["x"] < -1 or r["y"] < -1 or r["x"] + r["w"] > width + 1 or r["y"] + r["h"] > height + 1:
            problems.append(f"cut off by the window: '{what}' at {r['x']},{r['y']} {r['w']}x{r['h']}")
    for w in widgets:
        if w["w"] < 48 or w["h"] < 48:
            problems.append(f"smaller than 48 px: '{w['label']}' {w['w']}x{w['h']}")
    for i, a in enumerate(widgets):
        for b in widgets[i + 1:]:
            if overlap(a, b):
                problems.append(f"widgets overlap: '{a['label']}' and '{b['label']}'")
    for t in texts:
        for w in widgets:
            # The "please answer" note is drawn over the foot of the answers until the next tap (never over
            # Back and Next); everything else must keep clear of every widget.
            if t.get("id") == "question.note" and not w.get("id", "").startswith("nav."):
                continue
            if overlap(t, w) and not inside(t, w):
                problems.append(f"text '{t['text'][:40]}' runs across the widget '{w['label']}'")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if overlap(a, b, slack=2.0) and "question.note" not in (a.get("id"), b.get("id")):
                problems.append(f"texts overlap: '{a['text'][:30]}' and '{b['text'][:30]}'")
    for w in widgets:
        if not w.get("visible", True) and w["label"] not in ("Scroll up", "Scroll down"):
            problems.append(f"partly out of view: '{w['label']}'")
    for label in state.get("overflow", []):
        problems.append(f"label does not fit its widget: '{label}'")
    if state.get("missing_glyphs"):
        problems.append(f"characters with no glyph in the atlas: {state['missing_glyphs']}")
    if problems:
        raise KioskError(f"layout problems on {where} ({width}x{height}):\n  " + "\n  ".join(problems[:20]))


