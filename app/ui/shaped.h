// Text in the scripts Dear ImGui 1.86 cannot draw (joined letters, right to left): Urdu, Arabic, Punjabi in
// Gurmukhi and Bengali. engage_text shapes it into glyph ids (text/include/engage/shaping.h); this puts those
// glyphs into ImGui's font atlas (custom rectangles, rasterised by FreeType) and draws them with the draw list.
// Every other language keeps ImGui's own text path, unchanged.
#pragma once
#include <imgui.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engage/shaping.h"

namespace engage::ui {

bool needs_shaping(const std::string& lang);  // ur, ar, pa, bn
bool rtl_language(const std::string& lang);   // ur, ar

class ShapedText {
public:
    struct Size {
        const ImFont* font;  // the ImGui font it stands in for (fonts.body, fonts.heading, fonts.huge)
        float em_px;         // FreeType's pixel size for it
        bool bold;
    };
    // The language picker shows every language's own name in its own script, whatever the screen's language:
    // language code -> `language.name`. prepare() gives each shaped language's name (other than `lang`'s) its
    // own faces at the body size, and draws exactly that string with them.
    void set_names(std::map<std::string, std::string> names) { all_names_ = std::move(names); }
    // Before io.Fonts->Build(): opens `lang`'s faces for each size, shapes every line of `text` and reserves an
    // atlas rectangle for each glyph it needs; the same for the other shaped languages' names (set_names).
    // False (with `error`) when a face is missing.
    bool prepare(ImFontAtlas* atlas, const std::string& lang, const std::vector<Size>& sizes, const std::string& text,
                 std::string& error);
    // Right after Build() (before ClearInputData): the glyphs' pixels into the atlas.
    void fill(ImFontAtlas* atlas);
    void clear();
    bool active() const { return !sets_.empty(); }
    bool rtl() const { return rtl_; }
    const std::string& lang() const { return lang_; }
    // True when `s` has a letter of the language's script, or is another shaped language's name (other text is
    // left to ImGui).
    bool wants(std::string_view s) const;
    // True when `s` drawn in `f` takes this path (wants(s), and `f` is one of the sizes prepared for it).
    bool takes(const ImFont* f, std::string_view s) const { return pick(f, s) >= 0; }
    // The glyphs `s` shapes to in `f` that the atlas lacks, as "font:glyph" ids (empty: all there).
    std::string uncovered(const ImFont* f, std::string_view s) const;
    int glyphs() const { return static_cast<int>(glyphs_.size()); }
    // The atlas area (px) the reserved rectangles take: ImGui sizes the texture by its own glyphs only.
    std::size_t area() const { return area_; }

    float line_height(const ImFont* f, std::string_view s) const;
    // The size of `s` wrapped at `wrap` px (0: only at '\n'). `scale` < 1: drawn that much smaller (a word on a
    // narrow key), from the same glyphs.
    ImVec2 measure(const ImFont* f, std::string_view s, float wrap, float scale = 1.f) const;
    // Draws `s` wrapped at `wrap`; in a right-to-left language each line is right-aligned in `wrap` (or in the
    // widest line when wrap is 0). `centre` centres each line instead.
    // `mirrored`: the screen will be mirrored (Ui::mirror_frame), so a right-to-left block is drawn at the left of
    // its room with its lines right-aligned to each other, and the mirror puts it on the right.
    // `caret` (a byte index into `s`, or -1): also draws a text caret before that character, where
    // text::caret_x puts it (after the last character: the line's end edge), as part of the same block.
    void draw(ImDrawList* dl, const ImFont* f, ImVec2 pos, ImU32 col, std::string_view s, float wrap,
              bool centre = false, bool mirrored = false, long caret = -1, float scale = 1.f) const;
    // Text drawn since the last rebuild whose glyphs the atlas lacks (typed text): the next build adds them.
    const std::string& misses() const { return misses_; }

private:
    struct Set {
        const ImFont* font;
        std::string lang;  // whose faces: the screen's language, or another's name
        std::unique_ptr<text::Fonts> fonts;
    };
    struct Glyph {
        int rect = -1;  // custom rect index
        int w = 0, h = 0, left = 0, top = 0;
        ImVec2 uv0, uv1;
        std::vector<std::uint8_t> alpha;  // until fill()
    };
    static std::uint64_t key(int set, std::uint16_t font, std::uint32_t id) {
        return (static_cast<std::uint64_t>(set) << 48) | (static_cast<std::uint64_t>(font) << 32) | id;
    }
    int set_of(const ImFont* f, const std::string& lang) const;
    int pick(const ImFont* f, std::string_view s) const;
    float line_height(int set) const;
    text::Paragraphs lay(int set, std::string_view s, float wrap) const;
    bool add_set(const ImFont* font, const std::string& lang, float em_px, bool bold, std::string& error);
    void reserve(ImFontAtlas* atlas, int set, const std::string& text);

    std::string lang_;
    bool rtl_ = false;
    bool (*letter_)(char32_t) = nullptr;
    std::vector<Set> sets_;
    std::map<std::string, std::string> all_names_;  // set_names()
    std::map<std::string, std::string, std::less<>> names_;  // name -> language, for the names prepared
    std::unordered_map<std::uint64_t, Glyph> glyphs_;
    mutable std::string misses_;
    std::size_t area_ = 0;
};

// The kiosk's one instance (ImGui's atlas is one too).
ShapedText& shaped_text();

}  // namespace engage::ui
