#!/usr/bin/env python3
"""Writes golden.json: for each sample string, the glyph ids and clusters (UTF-8 byte offsets) that HarfBuzz's own
hb-shape (libharfbuzz-bin) gives with that script's Noto font. test_shaping.cpp checks engage_text against it, so
the reference is HarfBuzz's command-line tool, not our code. Run again only when the fonts package changes:
    python3 tests/text/make_golden.py > tests/text/golden.json
"""
import json
import subprocess
import sys

NOTO = "/usr/share/fonts/truetype/noto/"
SAMPLES = [  # (language, font file, text): the prompts of the demo survey's first question, and a few more
    ("ur", "NotoNastaliqUrdu-Regular.ttf", "آج کا دن کیسا رہا؟"),
    ("ur", "NotoNastaliqUrdu-Regular.ttf", "آپ کی رائے ہمارے لیے اہم ہے"),
    ("ar", "NotoNaskhArabic-Regular.ttf", "كيف كان يومك اليوم؟"),
    ("ar", "NotoNaskhArabic-Regular.ttf", "شكراً لمشاركتك"),
    ("pa", "NotoSansGurmukhi-Regular.ttf", "ਅੱਜ ਦਾ ਦਿਨ ਕਿਹੋ ਜਿਹਾ ਰਿਹਾ?"),
    ("pa", "NotoSansGurmukhi-Regular.ttf", "ਤੁਹਾਡੀ ਰਾਏ ਸਾਡੇ ਲਈ ਮਹੱਤਵਪੂਰਨ ਹੈ"),
    ("bn", "NotoSansBengali-Regular.ttf", "আজকের দিনটি কেমন ছিল?"),
    ("bn", "NotoSansBengali-Regular.ttf", "আপনার মতামত আমাদের কাছে গুরুত্বপূর্ণ"),
    ("en", "NotoSans-Regular.ttf", "Have your say: office hours"),
]


def shape(lang, font, text):
    out = subprocess.run(["hb-shape", "--output-format=json", "--no-glyph-names", "--no-positions", "--utf8-clusters",
                          f"--language={lang}", NOTO + font, text], check=True, capture_output=True, text=True).stdout
    return [[g["g"], g["cl"]] for g in json.loads(out)]


def main():
    golden = [{"lang": l, "font": f, "text": t, "glyphs": shape(l, f, t)} for l, f, t in SAMPLES]
    sys.stdout.write("[\n" + ",\n".join(json.dumps(g, ensure_ascii=False) for g in golden) + "\n]\n")


if __name__ == "__main__":
    main()
