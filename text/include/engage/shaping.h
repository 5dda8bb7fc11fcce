// Shaped, bidirectional text (issue 13): the one place that turns a string into positioned glyphs.
//
// Text is shaped with libraqm (HarfBuzz for joining and reordering within a script, FriBidi for the order of
// runs), so Urdu's Nastaliq, Arabic, Gurmukhi and Bengali come out as a reader expects. The result is glyph ids
// (not codepoints) with positions, which a renderer rasterises (`render`) and draws. No ImGui, no SDL here: the
// kiosk's renderer (app/) and the tests both use this library.
//
// Lines are broken on the logical text (the order it is typed and stored in), then each line is shaped on its
// own, so a right-to-left line is reordered within itself and never with the line above (UAX #9, L1-L2).
//
// Fonts: a list of files, the script's own font first and fallbacks after it (Noto Sans for the Latin letters
// and digits inside Urdu or Arabic text). Each character takes the first font that has it; spaces and
// punctuation stay with the font of the text around them, so a run is never split by a space.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engage::text {

enum class Direction { Auto, Ltr, Rtl };

// A set of faces at one pixel size. Not thread-safe: use it from one thread (the UI's).
class Fonts {
public:
    // The faces in `files` (first = primary) at `pixel_size`; nullptr with `error` saying which file failed.
    static std::unique_ptr<Fonts> open(const std::vector<std::string>& files, float pixel_size, std::string& error);
    ~Fonts();
    Fonts(const Fonts&) = delete;
    Fonts& operator=(const Fonts&) = delete;

    std::size_t size() const;
    float pixel_size() const { return pixel_size_; }
    // Above and below the baseline (positive), and the distance between baselines: the largest of the faces',
    // so a Nastaliq line is about 1.8 times as tall as a Latin one.
    float ascent() const { return ascent_; }
    float descent() const { return descent_; }
    float line_height() const { return ascent_ + descent_; }
    // The index of the font that shows `cp` (0 when none does: the primary's missing-glyph box).
    std::size_t font_for(char32_t cp) const;
    bool has(std::size_t font, char32_t cp) const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    Fonts() = default;
    std::unique_ptr<Impl> impl_;
    float pixel_size_ = 0, ascent_ = 0, descent_ = 0;
};

struct Glyph {
    std::uint16_t font = 0;     // index into Fonts
    std::uint32_t id = 0;       // the glyph's index in that font
    float x = 0, y = 0;         // where its origin goes: from the line's left end, and down from the baseline
    float advance = 0;          // how far the pen moved after it
    std::uint32_t cluster = 0;  // byte offset in the text of the first character it shows
};

struct Line {
    std::size_t begin = 0, end = 0;  // the line's bytes in the (logical) text, trailing spaces included
    std::vector<Glyph> glyphs;       // in visual order, left to right
    float width = 0;                 // of the glyphs, trailing spaces not counted
};

struct Paragraphs {
    bool rtl = false;  // the base direction: right-aligned, mirrored screens
    std::vector<Line> lines;
    float width() const;  // the widest line
};

// True when the text's first strong character is right-to-left (Hebrew, Arabic, Urdu...): UAX #9 P2-P3.
bool starts_rtl(std::string_view utf8);

// One line, unbroken. `width` (optional) gets the advance of the whole line.
std::vector<Glyph> shape(const Fonts& fonts, std::string_view utf8, Direction dir, std::string_view lang,
                         float* width = nullptr);

// Broken into lines no wider than `max_width` (0: only at '\n'), on the logical text: after spaces, between CJK
// characters, and inside a word only when the word alone is wider than the line. Every line shaped on its own.
Paragraphs layout(const Fonts& fonts, std::string_view utf8, float max_width, Direction dir, std::string_view lang);

// The x of the caret before the character at byte `index` of `utf8` (which `line` is part of): on the
// character's right when it is right-to-left, on its left when left-to-right. After the line's last character:
// at that character's trailing edge (so after a Latin word at the end of an Urdu line, just right of the word),
// or at the line's end edge after trailing spaces or a character of no direction.
float caret_x(std::string_view utf8, const Line& line, std::size_t index, bool rtl);

// A glyph rasterised as 8-bit coverage. `left`/`top`: from the glyph's origin to the bitmap's top-left corner
// (top positive = above the baseline), as FreeType gives them.
struct Bitmap {
    int width = 0, height = 0, left = 0, top = 0;
    std::vector<std::uint8_t> alpha;  // width * height, row by row
};
Bitmap render(const Fonts& fonts, std::uint16_t font, std::uint32_t glyph);

}  // namespace engage::text
