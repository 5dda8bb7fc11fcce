#!/usr/bin/python3
"""Seeds for the xlsform fuzz target: small XLSForm workbooks made by openpyxl (Debian's python3-openpyxl).
Usage: /usr/bin/python3 tests/fuzz/make_xlsform_seeds.py tests/fuzz/corpus/xlsform"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hub"))
import xlsx_fixtures as fx  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {
    "engagement.xlsx": fx.engagement_form(),
    "shared-strings.xlsx": fx.shared_strings(fx.engagement_form()),
    "minimal.xlsx": fx.workbook([["type", "name", "label"], ["text", "idea", "Your idea?"], ["note", "bye", "Thanks"]]),
    "refused.xlsx": fx.workbook([["type", "name", "label", "relevant"], ["integer", "age", "Age?", None],
                                 ["select_one ab or_other", "x", "X?", "${age} > 3"]],
                                [["list name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"]]),
    "questions-12.xlsx": fx.questions_form(12),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
