// Glyph coverage, headless: ImGui::CreateContext() and the FreeType builder, no window and no renderer.
// For every language in assets/i18n, with the easier font off and on, the atlas built from
// language_text() must draw every character of that language's UI strings, the demo survey's text in that
// language, the keyboard, and the language picker's names. The reference texts are gathered here on their
// own (not through language_texts()), so a gap there shows up as a failure.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cfloat>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engage/glyphs.h"
#include "engage/keyboard.h"
#include "engage/strings.h"
#include "engage/survey.h"
#include "ui/fonts.h"
#include "ui/shaped.h"

using namespace engage;

namespace {

const std::string kAssets = ENGAGE_ASSETS;
constexpr float kPx = 28.f;

struct Context {
    Context() { ImGui::CreateContext(); }
    ~Context() { ImGui::DestroyContext(); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
};

const Survey& demo() {
    static const SurveyLoad load = load_survey_file(kAssets + "/surveys/demo.json");
    REQUIRE(load.ok());
    return *load.survey;
}

struct Named {
    std::string where, text;
};

// What a person can see in `lang`, gathered from the files themselves.
std::vector<Named> reference_texts(const std::string& lang) {
    std::vector<Named> out;
    std::map<std::string, std::string> ui;
    std::string error;
    REQUIRE(read_strings_file(kAssets + "/i18n/en.json", ui, error));
    if (lang != "en") REQUIRE(read_strings_file(kAssets + "/i18n/" + lang + ".json", ui, error));
    for (const auto& [key, text] : ui) out.push_back({lang + ".json " + key, text});

    const Survey& s = demo();
    const std::string& def = s.default_language();
    auto add = [&](const LocalText& t, const std::string& where) {
        if (!t.empty()) out.push_back({"demo.json " + where, t.get(lang, def)});
    };
    add(s.title, "title");
    add(s.intro, "intro");
    for (const auto& q : s.questions) {
        add(q.prompt, q.id + ".prompt");
        add(q.help, q.id + ".help");
        add(q.low_label, q.id + ".low_label");
        add(q.high_label, q.id + ".high_label");
        for (const auto& o : q.options) add(o.label, q.id + ".options." + o.id);
    }

    Keyboard k;
    k.set_language(lang);
    for (int page : k.pages())
        for (bool shifted : {false, true}) {
            k.set_page(page, shifted);
            for (const auto& row : k.rows())
                for (const auto& key : row) {  // each as the key shows it (run together, joined letters change form)
                    out.push_back({"keyboard page " + std::to_string(page) + " key " + key.label, key.label});
                    if (key.text != key.label)
                        out.push_back({"keyboard page " + std::to_string(page) + " key " + key.label + " types", key.text});
                }
        }

    for (const auto& other : shipped_languages(kAssets)) {
        std::map<std::string, std::string> t;
        REQUIRE(read_strings_file(kAssets + "/i18n/" + other + ".json", t, error));
        out.push_back({other + ".json language.name", t["language.name"]});
    }
    return out;
}

std::string labels(const std::vector<unsigned>& cps) {
    std::string s;
    for (unsigned c : cps) s += (s.empty() ? "" : " ") + codepoint_label(c) + " '" + utf8_encode(c) + "'";
    return s;
}

// Every language's own name, as the kiosk gives them to the shaped text (the picker shows them all).
std::map<std::string, std::string> language_names() {
    std::map<std::string, std::string> names;
    for (const auto& l : shipped_languages(kAssets)) {
        std::map<std::string, std::string> t;
        std::string error;
        REQUIRE(read_strings_file(kAssets + "/i18n/" + l + ".json", t, error));
        names[l] = t["language.name"];
    }
    return names;
}

const ImFontGlyph* glyph(ImFont* f, unsigned c) {
    const ImFontGlyph* g = f->FindGlyphNoFallback(static_cast<ImWchar>(c));
    REQUIRE(g != nullptr);
    return g;
}

}  // namespace

TEST_CASE("every shipped language has a glyph for everything it shows, with and without the easier font", "[fonts]") {
    const auto langs = shipped_languages(kAssets);
    REQUIRE(langs.size() >= 5);
    for (const auto& lang : langs)
        for (bool easy : {false, true}) {
            Context ctx;
            ui::Fonts fonts;
            std::string error;
            const std::string text = language_text(kAssets, &demo(), lang);
            INFO("language " << lang << (easy ? ", easier font" : ""));
            ui::shaped_text().set_names(language_names());
            CHECK(ui::build_fonts(fonts, kPx, lang, text, easy, error));
            CHECK(error.empty());
            INFO(error);
            REQUIRE(fonts.body);
            CHECK(fonts.body->FontSize == kPx);

            std::size_t strings = 0;
            std::size_t shaped = 0;
            for (const auto& t : reference_texts(lang)) {
                ++strings;
                // Urdu, Arabic, Punjabi and Bengali (and their names in the picker) are shaped: every glyph the
                // text shapes to must be in the atlas, at each size that draws it that way.
                if (ui::shaped_text().takes(fonts.body, t.text)) {
                    ++shaped;
                    for (ImFont* f : {fonts.body, fonts.heading, fonts.huge})
                        if (ui::shaped_text().takes(f, t.text)) {
                            const std::string lacking = ui::shaped_text().uncovered(f, t.text);
                            if (!lacking.empty())
                                FAIL_CHECK(lang << (easy ? " (easier font)" : "") << ": " << t.where << " at "
                                                << f->FontSize << " px: no shaped glyphs " << lacking << " in \""
                                                << t.text << "\"");
                        }
                    continue;
                }
                const auto missing = ui::missing_glyphs(fonts, t.text);
                if (!missing.empty())
                    FAIL_CHECK(lang << (easy ? " (easier font)" : "") << ": " << t.where << ": no glyph for "
                                    << labels(missing) << " in \"" << t.text << "\"");
            }
            CHECK(strings > 100);
            // The other shaped languages' names at least; in those languages nearly every text.
            CHECK(shaped >= (ui::needs_shaping(lang) ? 150u : 3u));

            unsigned char* pixels = nullptr;
            int w = 0, h = 0;
            ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
            CHECK(pixels != nullptr);
            const auto info = ui::atlas_info();
            CHECK(info.width == w);
            CHECK(info.height == h);
            std::string faces;
            for (const auto& f : info.faces) faces += (faces.empty() ? "" : ", ") + f;
            std::printf("atlas %-8s %-5s %4d x %-4d %5d glyphs  alpha8 %7.1f KiB  rgba32 %7.1f KiB  font files %6.1f KiB  [%s]\n",
                        lang.c_str(), easy ? "easy" : "plain", info.width, info.height, info.glyphs,
                        static_cast<double>(info.alpha8_bytes) / 1024.0, static_cast<double>(info.rgba32_bytes) / 1024.0,
                        static_cast<double>(info.font_file_bytes) / 1024.0, faces.c_str());
            // Only the glyphs used are rasterised: even Chinese stays a small texture.
            CHECK(info.width * info.height <= 2048 * 1024);
        }
}

TEST_CASE("atlas sizes at 150 % and 200 % text stay within a 4096 × 4096 texture", "[fonts]") {
    for (const auto& lang : shipped_languages(kAssets))
        for (int percent : {150, 200}) {
            Context ctx;
            ui::Fonts fonts;
            std::string error;
            const float px = kPx * static_cast<float>(percent) / 100.f;
            REQUIRE(ui::build_fonts(fonts, px, lang, language_text(kAssets, &demo(), lang), false, error));
            const auto info = ui::atlas_info();
            std::printf("atlas %-8s %3d %%  %4d x %-4d %5d glyphs  alpha8 %7.1f KiB  rgba32 %7.1f KiB\n", lang.c_str(),
                        percent, info.width, info.height, info.glyphs, static_cast<double>(info.alpha8_bytes) / 1024.0,
                        static_cast<double>(info.rgba32_bytes) / 1024.0);
            INFO(lang << " at " << percent << " %");
            CHECK(info.width <= 4096);
            CHECK(info.height <= 4096);
        }
}

TEST_CASE("missing_glyphs reports what the atlas cannot draw", "[fonts]") {
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    REQUIRE(ui::build_fonts(fonts, kPx, "en", language_text(kAssets, &demo(), "en"), false, error));
    CHECK(ui::missing_glyphs(fonts, "Hello, world!\n  Tap to have your say").empty());
    // Above U+FFFF (16-bit ImWchar), private use, and a character the English text never uses.
    CHECK(ui::missing_glyphs(fonts, "a\U0010FFFD b") == std::vector<unsigned>{0x10FFFD});
    CHECK(ui::missing_glyphs(fonts, "x\uE000y\uE000") == std::vector<unsigned>{0xE000});
    CHECK(ui::missing_glyphs(fonts, "你") == std::vector<unsigned>{0x4F60});  // not rasterised for English
    CHECK(ui::missing_glyphs(fonts, "bad \xFF byte") == std::vector<unsigned>{0xFFFD});
    // The CJK face only for the language picker's "简体中文".
    CHECK(ui::atlas_info().faces ==
          std::vector<std::string>{"NotoSans-Regular.ttf", "wqy-microhei.ttc", "NotoSans-Bold.ttf"});
    CHECK(ui::missing_glyphs(fonts, "简体中文").empty());
}

TEST_CASE("the built atlas draws a frame on its own, also after its CPU pixels are freed", "[fonts]") {
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    REQUIRE(ui::build_fonts(fonts, kPx, "uk", language_text(kAssets, &demo(), "uk"), true, error));
    ImGuiIO& io = ImGui::GetIO();
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // what the OpenGL backend uploads
    REQUIRE(pixels);
    io.Fonts->ClearTexData();                        // after the upload: the kiosk may free the CPU copy
    io.DisplaySize = ImVec2(800, 1280);
    io.DeltaTime = 1.f / 60.f;
    for (int frame = 0; frame < 2; ++frame) {
        ImGui::NewFrame();
        ImGui::Begin("t");
        ImGui::PushFont(fonts.heading);
        ImGui::TextUnformatted("Скажіть свою думку");
        ImGui::PopFont();
        const ImVec2 size = ImGui::CalcTextSize("Привіт");
        CHECK(size.y == fonts.body->FontSize);
        CHECK(size.x > 0);
        ImGui::End();
        ImGui::Render();
        if (frame == 1) CHECK(ImGui::GetDrawData()->TotalVtxCount > 0);  // a new window shows from its second frame
    }
}

TEST_CASE("the old build_fonts form still builds, with the CJK face when the text needs it", "[fonts]") {
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    REQUIRE(ui::build_fonts(fonts, kPx, "Hello 你好 Привіт", error));
    CHECK(ui::missing_glyphs(fonts, "Hello 你好 Привіт").empty());
    const auto faces = ui::atlas_info().faces;
    CHECK(std::find(faces.begin(), faces.end(), "wqy-microhei.ttc") != faces.end());
}

TEST_CASE("the easier font is OpenDyslexic at Noto Sans's size, with Noto Sans under it", "[fonts]") {
    float plain_x = 0, plain_adv = 0, plain_H_bottom = 0;
    {
        Context ctx;
        ui::Fonts fonts;
        std::string error;
        REQUIRE(ui::build_fonts(fonts, kPx, "uk", "xHНgÀ", false, error));
        plain_x = glyph(fonts.body, 'x')->Y1 - glyph(fonts.body, 'x')->Y0;
        plain_adv = glyph(fonts.body, 'x')->AdvanceX;
        plain_H_bottom = glyph(fonts.body, 'H')->Y1;
    }
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    REQUIRE(ui::build_fonts(fonts, kPx, "uk", "xHНgÀ", true, error));
    CHECK(ui::atlas_info().faces.front() == "OpenDyslexic-Regular.otf");
    // The same line height (the layout does not move) ...
    CHECK(fonts.body->FontSize == kPx);
    CHECK(fonts.heading->FontSize == kPx * 1.35f);
    CHECK(fonts.huge->FontSize == kPx * 2.0f);
    // ... letters no smaller (same x-height within a pixel), and OpenDyslexic's own (wider) x is the one drawn.
    const float easy_x = glyph(fonts.body, 'x')->Y1 - glyph(fonts.body, 'x')->Y0;
    std::printf("x-height at %.0f px: Noto Sans %.0f px, OpenDyslexic %.0f px; x advance %.1f / %.1f px\n",
                static_cast<double>(kPx), static_cast<double>(plain_x), static_cast<double>(easy_x),
                static_cast<double>(plain_adv), static_cast<double>(glyph(fonts.body, 'x')->AdvanceX));
    CHECK(easy_x >= plain_x - 1);
    CHECK(glyph(fonts.body, 'x')->AdvanceX > plain_adv * 1.15f);
    // The baseline where Noto Sans has it; merged Cyrillic (from Noto Sans) sits on the same baseline.
    CHECK(std::abs(glyph(fonts.body, 'H')->Y1 - plain_H_bottom) <= 1.f);
    CHECK(std::abs(glyph(fonts.body, 0x041D)->Y1 - glyph(fonts.body, 'H')->Y1) <= 1.f);
    // Nothing far outside the line: accents above, descenders below.
    for (ImFont* f : {fonts.body, fonts.heading, fonts.huge}) {
        CHECK(glyph(f, 0xC0)->Y0 >= -0.1f * f->FontSize);
        CHECK(glyph(f, 'g')->Y1 <= 1.1f * f->FontSize);
    }
}

TEST_CASE("Chinese comes from WenQuanYi Micro Hei at the same em", "[fonts]") {
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    REQUIRE(ui::build_fonts(fonts, kPx, "zh-Hans", "中H，", false, error));
    const auto faces = ui::atlas_info().faces;
    CHECK(std::find(faces.begin(), faces.end(), "wqy-microhei.ttc") != faces.end());
    const float han = glyph(fonts.body, 0x4E2D)->Y1 - glyph(fonts.body, 0x4E2D)->Y0;
    const float cap = glyph(fonts.body, 'H')->Y1 - glyph(fonts.body, 'H')->Y0;
    std::printf("at %.0f px: 中 %.0f px tall, H %.0f px tall\n", static_cast<double>(kPx), static_cast<double>(han),
                static_cast<double>(cap));
    CHECK(han / cap > 1.1f);
    CHECK(han / cap < 1.5f);
    CHECK(glyph(fonts.body, 0x4E2D)->Y0 >= 0.f);
    CHECK(glyph(fonts.body, 0x4E2D)->Y1 <= fonts.body->FontSize);
    CHECK(ui::missing_glyphs(fonts, "中H，").empty());

    // The language alone brings the CJK face in, even with no Chinese text yet.
    REQUIRE(ui::build_fonts(fonts, kPx, "zh-Hans", "abc", true, error));
    CHECK(error.empty());
    const auto faces2 = ui::atlas_info().faces;
    CHECK(std::find(faces2.begin(), faces2.end(), "wqy-microhei.ttc") != faces2.end());
    CHECK(ui::missing_glyphs(fonts, "abc").empty());
}

TEST_CASE("Chinese text without spaces still wraps inside the width", "[fonts]") {
    Context ctx;
    ui::Fonts fonts;
    std::string error;
    const std::string text = language_text(kAssets, &demo(), "zh-Hans");
    REQUIRE(ui::build_fonts(fonts, kPx, "zh-Hans", text, false, error));
    std::map<std::string, std::string> zh;
    REQUIRE(read_strings_file(kAssets + "/i18n/zh-Hans.json", zh, error));
    const std::string& s = zh["personal.body"];  // 您的答案里好像有电子邮箱或电话号码。…
    const float wrap = kPx * 6;
    const ImVec2 size = fonts.body->CalcTextSizeA(fonts.body->FontSize, FLT_MAX, wrap, s.c_str(), s.c_str() + s.size());
    CHECK(size.x <= wrap);
    CHECK(size.y >= fonts.body->FontSize * 4);  // broken between characters, not at spaces
}
