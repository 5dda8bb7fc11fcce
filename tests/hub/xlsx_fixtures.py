"""XLSForm fixtures for the survey library tests and the bench, made with openpyxl (Debian's python3-openpyxl:
run with /usr/bin/python3), plus hand-made broken workbooks (zip and XML edited after openpyxl wrote them)."""
import io
import zipfile

import openpyxl


def workbook(survey, choices=None, settings=None, extra_sheets=()):
    """survey / choices / settings: lists of rows (the first is the header). Returns the .xlsx bytes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in survey:
        ws.append(row)
    for title, rows in (("choices", choices), ("settings", settings), *extra_sheets):
        if rows is None:
            continue
        s = wb.create_sheet(title)
        for row in rows:
            s.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def engagement_form():
    """A two-language engagement survey with skip logic, groups, likert, smiley, multi and a 0-10 range."""
    survey = [
        ["type", "name", "label::English (en)", "label::Gàidhlig (gd)", "hint::English (en)", "required",
         "relevant", "appearance", "parameters"],
        ["select_one faces", "today", "How was today?", "Ciamar a bha an-diugh?", None, "yes", None, "smiley", None],
        ["text", "why", "What made today hard?", "Dè a rinn an-diugh doirbh?", "A few words", None,
         "${today} = '1' or ${today} = '2'", None, None],
        ["select_one yesno", "listened", "Did you feel listened to?", "An robh thu a' faireachdainn gun d' èisteadh riut?",
         None, "true", None, None, None],
        ["begin group", "more", None, None, None, None, "${listened} = 'no'", None, None],
        ["select_multiple why_not", "why_not", "Why not?", "Carson nach robh?", None, None, None, None, None],
        ["text", "better", "What would help?", "Dè a chuidicheadh?", None, None, "not(selected(${why_not}, 'time'))",
         None, None],
        ["end group", None, None, None, None, None, None, None, None],
        ["select_one agree3", "fair", "The session was fair", "Bha an seisean cothromach", None, None, None, "likert", None],
        ["range", "recommend", "Would you recommend it?", "Am moladh tu e?", None, None, None, None,
         "start=0 end=10 step=1"],
        ["text", "detractor", "What should change?", "Dè bu chòir atharrachadh?", None, None,
         "${recommend} <= 6 and (${fair} != 'agree' or ${today} < 3)", None, None],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Gàidhlig (gd)"],
        ["faces", "1", "Very unhappy", "Gu math mì-thoilichte"],
        ["faces", "2", "Unhappy", "Mì-thoilichte"],
        ["faces", "3", "OK", "Ceart gu leòr"],
        ["faces", "4", "Happy", "Toilichte"],
        ["faces", "5", "Very happy", "Gu math toilichte"],
        ["yesno", "yes", "Yes", "Tha"],
        ["yesno", "no", "No", "Chan eil"],
        ["why_not", "time", "Not enough time", "Cha robh ùine gu leòr"],
        ["why_not", "noise", "Too noisy", "Ro fhuaimneach"],
        ["agree3", "agree", "Agree", "Aontaich"],
        ["agree3", "unsure", "Not sure", "Chan eil fhios"],
        ["agree3", "disagree", "Disagree", "Na aontaich"],
    ]
    settings = [["form_id", "version", "form_title", "default_language"],
                ["library-drop-in", 3, "Have your say", "English (en)"]]
    return workbook(survey, choices, settings)


def questions_form(n):
    """`n` questions, alternating select_one, text and range, each after the first shown on the one before."""
    survey = [["type", "name", "label", "hint", "required", "relevant", "parameters"]]
    for i in range(n):
        kind = i % 3
        relevant = f"${{q{i - 1}}} != 'b'" if i and (i - 1) % 3 == 0 else None
        if kind == 0:
            survey.append(["select_one ab", f"q{i}", f"Question {i}?", "Pick one", "yes", relevant, None])
        elif kind == 1:
            survey.append(["text", f"q{i}", f"Question {i}?", None, None, relevant, None])
        else:
            survey.append(["range", f"q{i}", f"Question {i}?", None, None, None, "start=0 end=10 step=1"])
    choices = [["list name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"]]
    return workbook(survey, choices)


def rewrite(xlsx, name, edit):
    """The workbook with zip entry `name` replaced by edit(old_text)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == name:
                data = edit(data.decode()).encode()
            dst.writestr(item.filename, data)
    return out.getvalue()


def shared_strings(xlsx):
    """The workbook with every inline string of every sheet moved to xl/sharedStrings.xml (as Excel writes it);
    openpyxl itself writes inline strings."""
    import re
    texts = []

    def to_shared(sheet):
        def one(m):
            texts.append(m.group(2))
            return f'<c r="{m.group(1)}" t="s"><v>{len(texts) - 1}</v></c>'
        return re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', one, sheet)

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    for name in sorted(parts):
        if name.startswith("xl/worksheets/"):
            parts[name] = to_shared(parts[name].decode()).encode()
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
           f' count="{len(texts)}" uniqueCount="{len(texts)}">' +
           "".join(f"<si><t>{t}</t></si>" for t in texts) + "</sst>")
    parts["xl/sharedStrings.xml"] = sst.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')).encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>')).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()
