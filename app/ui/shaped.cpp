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
// The danda and double danda (। ॥, in the Devanagari block) end sentences in Gurmukhi and Bengali too: a key of
// their keyboards shows one alone.
bool danda(char32_t c) { return c == 0x0964 || c == 0x0965; }
bool gurmukhi(char32_t c) { return (c >= 0x0A00 && c <= 0x0A7F) || danda(c); }
bool bengali(char32_t c) { return (c >= 0x0980 && c <= 0x09FF) || danda(c); }

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
    names_.clear();
    area_ = 0;
    lang_.clear();
    rtl_ = false;
    letter_ = nullptr;
}

bool ShapedText::wants(std::string_view s) const {
    if (names_.count(s)) return true;
    if (!letter_) return false;
    for (char32_t c : utf8_codepoints(s))
        if (letter_(c)) return true;
    return false;
}

int ShapedText::set_of(const ImFont* f, const std::string& lang) const {
    for (std::size_t i = 0; i < sets_.size(); ++i)
        if (sets_[i].font == f && sets_[i].lang == lang) return static_cast<int>(i);
    return -1;
}

int ShapedText::pick(const ImFont* f, std::string_view s) const {
    if (sets_.empty() || s.empty()) return -1;
    // Another language's own name (the picker): its own faces, even where the screen's script is the same
    // (Arabic's name in Naskh on an Urdu screen).
    if (const auto it = names_.find(s); it != names_.end()) {
        const int set = set_of(f, it->second);
        if (set >= 0) return set;
    }
    if (!letter_) return -1;
    for (char32_t c : utf8_codepoints(s))
        if (letter_(c)) return set_of(f, lang_);
    return -1;
}

bool ShapedText::add_set(const ImFont* font, const std::string& lang, float em_px, bool bold, std::string& error) {
    const ScriptFonts* script = script_of(lang);
    std::vector<std::string> files;
    for (const char* f : {bold ? script->bold : script->regular, bold ? "NotoSans-Bold.ttf" : "NotoSans-Regular.ttf"}) {
        const std::string path = find_font(f);
        if (path.empty()) {
            error = std::string(f) + " was not found under /usr/share/fonts: install the fonts-noto-core package";
            return false;
        }
        files.push_back(path);
    }
    auto fonts = text::Fonts::open(files, em_px * script->scale, error);
    if (!fonts) return false;
    sets_.push_back({font, lang, std::move(fonts)});
    return true;
}

// Every glyph `text` shapes to, line by line, in set `si`: an atlas rectangle each.
void ShapedText::reserve(ImFontAtlas* atlas, int si, const std::string& text) {
    const Set& set = sets_[static_cast<std::size_t>(si)];
    const text::Fonts& fonts = *set.fonts;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        for (const auto& g :
             text::shape(fonts, std::string_view(text).substr(start, end - start), text::Direction::Auto, set.lang)) {
            const auto k = key(si, g.font, g.id);
            if (glyphs_.count(k)) continue;
            const text::Bitmap b = text::render(fonts, g.font, g.id);
            Glyph out;
            out.w = b.width;
            out.h = b.height;
            out.left = b.left;
            out.top = b.top;
            out.alpha = b.alpha;
            if (out.w > 0 && out.h > 0) {
                out.rect = atlas->AddCustomRectRegular(out.w, out.h);
                area_ += static_cast<std::size_t>(out.w + 1) * static_cast<std::size_t>(out.h + 1);
            }
            glyphs_.emplace(k, std::move(out));
        }
        start = end + 1;
    }
}

bool ShapedText::prepare(ImFontAtlas* atlas, const std::string& lang, const std::vector<Size>& sizes,
                         const std::string& text, std::string& error) {
    const std::string carried = misses_;  // typed text the last atlas lacked
    clear();
    const ScriptFonts* script = script_of(lang);
    if (script) {
        lang_ = lang;
        rtl_ = script->rtl;
        letter_ = script->letter;
        for (const Size& sz : sizes)
            if (!add_set(sz.font, lang, sz.em_px, sz.bold, error)) {
                clear();
                return false;
            }
        const std::string all = text + "\n" + carried;
        for (std::size_t si = 0; si < sets_.size(); ++si) reserve(atlas, static_cast<int>(si), all);
    }
    // The other shaped languages' names, at the body size (the picker's), each in its own faces.
    if (sizes.empty()) return true;
    const std::string base = lang.substr(0, lang.find_first_of("-_"));
    for (const auto& [other, name] : all_names_) {
        const ScriptFonts* own = script_of(other);
        if (!own || other.substr(0, other.find_first_of("-_")) == base || name.empty()) continue;
        if (set_of(sizes[0].font, other) < 0 && !add_set(sizes[0].font, other, sizes[0].em_px, sizes[0].bold, error)) {
            clear();
            return false;
        }
        names_[name] = other;
        reserve(atlas, set_of(sizes[0].font, other), name);
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

float ShapedText::line_height(int set) const {
    const Set& st = sets_[static_cast<std::size_t>(set)];
    return std::max(st.font->FontSize, std::ceil(st.fonts->line_height()));
}

float ShapedText::line_height(const ImFont* f, std::string_view s) const {
    const int set = pick(f, s);
    return set < 0 ? f->FontSize : line_height(set);
}

text::Paragraphs ShapedText::lay(int set, std::string_view s, float wrap) const {
    const Set& st = sets_[static_cast<std::size_t>(set)];
    return text::layout(*st.fonts, s, wrap, text::Direction::Auto, st.lang);
}

ImVec2 ShapedText::measure(const ImFont* f, std::string_view s, float wrap, float scale) const {
    const int set = pick(f, s);
    if (set < 0 || s.empty()) return ImVec2(0, s.empty() ? 0 : f->FontSize * scale);
    const text::Paragraphs p = lay(set, s, wrap / scale);
    return ImVec2(std::ceil(p.width() * scale), line_height(set) * scale * static_cast<float>(p.lines.size()));
}

std::string ShapedText::uncovered(const ImFont* f, std::string_view s) const {
    const int set = pick(f, s);
    if (set < 0) return "no shaped faces for it";
    std::string out;
    for (const text::Line& line : lay(set, s, 0).lines)
        for (const text::Glyph& g : line.glyphs)
            if (!glyphs_.count(key(set, g.font, g.id)))
                out += (out.empty() ? "" : " ") + std::to_string(g.font) + ":" + std::to_string(g.id);
    return out;
}

void ShapedText::draw(ImDrawList* dl, const ImFont* f, ImVec2 pos, ImU32 col, std::string_view s, float wrap,
                      bool centre, bool mirrored, long caret, float scale) const {
    const int set = pick(f, s);
    if (set < 0 || s.empty()) return;
    const text::Fonts& fonts = *sets_[static_cast<std::size_t>(set)].fonts;
    // Laid out at the glyphs' own size in room / scale, then every position and quad scaled about `pos`.
    wrap /= scale;
    const auto at = [&](float x, float y) { return ImVec2(pos.x + (x - pos.x) * scale, pos.y + (y - pos.y) * scale); };
    const text::Paragraphs p = lay(set, s, wrap);
    const float room = wrap > 0 && (centre || !mirrored) ? wrap : p.width();
    const float lh = line_height(set);
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
            dl->PrimRectUV(at(x, y), at(x + static_cast<float>(gl.w), y + static_cast<float>(gl.h)), gl.uv0, gl.uv1, col);
        }
        // The caret: in the line holding that character (the last line for the end of the text).
        const auto ci = static_cast<std::size_t>(caret);
        if (caret >= 0 && ((ci >= line.begin && ci < line.end) || (ci >= line.end && i + 1 == p.lines.size()))) {
            const float cx = std::round(x0 + text::caret_x(s, line, ci, p.rtl));
            const float w = std::max(2.f, std::round(f->FontSize * 0.08f));
            dl->AddRectFilled(at(cx - w / 2, base - fonts.ascent()), at(cx + w / 2, base + fonts.descent()), col);
        }
    }
}

}  // namespace engage::ui
