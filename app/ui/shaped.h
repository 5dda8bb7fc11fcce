// Text in the scripts Dear ImGui 1.86 cannot draw (joined letters, right to left): Urdu, Arabic, Punjabi in
// Gurmukhi and Bengali. engage_text shapes it into glyph ids (text/include/engage/shaping.h); this puts those
// glyphs into ImGui's font atlas (custom rectangles, rasterised by FreeType) and draws them with the draw list.
// Every other language keeps ImGui's own text path, unchanged.
#pragma once
#include <imgui.h>

#include <cstdint>
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
    // Before io.Fonts->Build(): opens `lang`'s faces for each size, shapes every line of `text` and reserves an
    // atlas rectangle for each glyph it needs. False (with `error`) when a face is missing.
    bool prepare(ImFontAtlas* atlas, const std::string& lang, const std::vector<Size>& sizes, const std::string& text,
                 std::string& error);
    // Right after Build() (before ClearInputData): the glyphs' pixels into the atlas.
    void fill(ImFontAtlas* atlas);
    void clear();
    bool active() const { return !sets_.empty(); }
    bool rtl() const { return rtl_; }
    const std::string& lang() const { return lang_; }
    bool handles(const ImFont* f) const { return set_of(f) >= 0; }
    // True when `s` has a letter of the language's script (text without one is left to ImGui).
    bool wants(std::string_view s) const;
    int glyphs() const { return static_cast<int>(glyphs_.size()); }

    float line_height(const ImFont* f) const;
    // The size of `s` wrapped at `wrap` px (0: only at '\n').
    ImVec2 measure(const ImFont* f, std::string_view s, float wrap) const;
    // Draws `s` wrapped at `wrap`; in a right-to-left language each line is right-aligned in `wrap` (or in the
    // widest line when wrap is 0). `centre` centres each line instead.
    // `mirrored`: the screen will be mirrored (Ui::mirror_frame), so a right-to-left block is drawn at the left of
    // its room with its lines right-aligned to each other, and the mirror puts it on the right.
    void draw(ImDrawList* dl, const ImFont* f, ImVec2 pos, ImU32 col, std::string_view s, float wrap,
              bool centre = false, bool mirrored = false) const;
    // Text drawn since the last rebuild whose glyphs the atlas lacks (typed text): the next build adds them.
    const std::string& misses() const { return misses_; }

private:
    struct Set {
        const ImFont* font;
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
    int set_of(const ImFont* f) const;
    text::Paragraphs lay(int set, std::string_view s, float wrap) const;

    std::string lang_;
    bool rtl_ = false;
    bool (*letter_)(char32_t) = nullptr;
    std::vector<Set> sets_;
    std::unordered_map<std::uint64_t, Glyph> glyphs_;
    mutable std::string misses_;
};

// The kiosk's one instance (ImGui's atlas is one too).
ShapedText& shaped_text();

}  // namespace engage::ui
