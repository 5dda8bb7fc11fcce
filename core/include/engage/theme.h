// The kiosk's colour themes as plain data, and the WCAG 2.x contrast checks that keep them readable.
// No UI includes: the app converts these to its own colour type (app/ui/ui.cpp theme_from).
//
// Every colour a screen draws has a role here, and every pair of roles that meet on screen (text on its
// background, a control's edge on what surrounds it, the focus ring on whatever it can surround) is listed by
// required_pairs() with its minimum ratio. The tests fail when a pair falls short or a role is in no pair, so
// adding a colour forces a contrast decision.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace engage {

struct Rgb {
    std::uint8_t r, g, b;
    bool operator==(const Rgb&) const = default;
};

struct ThemeColours {
    Rgb bg;             // the screen
    Rgb panel;          // option rows, the text box, count tiles, smiley tiles
    Rgb text;           // body text, headings, face lines, option markers
    Rgb muted;          // help, hints, placeholders; disabled labels and edges
    Rgb accent;         // primary / selected fill, quiet button labels, progress, ticks
    Rgb on_accent;      // labels on accent
    Rgb button;         // a normal button's fill, progress and ring tracks, pressed rows
    Rgb on_button;      // labels on button
    Rgb border;         // edges of buttons, rows and tiles; the scroll thumb
    Rgb selected_edge;  // the thick edge of a selected button / row / tile (on accent)
    Rgb focus;          // the thick focus ring
    Rgb focus_halo;     // the thin ring beside it (the two together show on any fill)
    Rgb danger;         // warnings on bg; a danger button's fill
    Rgb on_danger;      // labels on danger
    Rgb ok;             // success messages on bg
    Rgb faces[5];       // smiley fills, mood 1..5 (lines are `text`)
    const char* name;   // "standard", "high-contrast"
};

const ThemeColours& standard_theme();       // warm off-white, deep blue accent
const ThemeColours& high_contrast_theme();  // white and yellow on black, white edges, cyan focus
const ThemeColours& theme_for(bool high_contrast);
// By ThemeColours::name; nullptr for an unknown name.
const ThemeColours* theme_by_name(std::string_view name);

// WCAG 2.x relative luminance (sRGB, 0 = black .. 1 = white).
double relative_luminance(Rgb c);
// (L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1 (same) .. 21 (black / white). Symmetric.
double contrast_ratio(Rgb a, Rgb b);

// One role of a theme, by name ("bg", ..., "faces[0]" .. "faces[4]"): every Rgb in ThemeColours.
struct ThemeRole {
    const char* name;
    Rgb colour;
};
std::vector<ThemeRole> theme_roles(const ThemeColours& t);

struct ColourPair {
    const char* what;   // e.g. "text on panel (option labels, typed text)"
    Rgb fg, bg;
    double minimum;     // 4.5 / 7 for text, 3 for edges and graphics
    const char* fg_role = "";  // theme_roles() names of fg and bg
    const char* bg_role = "";
    double ratio() const { return contrast_ratio(fg, bg); }
    bool ok() const { return ratio() >= minimum; }
};

// Every text/background pair the screens draw (minimum 4.5, or 7 with high_contrast) and every
// control/graphic boundary (3): edges on bg and panel, a primary button's fill on bg, the selected edge on
// accent, progress on its track, face lines on face fills, and the focus ring on every fill it can surround
// (for those the better of its two tones is listed, see focus_ring_ok).
std::vector<ColourPair> required_pairs(const ThemeColours& t, bool high_contrast);

// The fills a focused widget can have, or stand on: bg, panel, button, accent, danger.
std::vector<ThemeRole> focus_ring_surfaces(const ThemeColours& t);
// The two-tone ring: focus and focus_halo have 3:1 with each other, and against every surface at least one
// of them has 3:1.
bool focus_ring_ok(const ThemeColours& t);

}  // namespace engage
