#include "ui/shaped.h"

#include <algorithm>
#include <cmath>

#include "engage/glyphs.h"
#include "ui/fonts.h"

namespace engage::ui {
namespace {

struct ScriptFonts {
    const char* lang;
    const char* regular;
    const char* bold;
    bool rtl;
    bool (*letter)(char32_t);  // a character of the script
    float scale;               // the script's em against Noto Sans's, so its letters read as large
};

bool arabic(char32_t c) {
    return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) || (c >= 0x0870 && c <= 0x08FF) ||
           (c >= 0xFB50 && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF);
}
bool gurmukhi(char32_t c) { return c >= 0x0A00 && c <= 0x0A7F; }
bool bengali(char32_t c) { return c >= 0x0980 && c <= 0x09FF; }

// The script's own font first, then Noto Sans for Latin letters and digits inside the text.
const ScriptFonts kScripts[] = {
    // Nastaliq's letters are small for their em (its height goes to the slope of the words): 1.2 em.
    {"ur", "NotoNastaliqUrdu-Regular.ttf", "NotoNastaliqUrdu-Bold.ttf", true, arabic, 1.2f},
    {"ar", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", true, arabic, 1.0f},
    {"pa", "NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf", false, gurmukhi, 1.0f},
    {"bn", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf", false, bengali, 1.0f},
};

const ScriptFonts* script_of(const std::string& lang) {
    const std::string base = lang.substr(0, lang.find_first_of("-_"));
    for (const auto& s : kScripts)
        if (base == s.lang) return &s;
    return nullptr;
}

}  // namespace

bool needs_shaping(const std::string& lang) { return script_of(lang) != nullptr; }

bool rtl_language(const std::string& lang) {
    const auto* s = script_of(lang);
    return s && s->rtl;
}

ShapedText& shaped_text() {
    static ShapedText t;
    return t;
}

void ShapedText::clear() {
    sets_.clear();
    glyphs_.clear();
    misses_.clear();
    lang_.clear();
    rtl_ = false;
    letter_ = nullptr;
}

bool ShapedText::wants(std::string_view s) const {
    if (!letter_) return false;
    for (char32_t c : utf8_codepoints(s))
        if (letter_(c)) return true;
    return false;
}

int ShapedText::set_of(const ImFont* f) const {
    for (std::size_t i = 0; i < sets_.size(); ++i)
        if (sets_[i].font == f) return static_cast<int>(i);
    return -1;
}

bool ShapedText::prepare(ImFontAtlas* atlas, const std::string& lang, const std::vector<Size>& sizes,
                         const std::string& text, std::string& error) {
    const std::string carried = misses_;  // typed text the last atlas lacked
    clear();
    const ScriptFonts* script = script_of(lang);
    if (!script) return true;
    lang_ = lang;
    rtl_ = script->rtl;
    letter_ = script->letter;
    for (const Size& sz : sizes) {
        std::vector<std::string> files;
        for (const char* f : {sz.bold ? script->bold : script->regular, sz.bold ? "NotoSans-Bold.ttf" : "NotoSans-Regular.ttf"}) {
            const std::string path = find_font(f);
            if (path.empty()) {
                error = std::string(f) + " was not found under /usr/share/fonts: install the fonts-noto-core package";
                clear();
                return false;
            }
            files.push_back(path);
        }
        auto fonts = text::Fonts::open(files, sz.em_px * script->scale, error);
        if (!fonts) {
            clear();
            return false;
        }
        sets_.push_back({sz.font, std::move(fonts)});
    }
    // Every glyph the text shapes to, line by line, at each size.
    const std::string all = text + "\n" + carried;
    for (std::size_t si = 0; si < sets_.size(); ++si) {
        const text::Fonts& fonts = *sets_[si].fonts;
        std::size_t start = 0;
        while (start <= all.size()) {
            std::size_t end = all.find('\n', start);
            if (end == std::string::npos) end = all.size();
            for (const auto& g : text::shape(fonts, std::string_view(all).substr(start, end - start),
                                             text::Direction::Auto, lang_)) {
                const auto k = key(static_cast<int>(si), g.font, g.id);
                if (glyphs_.count(k)) continue;
                const text::Bitmap b = text::render(fonts, g.font, g.id);
                Glyph out;
                out.w = b.width;
                out.h = b.height;
                out.left = b.left;
                out.top = b.top;
                out.alpha = b.alpha;
                if (out.w > 0 && out.h > 0) out.rect = atlas->AddCustomRectRegular(out.w, out.h);
                glyphs_.emplace(k, std::move(out));
            }
            start = end + 1;
        }
    }
    return true;
}

void ShapedText::fill(ImFontAtlas* atlas) {
    unsigned char* pixels = nullptr;
    int tw = 0, th = 0;
    atlas->GetTexDataAsAlpha8(&pixels, &tw, &th);
    for (auto& [k, g] : glyphs_) {
        if (g.rect < 0 || !pixels) continue;
        const ImFontAtlasCustomRect* r = atlas->GetCustomRectByIndex(g.rect);
        if (!r || !r->IsPacked()) {
            g.rect = -1;
            continue;
        }
        for (int y = 0; y < g.h; ++y)
            for (int x = 0; x < g.w; ++x)
                pixels[(r->Y + y) * tw + r->X + x] = g.alpha[static_cast<std::size_t>(y * g.w + x)];
        atlas->CalcCustomRectUV(r, &g.uv0, &g.uv1);
        g.alpha.clear();
        g.alpha.shrink_to_fit();
    }
}

float ShapedText::line_height(const ImFont* f) const {
    const int s = set_of(f);
    return s < 0 ? f->FontSize : std::max(f->FontSize, std::ceil(sets_[static_cast<std::size_t>(s)].fonts->line_height()));
}

text::Paragraphs ShapedText::lay(int set, std::string_view s, float wrap) const {
    return text::layout(*sets_[static_cast<std::size_t>(set)].fonts, s, wrap, text::Direction::Auto, lang_);
}

ImVec2 ShapedText::measure(const ImFont* f, std::string_view s, float wrap) const {
    const int set = set_of(f);
    if (set < 0 || s.empty()) return ImVec2(0, s.empty() ? 0 : f->FontSize);
    const text::Paragraphs p = lay(set, s, wrap);
    return ImVec2(std::ceil(p.width()), line_height(f) * static_cast<float>(p.lines.size()));
}

void ShapedText::draw(ImDrawList* dl, const ImFont* f, ImVec2 pos, ImU32 col, std::string_view s, float wrap,
                      bool centre, bool mirrored) const {
    const int set = set_of(f);
    if (set < 0 || s.empty()) return;
    const text::Fonts& fonts = *sets_[static_cast<std::size_t>(set)].fonts;
    const text::Paragraphs p = lay(set, s, wrap);
    const float room = wrap > 0 && (centre || !mirrored) ? wrap : p.width();
    const float lh = line_height(f);
    // The baseline sits as the faces' ascent puts it, the line's extra height shared above and below.
    const float baseline0 = pos.y + (lh - fonts.line_height()) / 2 + fonts.ascent();
    for (std::size_t i = 0; i < p.lines.size(); ++i) {
        const text::Line& line = p.lines[i];
        const float x0 = pos.x + (centre ? (room - line.width) / 2 : rtl_ ? room - line.width : 0.f);
        const float base = std::round(baseline0 + lh * static_cast<float>(i));
        for (const text::Glyph& g : line.glyphs) {
            const auto it = glyphs_.find(key(set, g.font, g.id));
            if (it == glyphs_.end()) {
                if (misses_.find(s) == std::string::npos) misses_ += std::string(s) + "\n";
                continue;
            }
            const Glyph& gl = it->second;
            if (gl.rect < 0) continue;  // a space, or not packed
            const float x = std::round(x0 + g.x) + static_cast<float>(gl.left);
            const float y = base + std::round(g.y) - static_cast<float>(gl.top);
            dl->PrimReserve(6, 4);
            dl->PrimRectUV(ImVec2(x, y), ImVec2(x + static_cast<float>(gl.w), y + static_cast<float>(gl.h)), gl.uv0,
                           gl.uv1, col);
        }
    }
}

}  // namespace engage::ui
