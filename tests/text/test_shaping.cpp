// engage_text: shaped, bidirectional text. Glyph ids against HarfBuzz's own hb-shape (golden.json, made by
// make_golden.py), line breaking on logical text, right-to-left detection and mixed scripts, the caret, and
// hostile input (bad UTF-8, endless words, tiny widths) that must end without a crash.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engage/shaping.h"

using namespace engage::text;

namespace {

const std::string kNoto = "/usr/share/fonts/truetype/noto/";
const std::string kUrdu = kNoto + "NotoNastaliqUrdu-Regular.ttf";
const std::string kArabic = kNoto + "NotoNaskhArabic-Regular.ttf";
const std::string kSans = kNoto + "NotoSans-Regular.ttf";

std::unique_ptr<Fonts> open(std::vector<std::string> files, float size = 32) {
    std::string error;
    auto f = Fonts::open(files, size, error);
    INFO(error);
    REQUIRE(f);
    return f;
}

// Every line's bytes follow on from the one before, and together they are the whole text.
void covers(const Paragraphs& p, std::string_view text) {
    REQUIRE_FALSE(p.lines.empty());
    CHECK(p.lines.front().begin == 0);
    for (std::size_t i = 1; i < p.lines.size(); ++i) {
        const bool after_newline = p.lines[i].begin == p.lines[i - 1].end + 1 && text[p.lines[i - 1].end] == '\n';
        CHECK((p.lines[i].begin == p.lines[i - 1].end || after_newline));
    }
    CHECK(p.lines.back().end == text.size());
    for (const auto& l : p.lines)
        for (const auto& g : l.glyphs) {
            CHECK(g.cluster >= l.begin);
            CHECK(g.cluster < std::max(l.end, l.begin + 1));
        }
}

}  // namespace

TEST_CASE("shaped glyph ids and clusters are HarfBuzz's own (hb-shape), in each script", "[text]") {
    std::ifstream in(std::string(ENGAGE_TEXT_TESTS) + "/golden.json");
    REQUIRE(in);
    const auto golden = nlohmann::json::parse(in);
    REQUIRE(golden.size() >= 9);
    for (const auto& g : golden) {
        const std::string text = g["text"], lang = g["lang"];
        INFO(lang << ": " << text);
        auto fonts = open({kNoto + g["font"].get<std::string>()});
        float width = 0;
        const auto glyphs = shape(*fonts, text, Direction::Auto, lang, &width);
        std::vector<std::pair<std::uint32_t, std::uint32_t>> got, want;
        for (const auto& x : glyphs) got.emplace_back(x.id, x.cluster);
        for (const auto& x : g["glyphs"]) want.emplace_back(x[0].get<std::uint32_t>(), x[1].get<std::uint32_t>());
        CHECK(got == want);
        CHECK(width > 0);
        CHECK(starts_rtl(text) == (lang == "ur" || lang == "ar"));
    }
}

TEST_CASE("lines break on the logical text, each no wider than asked, and each is shaped on its own", "[text]") {
    auto fonts = open({kUrdu, kSans});
    const std::string text = "آپ کی رائے ہمارے لیے اہم ہے۔ آج کا دن کیسا رہا؟ ہمیں بتائیں کہ کیا چیز مدد کرے گی";
    float whole = 0;
    shape(*fonts, text, Direction::Auto, "ur", &whole);
    const Paragraphs p = layout(*fonts, text, 220, Direction::Auto, "ur");
    CHECK(p.rtl);
    CHECK(p.lines.size() >= 3);
    covers(p, text);
    for (const auto& l : p.lines) CHECK(l.width <= 220.5f);
    CHECK(p.width() <= whole);
    // Within an RTL line the first logical word is at the right: its glyphs have the highest x.
    const Line& first = p.lines.front();
    const auto rightmost = std::max_element(first.glyphs.begin(), first.glyphs.end(),
                                            [](const Glyph& a, const Glyph& b) { return a.x < b.x; });
    CHECK(rightmost->cluster < 8);  // "آپ" is the first word

    // Nastaliq needs taller rows than Latin.
    auto latin = open({kSans});
    CHECK(fonts->line_height() >= 1.5f * latin->line_height());
}

TEST_CASE("Latin letters and digits inside Urdu take the fallback font and keep left-to-right order", "[text]") {
    auto fonts = open({kUrdu, kSans});
    const std::string text = "صفحہ 2 از 5: Engage";
    const auto glyphs = shape(*fonts, text, Direction::Auto, "ur");
    std::vector<const Glyph*> latin;
    for (const auto& g : glyphs)
        if (g.cluster >= text.find("Engage")) latin.push_back(&g);
    REQUIRE(latin.size() == 6);
    for (const Glyph* g : latin) CHECK(g->font == (fonts->has(0, 'E') ? 0 : 1));
    for (std::size_t i = 1; i < latin.size(); ++i) {
        CHECK(latin[i]->cluster > latin[i - 1]->cluster);  // E n g a g e, left to right
        CHECK(latin[i]->x > latin[i - 1]->x);
    }
    // The last logical word of a right-to-left paragraph is its leftmost.
    CHECK(latin.front() == &glyphs.front());
}

TEST_CASE("Chinese breaks between characters, English between words", "[text]") {
    auto zh = open({"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"});
    const std::string text = "您今天过得怎么样？请告诉我们什么能帮助您参加。";
    const Paragraphs p = layout(*zh, text, 100, Direction::Auto, "zh-Hans");
    CHECK_FALSE(p.rtl);
    CHECK(p.lines.size() >= 4);
    covers(p, text);
    for (const auto& l : p.lines) CHECK(l.width <= 100.5f);

    auto en = open({kSans});
    const std::string words = "What would help you take part next time?";
    const Paragraphs q = layout(*en, words, 150, Direction::Auto, "en");
    covers(q, words);
    for (const auto& l : q.lines) {
        CHECK(l.width <= 150.5f);
        CHECK((l.begin == 0 || words[l.begin - 1] == ' '));  // never inside a word that fits
    }
}

TEST_CASE("the caret sits on the right of an RTL line's first character", "[text]") {
    auto fonts = open({kArabic, kSans});
    const std::string text = "كيف كان يومك";
    const Paragraphs p = layout(*fonts, text, 0, Direction::Auto, "ar");
    REQUIRE(p.lines.size() == 1);
    const Line& l = p.lines[0];
    CHECK(caret_x(text, l, 0, true) == Approx(l.width).margin(1.0));
    CHECK(caret_x(text, l, text.size(), true) == Approx(0).margin(1.0));
    auto en = open({kSans});
    const std::string hi = "Hello";
    const Paragraphs q = layout(*en, hi, 0, Direction::Auto, "en");
    CHECK(caret_x(hi, q.lines[0], 0, false) == Approx(0).margin(0.5));
    CHECK(caret_x(hi, q.lines[0], hi.size(), false) == Approx(q.lines[0].width).margin(1.0));
    const float e = caret_x(hi, q.lines[0], 1, false);  // after H
    CHECK(e > 5);
    CHECK(e < q.lines[0].width / 2);
    // Arabic: one character in, the caret has moved left.
    CHECK(caret_x(text, l, 2, true) < l.width - 3);
}

TEST_CASE("after a Latin word typed at the end of Urdu, the caret is just after the word", "[text]") {
    auto fonts = open({kUrdu, kSans});
    const std::string text = "ٹھیک ہے abc";
    const Paragraphs p = layout(*fonts, text, 0, Direction::Rtl, "ur");
    REQUIRE(p.lines.size() == 1);
    const Line& l = p.lines[0];
    // "abc" is drawn at the left of the right-to-left line; its 'c' is its rightmost letter.
    float c_right = 0;
    for (const Glyph& g : l.glyphs)
        if (g.cluster == text.size() - 1) c_right = g.x + g.advance;
    REQUIRE(c_right > 5);
    CHECK(caret_x(text, l, text.size(), true) == Approx(c_right).margin(0.5));
    CHECK(caret_x(text, l, text.size(), true) < l.width / 2);  // on the left half, beside the Latin word
    // After a space typed at the end the caret goes to the line's end edge, where the next Urdu letter will be.
    const std::string spaced = text + " ";
    const Paragraphs q = layout(*fonts, spaced, 0, Direction::Rtl, "ur");
    CHECK(caret_x(spaced, q.lines[0], spaced.size(), true) == Approx(0).margin(1.0));
    // Urdu typed last: its trailing edge is its left, the line's end edge.
    const std::string urdu = "ٹھیک ہے";
    const Paragraphs u = layout(*fonts, urdu, 0, Direction::Rtl, "ur");
    CHECK(caret_x(urdu, u.lines[0], urdu.size(), true) == Approx(0).margin(1.0));
}

TEST_CASE("glyphs render to coverage bitmaps", "[text]") {
    auto fonts = open({kUrdu, kSans});
    const auto glyphs = shape(*fonts, "آج", Direction::Auto, "ur");
    REQUIRE_FALSE(glyphs.empty());
    const Bitmap b = render(*fonts, glyphs[0].font, glyphs[0].id);
    CHECK(b.width > 0);
    CHECK(b.height > 0);
    CHECK(b.alpha.size() == static_cast<std::size_t>(b.width * b.height));
    CHECK(render(*fonts, 7, 1).alpha.empty());  // no such font: nothing, no crash
}

TEST_CASE("hostile text ends, covers itself and never crashes", "[text]") {
    auto fonts = open({kUrdu, kSans});
    const std::string long_word(1500, 'x');
    const std::vector<std::string> texts = {
        "", " ", "\n", "\n\n", "   \n  ", "\xff\xfe\xc3", "آج\xe0\xa0", std::string(1, '\0') + "a", long_word,
        "ا" + std::string(400, ' ') + "ب", "\xe2\x80\x8f\xe2\x80\x8e\xe2\x80\xae abc \xe2\x80\xac",  // direction marks
    };
    for (const auto& t : texts)
        for (float w : {0.f, 1.f, 40.f, 300.f}) {
            INFO("width " << w << ", text of " << t.size() << " bytes");
            const Paragraphs p = layout(*fonts, t, w, Direction::Auto, "ur");
            covers(p, t);
            CHECK(p.lines.size() <= t.size() + 1);
        }
    std::string error;
    CHECK_FALSE(Fonts::open({"/nonexistent/font.ttf"}, 32, error));
    CHECK(error.find("/nonexistent/font.ttf") != std::string::npos);
    CHECK_FALSE(Fonts::open({kSans}, 0, error));
    CHECK_FALSE(Fonts::open({}, 32, error));
    CHECK_FALSE(Fonts::open({std::string(ENGAGE_TEXT_TESTS) + "/golden.json"}, 32, error));  // not a font
}
