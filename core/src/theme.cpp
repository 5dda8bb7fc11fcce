#include "engage/theme.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace engage {
namespace {

constexpr Rgb hex(std::uint32_t v) {
    return Rgb{static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// Today's look: warm off-white, deep blue. Changed from the original: accent 005A9C -> 005EA4 (a black
// selected edge needs 3:1 on it), the selected edge got its own role (black), and the amber focus ring
// (1.7:1 on the off-white) got a near-black halo.
constexpr ThemeColours kStandard{
    .bg = hex(0xFAF7F2),
    .panel = hex(0xFFFFFF),
    .text = hex(0x1A1A1A),
    .muted = hex(0x4A4A4A),
    .accent = hex(0x005EA4),
    .on_accent = hex(0xFFFFFF),
    .button = hex(0xE8EEF4),
    .on_button = hex(0x1A1A1A),
    .border = hex(0x5A6B7D),
    .selected_edge = hex(0x000000),
    .focus = hex(0xFFB000),
    .focus_halo = hex(0x1A1A1A),
    .danger = hex(0xA31B1B),
    .on_danger = hex(0xFFFFFF),
    .ok = hex(0x1E6B34),
    .faces = {hex(0xF49A8C), hex(0xF7BE8A), hex(0xF5DD8C), hex(0xC5E18F), hex(0x9FD89B)},
    .name = "standard",
};

// 7:1 for all text; white edges; the faces are dark so their white lines show and they stand out on a
// yellow (selected) tile.
constexpr ThemeColours kHighContrast{
    .bg = hex(0x000000),
    .panel = hex(0x121212),
    .text = hex(0xFFFFFF),
    .muted = hex(0xC8C8C8),
    .accent = hex(0xFFE500),
    .on_accent = hex(0x000000),
    .button = hex(0x2A2A2A),
    .on_button = hex(0xFFFFFF),
    .border = hex(0xFFFFFF),
    .selected_edge = hex(0x3D6BFF),  // shows on the yellow fill and on the black around it
    .focus = hex(0x00FFFF),
    .focus_halo = hex(0x000000),
    .danger = hex(0xFF7A7A),
    .on_danger = hex(0x000000),
    .ok = hex(0x5BE65B),
    .faces = {hex(0xC62828), hex(0xB45309), hex(0x8D6E00), hex(0x5A7D1A), hex(0x2E7D32)},
    .name = "high-contrast",
};

double channel(std::uint8_t v) {
    const double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

Rgb role(const ThemeColours& t, const char* name) {
    for (const auto& r : theme_roles(t))
        if (std::strcmp(r.name, name) == 0) return r.colour;
    return Rgb{0, 0, 0};  // unreachable for the names used below (the tests check every pair's roles)
}

constexpr const char* kFaceNames[5] = {"faces[0]", "faces[1]", "faces[2]", "faces[3]", "faces[4]"};
constexpr const char* kFaceLine[5] = {"face 1 lines (text) on its fill", "face 2 lines (text) on its fill",
                                      "face 3 lines (text) on its fill", "face 4 lines (text) on its fill",
                                      "face 5 lines (text) on its fill"};
constexpr const char* kFaceOnSelected[5] = {
    "face 1 fill on a selected tile (accent)", "face 2 fill on a selected tile (accent)",
    "face 3 fill on a selected tile (accent)", "face 4 fill on a selected tile (accent)",
    "face 5 fill on a selected tile (accent)"};

struct RingSurface {
    const char* role;
    const char* with_focus;
    const char* with_halo;
};
constexpr RingSurface kRingSurfaces[] = {
    {"bg", "focus ring on bg (focus tone)", "focus ring on bg (halo tone)"},
    {"panel", "focus ring on panel (focus tone)", "focus ring on panel (halo tone)"},
    {"button", "focus ring on button (focus tone)", "focus ring on button (halo tone)"},
    {"accent", "focus ring on accent (focus tone)", "focus ring on accent (halo tone)"},
    {"danger", "focus ring on danger (focus tone)", "focus ring on danger (halo tone)"},
};

}  // namespace

const ThemeColours& standard_theme() { return kStandard; }
const ThemeColours& high_contrast_theme() { return kHighContrast; }
const ThemeColours& theme_for(bool high_contrast) { return high_contrast ? kHighContrast : kStandard; }

const ThemeColours* theme_by_name(std::string_view name) {
    if (name == kStandard.name) return &kStandard;
    if (name == kHighContrast.name) return &kHighContrast;
    return nullptr;
}

double relative_luminance(Rgb c) {
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrast_ratio(Rgb a, Rgb b) {
    const double la = relative_luminance(a), lb = relative_luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

std::vector<ThemeRole> theme_roles(const ThemeColours& t) {
    std::vector<ThemeRole> r = {
        {"bg", t.bg},         {"panel", t.panel},   {"text", t.text},
        {"muted", t.muted},   {"accent", t.accent}, {"on_accent", t.on_accent},
        {"button", t.button}, {"on_button", t.on_button}, {"border", t.border},
        {"selected_edge", t.selected_edge},         {"focus", t.focus},
        {"focus_halo", t.focus_halo},               {"danger", t.danger},
        {"on_danger", t.on_danger},                 {"ok", t.ok},
    };
    for (int i = 0; i < 5; ++i) r.push_back({kFaceNames[i], t.faces[i]});
    return r;
}

std::vector<ThemeRole> focus_ring_surfaces(const ThemeColours& t) {
    std::vector<ThemeRole> r;
    for (const auto& s : kRingSurfaces) r.push_back({s.role, role(t, s.role)});
    return r;
}

bool focus_ring_ok(const ThemeColours& t) {
    if (contrast_ratio(t.focus, t.focus_halo) < 3.0) return false;
    for (const auto& s : focus_ring_surfaces(t))
        if (std::max(contrast_ratio(t.focus, s.colour), contrast_ratio(t.focus_halo, s.colour)) < 3.0) return false;
    return true;
}

std::vector<ColourPair> required_pairs(const ThemeColours& t, bool high_contrast) {
    const double text = high_contrast ? 7.0 : 4.5;
    constexpr double edge = 3.0;
    std::vector<ColourPair> p;
    auto add = [&](const char* what, const char* fg, const char* bg, double minimum) {
        p.push_back(ColourPair{what, role(t, fg), role(t, bg), minimum, fg, bg});
    };

    // Text and the background it is drawn on (ui.cpp, screen_*.cpp).
    add("text on bg (titles, prompts, the countdown)", "text", "bg", text);
    add("text on panel (option labels, typed text, counts)", "text", "panel", text);
    add("text on button (a pressed row or tile; key icons, scroll arrows)", "text", "button", text);
    add("muted on bg (help, progress, hints; disabled labels, edges, arrows)", "muted", "bg", text);
    add("muted on panel (the text box placeholder, tile captions)", "muted", "panel", text);
    add("on_button on button (normal button labels)", "on_button", "button", text);
    add("on_accent on accent (primary and selected labels)", "on_accent", "accent", text);
    add("accent on bg (quiet button labels; primary fill, hold ring)", "accent", "bg", text);
    add("danger on bg (staff notice, problems; danger button fill)", "danger", "bg", text);
    add("danger on panel (the access bar's read-aloud message)", "danger", "panel", text);
    add("on_danger on danger (danger button labels)", "on_danger", "danger", text);
    add("ok on bg (facilitator message)", "ok", "bg", text);

    // Edges of controls and graphics that carry meaning.
    add("border on bg (button, row and tile edges; empty PIN dots)", "border", "bg", edge);
    add("border on panel (row and tile edges)", "border", "panel", edge);
    add("border on button (the scroll thumb on its track)", "border", "button", edge);
    add("accent on panel (text box edge, ticks and dots, sync bar)", "accent", "panel", edge);
    add("accent on button (progress bar, idle ring)", "accent", "button", edge);
    add("selected edge on accent", "selected_edge", "accent", edge);
    add("option marker (panel) on a selected row (accent)", "panel", "accent", edge);
    for (int i = 0; i < 5; ++i) {
        add(kFaceLine[i], "text", kFaceNames[i], edge);
        add(kFaceOnSelected[i], kFaceNames[i], "accent", edge);
    }

    // The two-tone focus ring: the tones against each other, and the better tone against each fill.
    add("focus ring: focus against focus_halo", "focus", "focus_halo", edge);
    for (const auto& s : kRingSurfaces) {
        const Rgb fill = role(t, s.role);
        if (contrast_ratio(t.focus, fill) >= contrast_ratio(t.focus_halo, fill)) add(s.with_focus, "focus", s.role, edge);
        else add(s.with_halo, "focus_halo", s.role, edge);
    }
    return p;
}

}  // namespace engage
