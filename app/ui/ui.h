// Shared drawing helpers for the kiosk's screens: touch-sized widgets drawn with ImDrawList, sizes in
// multiples of the font size (em), and the record of every interactive widget for the automation file.
#pragma once
#include <imgui.h>

#include <optional>
#include <string>
#include <vector>

#include "engage/clock.h"
#include "engage/focus.h"
#include "engage/theme.h"
#include "ui/pictures.h"

namespace engage::ui {

struct Theme {
    ImU32 bg, panel, text, muted, accent, on_accent, button, on_button, border, selected_edge, focus, focus_halo, danger,
        on_danger, ok;
    ImU32 faces[5];  // smiley fills, mood 1..5
};
Theme theme_from(const ThemeColours& c);
Theme default_theme();

struct Fonts {
    ImFont* body = nullptr;    // 1 em
    ImFont* heading = nullptr; // about 1.4 em, bold
    ImFont* huge = nullptr;    // about 2.2 em, bold (attract screen)
};

struct WidgetRect {
    std::string label;
    float x, y, w, h;
    std::string id;        // stable across languages: "nav.next", "option.<id>", "access.text_size" ("" = none)
    bool visible = true;   // false when any part is clipped or scrolled out of view
    bool selected = false; // an answer that is chosen
};
using TextRect = WidgetRect;  // a block of text drawn on its own (the label is the text)

enum class Look { Normal, Primary, Selected, Danger, Quiet };

// Parameters for the layout, all in em unless named px.
struct Metrics {
    float margin = 1.0f;         // around the screen
    float gap = 0.6f;            // between widgets
    float button_h = 2.6f;       // a standard button's height
    float nav_w = 8.0f;          // Back / Next width
    float min_target_px = 48.f;  // never smaller than this at 100 %
};

struct Ui {
    Fonts fonts;
    Theme theme = default_theme();
    Metrics m;
    float em = 28.f;             // body font size in px
    ImVec2 size{1280, 800};      // window size in px
    ImVec2 clip_min{0, 0}, clip_max{1e9f, 1e9f};  // the scroll list being drawn, if any (for recorded text)
    std::vector<WidgetRect> widgets;  // interactive widgets drawn this frame
    std::vector<TextRect> texts;      // text blocks drawn this frame (automation checks them for cut-offs)
    std::vector<std::string> overflow;  // labels that did not fit inside their widget this frame
    std::vector<std::string> spoken;  // what read aloud says for this screen: texts and labels in drawing order
    std::vector<WidgetRect> images;   // pictures drawn this frame: label = the alt text, id "image.question", ...
    Pictures pictures;                // the live survey's pictures as textures
    // The answer tiles of this screen have a picture square this wide (px; 0: none) before their words, and the
    // next tile drawn shows `option_image` in it, saying `option_alt` (nullptr: an empty square, so the words
    // line up).
    float option_picture = 0;
    const Image* option_image = nullptr;
    std::string option_alt;
    // Draws `img` as large as fits `box` at `pos` (centred, its shape kept), records it for automation under `id`
    // with `alt` (its words in the screen's language) and adds them to `spoken`. Returns the size drawn (0 x 0
    // when the picture has no texture).
    ImVec2 picture(const Image& img, const std::string& alt, const std::string& id, ImVec2 pos, ImVec2 box);
    bool silent = false;              // while set, text and labels are not added to `spoken`
    bool secret = false;              // while set, text is someone's typing: the automation file gets "<typed>"
    long caret = -1;                  // while >= 0, shaped text is drawn with a caret before this byte
    bool drag_active = false;    // the finger is dragging a list: no taps
    bool dragging = false;       // the finger moved 0.4 em from where it went down (from the input router) ...
    ImVec2 drag_from{};          // ... which was here ...
    float drag_dy = 0;           // ... and moved this far down since the last frame, px
    bool tapped_disabled = false;  // the last button() was tapped while greyed out (a screen may say why)
    float top = 0;               // where the screen's own content starts (below the access bar), px

    // Keyboard and switch focus (the app's own: ImGui 1.86's navigation does not reach these widgets).
    FocusNav* nav = nullptr;
    std::string focused_label;   // the focused widget's label this frame ("" = none drawn)
    ImVec2 focused_min{}, focused_max{};
    bool want_frame = false;     // draw another frame (e.g. a list scrolled to show the focus)
    std::optional<TimePoint> wake;  // draw again by then (a held key repeats)
    void wake_at(TimePoint t) { wake = wake ? std::min(*wake, t) : t; }
    std::string words_scroll_up = "Scroll up", words_scroll_down = "Scroll down";  // in the screen's language
    bool focus_moved = false;    // the focus changed since the last frame: a list scrolls to show it
    int focus_serial = 0;        // counts focused widgets drawn (a list knows whether it holds the focus)
    // Registers the widget just drawn at pos/size as focusable under `key`, draws the focus ring when it has
    // the focus, and returns true when Enter / Space / a switch pressed it.
    bool focusable(const std::string& key, const std::string& label, ImVec2 pos, ImVec2 size);
    void focus_ring(ImVec2 a, ImVec2 b);

    float px(float ems) const { return ems * em; }
    // The screen's outer margin: 1 em, but never more than 32 px (large text needs the room more).
    float edge() const { return std::min(px(m.margin), 32.f); }
    // The facilitator's hold-to-open square at the bottom-left of the attract, thank-you and error screens:
    // those screens keep their widgets out of it.
    float corner() const { return target(3.0f); }
    float target(float ems) const { return std::max(px(ems), m.min_target_px); }
    float border() const { return std::max(2.f, em * 0.08f); }  // the edge of a button or tile
    float button_pad(float width) const { return std::min(px(0.5f), width * 0.1f); }  // its words from its sides

    // A tappable box with centred, wrapped text. `label` is shown and recorded; `id` keeps ImGui ids
    // unique when two buttons share a label. Returns true on a tap (press and release inside).
    bool button(const std::string& label, ImVec2 pos, ImVec2 size, Look look = Look::Normal,
                bool enabled = true, const char* id = nullptr, ImFont* font = nullptr);
    // A button with a drawn icon to the left of its label (icon(dl, centre, radius, ink)).
    using Icon = void (*)(ImDrawList*, ImVec2, float, ImU32);
    // With show_label false only the icon is drawn; the label is still recorded and spoken.
    bool icon_button(const std::string& label, Icon icon, ImVec2 pos, ImVec2 size, Look look = Look::Normal,
                     const char* id = nullptr, bool show_label = true);
    float icon_button_width(const std::string& label, bool show_label = true) const;  // its label on one line
    // An option row: a box with a tick (multi) or a dot (single) and the label. Height grows with the text.
    bool option(const std::string& label, bool selected, bool multi, ImVec2 pos, float width, float* out_h,
                float min_h = 0);
    // An answer tile of a fixed size (the question's grid): tick or dot, the label wrapped in `font`.
    bool option(const std::string& label, const std::string& id, bool selected, bool multi, ImVec2 pos, ImVec2 size,
                ImFont* font);
    float option_text_width(float tile_w) const;  // the room for the label in a tile that wide
    // A selectable tile with nothing drawn in it yet (the caller draws a face and a word over it).
    struct Tile {
        bool tapped;
    };
    Tile tile(const std::string& label, const std::string& id, ImVec2 pos, ImVec2 size, bool selected);
    // Wrapped text with each line centred in `width`; returns the height.
    float text_centred_in(const std::string& s, ImVec2 pos, float width, ImFont* font, ImU32 col, bool record_only_visible);
    // Records the last ImGui item as an interactive widget for automation.
    void record(const std::string& label, const std::string& id = "");
    void record_rect(const std::string& label, ImVec2 pos, ImVec2 size, const std::string& id = "");
    void record_text(const std::string& s, ImVec2 pos, ImVec2 size);

    // Right-to-left screens (Urdu, Arabic) are drawn left to right and then mirrored (mirror_frame): every shape
    // flips, each block of text moves as a whole so its letters keep their order.
    bool mirror = false;
    struct TextRun {
        int v0, v1;  // its vertices in the window's draw list
    };
    std::vector<TextRun> runs;
    // Draws `s` at `pos`, wrapped at `wrap`: the shaped path for the scripts ImGui cannot draw, else ImGui's.
    // `centre` centres each line in `wrap` (shaped text only: ImGui's lines are placed by the caller).
    void draw_label(ImDrawList* dl, ImFont* f, float font_size, ImVec2 pos, ImU32 col, const std::string& s, float wrap,
                    bool centre = false);
    // Mirrors what was drawn in the window since vertex `v0` and the recorded rectangles, about the vertical
    // centre line of the screen.
    void mirror_frame(ImDrawList* dl, int v0);

    // Text helpers (draw list, wrapped at `wrap` px; return the height used).
    float text(const std::string& s, ImVec2 pos, float wrap, ImFont* font = nullptr, ImU32 col = 0);
    float text_centered(const std::string& s, float y, ImFont* font = nullptr, ImU32 col = 0);
    ImVec2 measure(const std::string& s, float wrap, ImFont* font = nullptr) const;
    // True when `s` in `font` (body when null) is drawn shaped (Urdu, Arabic, Punjabi, Bengali: ui/shaped.h).
    bool shaped(const std::string& s, ImFont* font = nullptr) const;
    // True when a word of `s` is wider than `width` (ImGui would break it in the middle).
    bool breaks_word(const std::string& s, ImFont* f, float font_size, float width) const;
    float option_height(const std::string& label, float width, ImFont* font = nullptr) const;
};

// The five faces, drawn as vector shapes. mood 1 (very unhappy) .. 5 (very happy).
void draw_face(ImDrawList* dl, ImVec2 centre, float radius, int mood, ImU32 line, ImU32 fill);

}  // namespace engage::ui
