// Shaped, bidirectional text with libraqm over FreeType faces. See engage/shaping.h.
#include "engage/shaping.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <raqm.h>

#include <algorithm>
#include <cmath>


namespace engage::text {

struct Fonts::Impl {
    FT_Library lib = nullptr;
    std::vector<FT_Face> faces;
    ~Impl() {
        for (FT_Face f : faces) FT_Done_Face(f);
        if (lib) FT_Done_FreeType(lib);
    }
};

namespace {

struct Cp {
    char32_t c;
    std::size_t at;  // byte offset
};

// Code points with their byte offsets; a bad byte becomes U+FFFD covering that one byte.
std::vector<Cp> decode(std::string_view s) {
    std::vector<Cp> out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        const int n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = n > 0 && i + static_cast<std::size_t>(n) <= s.size();
        for (int k = 1; ok && k < n; ++k) {
            const auto t = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            ok = (t & 0xC0) == 0x80;
            c = (c << 6) | (t & 0x3F);
        }
        if (!ok) {
            out.push_back({0xFFFD, i});
            ++i;
            continue;
        }
        out.push_back({c, i});
        i += static_cast<std::size_t>(n);
    }
    return out;
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == 0x00A0 || c == 0x3000; }

// Characters that take the font of the text around them: spaces, ASCII punctuation, general punctuation,
// joiners and direction marks.
bool neutral(char32_t c) {
    if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
    return c == 0x00A0 || (c >= 0x2000 && c <= 0x206F) || c == 0x3000;
}

// Strong right-to-left: Hebrew, Arabic, Syriac, Thaana, NKo..., their presentation forms (UAX #9 R and AL).
bool strong_rtl(char32_t c) {
    return (c >= 0x0590 && c <= 0x08FF && !(c >= 0x0660 && c <= 0x0669) && !(c >= 0x06F0 && c <= 0x06F9)) ||
           (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF) || c == 0x200F;
}

bool strong_ltr(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (neutral(c) || strong_rtl(c)) return false;
    if (c >= 0x0660 && c <= 0x0669) return false;  // Arabic-Indic digits are weak
    if (c >= 0x06F0 && c <= 0x06F9) return false;
    return c >= 0x00C0 || c == 0x200E;
}

raqm_direction_t raqm_dir(Direction d) {
    return d == Direction::Rtl ? RAQM_DIRECTION_RTL : d == Direction::Ltr ? RAQM_DIRECTION_LTR : RAQM_DIRECTION_DEFAULT;
}

struct Raqm {
    raqm_t* rq = raqm_create();
    ~Raqm() { raqm_destroy(rq); }
};

float px(int v26_6) { return static_cast<float>(v26_6) / 64.f; }

}  // namespace

std::unique_ptr<Fonts> Fonts::open(const std::vector<std::string>& files, float pixel_size, std::string& error) {
    std::unique_ptr<Fonts> f(new Fonts());
    f->impl_ = std::make_unique<Impl>();
    f->pixel_size_ = pixel_size;
    if (files.empty() || !(pixel_size >= 1 && pixel_size <= 1024)) {
        error = "no font files, or a size outside 1-1024 px";
        return nullptr;
    }
    if (FT_Init_FreeType(&f->impl_->lib) != 0) {
        error = "FreeType could not start";
        return nullptr;
    }
    const auto size = static_cast<FT_UInt>(std::lround(pixel_size));
    for (const auto& file : files) {
        FT_Face face = nullptr;
        if (FT_New_Face(f->impl_->lib, file.c_str(), 0, &face) != 0) {
            error = file + ": not a font FreeType can read";
            return nullptr;
        }
        f->impl_->faces.push_back(face);
        if (FT_Set_Pixel_Sizes(face, 0, size) != 0) {
            error = file + ": cannot be set to " + std::to_string(size) + " px";
            return nullptr;
        }
        f->ascent_ = std::max(f->ascent_, px(static_cast<int>(face->size->metrics.ascender)));
        f->descent_ = std::max(f->descent_, -px(static_cast<int>(face->size->metrics.descender)));
    }
    return f;
}

Fonts::~Fonts() = default;

std::size_t Fonts::size() const { return impl_->faces.size(); }

bool Fonts::has(std::size_t font, char32_t cp) const {
    return font < impl_->faces.size() && FT_Get_Char_Index(impl_->faces[font], cp) != 0;
}

std::size_t Fonts::font_for(char32_t cp) const {
    for (std::size_t i = 0; i < impl_->faces.size(); ++i)
        if (has(i, cp)) return i;
    return 0;
}

float Paragraphs::width() const {
    float w = 0;
    for (const auto& l : lines) w = std::max(w, l.width);
    return w;
}

bool starts_rtl(std::string_view utf8) {
    for (const Cp& c : decode(utf8)) {
        if (strong_rtl(c.c)) return true;
        if (strong_ltr(c.c)) return false;
    }
    return false;
}

namespace {

// Gives `r` the text, direction, language and each character's font (neutral ones stay with their
// neighbours' font when it has them). False when raqm refuses.
bool prepare(Raqm& r, const Fonts& fonts, std::string_view utf8, raqm_direction_t dir, std::string_view lang) {
    const auto cps = decode(utf8);
    auto& faces = fonts.impl().faces;
    std::vector<std::size_t> font(cps.size(), 0);
    for (std::size_t i = 0; i < cps.size(); ++i) font[i] = fonts.font_for(cps[i].c);
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (!neutral(cps[i].c)) continue;
        std::size_t j = i;  // the font of the text before it, else of the text after it
        while (j > 0 && neutral(cps[j - 1].c)) --j;
        std::size_t k = i;
        while (k < cps.size() && neutral(cps[k].c)) ++k;
        const std::size_t around = j > 0 ? font[j - 1] : k < cps.size() ? font[k] : font[i];
        if (fonts.has(around, cps[i].c) || is_space(cps[i].c)) font[i] = around;
    }
    if (!r.rq || !raqm_set_text_utf8(r.rq, utf8.data(), utf8.size()) || !raqm_set_par_direction(r.rq, dir)) return false;
    if (!lang.empty()) raqm_set_language(r.rq, std::string(lang).c_str(), 0, utf8.size());
    for (std::size_t i = 0; i < cps.size();) {
        std::size_t j = i;
        while (j < cps.size() && font[j] == font[i]) ++j;
        const std::size_t begin = cps[i].at, end = j < cps.size() ? cps[j].at : utf8.size();
        raqm_set_freetype_face_range(r.rq, faces[font[i]], begin, end - begin);
        i = j;
    }
    return raqm_layout(r.rq);
}

// Shapes `utf8` (one line) with raqm.
std::vector<Glyph> shape_line(const Fonts& fonts, std::string_view utf8, raqm_direction_t dir, std::string_view lang,
                              float* width) {
    std::vector<Glyph> out;
    if (width) *width = 0;
    Raqm r;
    if (utf8.empty() || !prepare(r, fonts, utf8, dir, lang)) return out;
    auto& faces = fonts.impl().faces;
    std::size_t n = 0;
    const raqm_glyph_t* g = raqm_get_glyphs(r.rq, &n);
    float pen = 0;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Glyph o;
        const auto it = std::find(faces.begin(), faces.end(), g[i].ftface);
        o.font = static_cast<std::uint16_t>(it == faces.end() ? 0 : it - faces.begin());
        o.id = g[i].index;
        o.x = pen + px(g[i].x_offset);
        o.y = -px(g[i].y_offset);
        o.advance = px(g[i].x_advance);
        o.cluster = g[i].cluster;
        pen += o.advance;
        out.push_back(o);
    }
    if (width) *width = pen;
    return out;
}

// Han, kana, Hangul syllables, CJK punctuation and full-width forms: a line may break before or after each.
bool breakable_cjk(char32_t c) {
    return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF);
}

}  // namespace

std::vector<Glyph> shape(const Fonts& fonts, std::string_view utf8, Direction dir, std::string_view lang, float* width) {
    return shape_line(fonts, utf8, raqm_dir(dir), lang, width);
}

Paragraphs layout(const Fonts& fonts, std::string_view utf8, float max_width, Direction dir, std::string_view lang) {
    Paragraphs p;
    p.rtl = dir == Direction::Rtl || (dir == Direction::Auto && starts_rtl(utf8));
    const raqm_direction_t base = p.rtl ? RAQM_DIRECTION_RTL : RAQM_DIRECTION_LTR;
    const auto cps = decode(utf8);

    auto emit = [&](std::size_t begin, std::size_t end) {  // [begin, end) bytes; trailing spaces not shaped
        std::size_t trimmed = end;
        while (trimmed > begin && (utf8[trimmed - 1] == ' ' || utf8[trimmed - 1] == '\t')) --trimmed;
        Line l;
        l.begin = begin;
        l.end = end;
        l.glyphs = shape_line(fonts, utf8.substr(begin, trimmed - begin), base, lang, &l.width);
        for (auto& g : l.glyphs) g.cluster += static_cast<std::uint32_t>(begin);
        p.lines.push_back(std::move(l));
    };

    std::size_t i = 0;
    while (i <= cps.size()) {
        // One hard line: up to '\n' (or the end).
        std::size_t j = i;
        while (j < cps.size() && cps[j].c != '\n') ++j;
        const std::size_t hb = i < cps.size() ? cps[i].at : utf8.size();
        const std::size_t he = j < cps.size() ? cps[j].at : utf8.size();
        if (max_width <= 0 || he == hb) {
            emit(hb, he);
        } else {
            // Advances per byte, from the whole hard line shaped once (clusters are byte offsets).
            const std::string_view hard = utf8.substr(hb, he - hb);
            std::vector<float> adv(hard.size() + 1, 0.f);
            std::vector<bool> starts(hard.size() + 1, false);  // a cluster starts at this byte
            for (const Glyph& g : shape_line(fonts, hard, base, lang, nullptr))
                if (g.cluster < adv.size()) {
                    adv[g.cluster] += g.advance;
                    starts[g.cluster] = true;
                }
            starts[hard.size()] = true;
            std::vector<double> before(hard.size() + 1, 0.0);  // advance of all bytes before this one
            for (std::size_t k = 0; k < hard.size(); ++k) before[k + 1] = before[k] + adv[k];
            auto width_of = [&](std::size_t a, std::size_t b) {  // bytes relative to hb
                return static_cast<float>(before[b] - before[a]);
            };
            // Break opportunities (relative byte offsets): after a run of spaces, and around CJK characters.
            std::vector<std::size_t> opps;
            for (std::size_t k = i + 1; k < j; ++k) {
                const char32_t prev = cps[k - 1].c, cur = cps[k].c;
                if ((is_space(prev) && !is_space(cur)) || breakable_cjk(prev) || (breakable_cjk(cur) && !is_space(prev)))
                    opps.push_back(cps[k].at - hb);
            }
            opps.push_back(hard.size());
            std::size_t line_start = 0, last_fit = 0;
            auto visible = [&](std::size_t a, std::size_t b) {  // without trailing spaces
                while (b > a && (hard[b - 1] == ' ' || hard[b - 1] == '\t')) --b;
                return width_of(a, b);
            };
            for (std::size_t o : opps) {
                if (visible(line_start, o) <= max_width) {
                    last_fit = o;
                    continue;
                }
                if (last_fit > line_start) {  // the line up to the last opportunity that fitted
                    emit(hb + line_start, hb + last_fit);
                    line_start = last_fit;
                    if (visible(line_start, o) <= max_width) {
                        last_fit = o;
                        continue;
                    }
                }
                // One word wider than the line: cut it between clusters.
                while (visible(line_start, o) > max_width) {
                    std::size_t cut = line_start, k = line_start + 1;
                    for (; k < o; ++k)
                        if (starts[k]) {
                            if (width_of(line_start, k) > max_width) break;
                            cut = k;
                        }
                    if (cut == line_start) {  // not even one cluster fits: take one anyway
                        cut = line_start + 1;
                        while (cut < o && !starts[cut]) ++cut;
                    }
                    emit(hb + line_start, hb + cut);
                    line_start = cut;
                }
                last_fit = o;
            }
            if (line_start < hard.size() || p.lines.empty()) emit(hb + line_start, he);
        }
        if (j >= cps.size()) break;
        i = j + 1;
        if (i == cps.size()) {  // a text ending in '\n' has an empty last line
            emit(utf8.size(), utf8.size());
            break;
        }
    }
    return p;
}

namespace {

// The x extent [lo, hi] of the glyphs of the cluster holding byte `index` (the last cluster starting at or
// before it), and the first character of that cluster. False when no glyph starts at or before `index`.
bool cluster_extent(std::string_view utf8, const Line& line, std::size_t index, float& lo, float& hi, char32_t& c) {
    std::uint32_t cluster = 0;
    bool found = false;
    for (const Glyph& g : line.glyphs)
        if (g.cluster <= index && (!found || g.cluster > cluster)) {
            cluster = g.cluster;
            found = true;
        }
    if (!found) return false;
    bool any = false;
    for (const Glyph& g : line.glyphs)
        if (g.cluster == cluster) {
            const float a = std::min(g.x, g.x + g.advance), b = std::max(g.x, g.x + g.advance);
            lo = any ? std::min(lo, a) : a;
            hi = any ? std::max(hi, b) : b;
            any = true;
        }
    const auto cps = decode(utf8.substr(cluster, 4));
    c = cps.empty() ? 0 : cps[0].c;
    return any;
}

}  // namespace

float caret_x(std::string_view utf8, const Line& line, std::size_t index, bool rtl) {
    std::size_t visible_end = line.end;
    while (visible_end > line.begin && (utf8[visible_end - 1] == ' ' || utf8[visible_end - 1] == '\t')) --visible_end;
    const float start_edge = rtl ? line.width : 0.f, end_edge = rtl ? 0.f : line.width;
    float lo = 0, hi = 0;
    char32_t c = 0;
    if (index >= visible_end && index > line.begin) {
        // Right after the last character typed: at its trailing edge (the right of a left-to-right letter, the
        // left of a right-to-left one), so a Latin word typed at the end of Urdu has the caret just after it.
        // After trailing spaces, or a character of no direction, the line's end edge.
        if (index == visible_end) {
            std::size_t last = visible_end - 1;
            while (last > line.begin && (static_cast<unsigned char>(utf8[last]) & 0xC0) == 0x80) --last;
            if (cluster_extent(utf8, line, last, lo, hi, c) && strong_ltr(c) != strong_rtl(c))
                return strong_rtl(c) ? lo : hi;
        }
        return end_edge;
    }
    if (!cluster_extent(utf8, line, index, lo, hi, c)) return start_edge;
    // A right-to-left character begins at its right edge, a left-to-right one at its left; others follow the line.
    const bool char_rtl = strong_rtl(c) || (!strong_ltr(c) && rtl);
    return char_rtl ? hi : lo;
}

Bitmap render(const Fonts& fonts, std::uint16_t font, std::uint32_t glyph) {
    Bitmap b;
    auto& faces = fonts.impl().faces;
    if (font >= faces.size()) return b;
    FT_Face f = faces[font];
    if (FT_Load_Glyph(f, glyph, FT_LOAD_DEFAULT) != 0 || FT_Render_Glyph(f->glyph, FT_RENDER_MODE_NORMAL) != 0) return b;
    const FT_Bitmap& bm = f->glyph->bitmap;
    b.width = static_cast<int>(bm.width);
    b.height = static_cast<int>(bm.rows);
    b.left = f->glyph->bitmap_left;
    b.top = f->glyph->bitmap_top;
    b.alpha.resize(static_cast<std::size_t>(b.width) * static_cast<std::size_t>(b.height));
    for (int y = 0; y < b.height; ++y)
        for (int x = 0; x < b.width; ++x)
            b.alpha[static_cast<std::size_t>(y * b.width + x)] = bm.buffer[y * bm.pitch + x];
    return b;
}

}  // namespace engage::text
