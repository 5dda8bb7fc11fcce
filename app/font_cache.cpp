#include "font_cache.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engage/glyphs.h"
#include "engage/log.h"
#include "ui/fonts.h"
#include "ui/shaped.h"
#include "ui/screens.h"

namespace engage {
namespace {

// Every character the screens can show in `lang`: its UI strings, the survey's text in it, its keyboard and
// the language names, plus what is being typed. The facilitator's own typing is covered by ASCII and Latin-1.
std::string collect_text(KioskState& s, const std::string& lang) {
    std::string typed;
    if (auto* kb = s.find<ui::KeyboardScreen>()) typed += kb->text() + kb->title();  // typed before a language change
    if (s.flow)
        for (const auto& [id, a] : s.flow->answers()) typed += a.text;
    return language_text(s.assets, s.survey ? &*s.survey : nullptr, lang) + s.extra_glyphs + typed;
}

}  // namespace

FontCache::Key FontCache::wanted() const {
    Key k{s_.ui_language(), 100, false};
    if (s_.respondent_screen()) {
        k.percent = s_.flow->access().text_percent;
        k.easy = s_.flow->access().easy_font;
    }
    return k;
}

bool FontCache::stale() const {
    // Typed Urdu, Arabic, Punjabi or Bengali may need glyph forms the atlas lacks: the next build adds them.
    return s_.fonts_dirty || !(wanted() == built_) || !ui::shaped_text().misses().empty();
}

void FontCache::rebuild() {
    const Key k = wanted();
    const auto t0 = std::chrono::steady_clock::now();
    if (s_.strings.lang() != k.lang) s_.load_strings(k.lang);
    ui_.em = std::round(28.f * s_.config.text_scale * static_cast<float>(k.percent) / 100.f);
    std::string font_error;
    ui::shaped_text().set_names(s_.language_names);  // the picker's names, each shaped in its own script
    if (!ui::build_fonts(ui_.fonts, ui_.em, k.lang, collect_text(s_, k.lang), k.easy, font_error) &&
        std::find(s_.notices.begin(), s_.notices.end(), font_error) == s_.notices.end()) {
        log_error(font_error);
        s_.notices.push_back(font_error);  // once, however often the fonts are rebuilt
    }
    ui_.em = ui_.fonts.body->FontSize;
    s_.fonts_dirty = false;
    built_ = k;
    const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    log_info("Fonts for " + k.lang + " at " + std::to_string(k.percent) + " %" + (k.easy ? ", easier font" : "") +
             ": atlas " + std::to_string(atlas->TexWidth) + "x" + std::to_string(atlas->TexHeight) + ", " +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()) +
             " ms");
}

}  // namespace engage
