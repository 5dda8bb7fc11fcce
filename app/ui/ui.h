// Shared drawing helpers for the kiosk's screens: touch-sized widgets drawn with ImDrawList, sizes in
// multiples of the font size (em), and the record of every interactive widget for the automation file.
#pragma once
#include <imgui.h>

#include <string>
#include <vector>

namespace engage::ui {

struct Theme {
    ImU32 bg, panel, text, muted, accent, on_accent, button, on_button, border, focus, danger, on_danger, ok;
};
Theme default_theme();

struct Fonts {
    ImFont* body = nullptr;    // 1 em
    ImFont* heading = nullptr; // about 1.4 em, bold
    ImFont* huge = nullptr;    // about 2.2 em, bold (attract screen)
};

struct WidgetRect {
    std::string label;
    float x, y, w, h;
};

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
    std::vector<WidgetRect> widgets;  // interactive widgets drawn this frame
    bool drag_active = false;    // the finger is dragging a list: no taps

    float px(float ems) const { return ems * em; }
    float target(float ems) const { return std::max(px(ems), m.min_target_px); }

    // A tappable box with centred, wrapped text. `label` is shown and recorded; `id` keeps ImGui ids
    // unique when two buttons share a label. Returns true on a tap (press and release inside).
    bool button(const std::string& label, ImVec2 pos, ImVec2 size, Look look = Look::Normal,
                bool enabled = true, const char* id = nullptr, ImFont* font = nullptr);
    // An option row: a box with a tick (multi) or a dot (single) and the label. Height grows with the text.
    bool option(const std::string& label, bool selected, bool multi, ImVec2 pos, float width, float* out_h,
                float min_h = 0);
    // Records the last ImGui item as an interactive widget for automation.
    void record(const std::string& label);
    void record_rect(const std::string& label, ImVec2 pos, ImVec2 size);

    // Text helpers (draw list, wrapped at `wrap` px; return the height used).
    float text(const std::string& s, ImVec2 pos, float wrap, ImFont* font = nullptr, ImU32 col = 0);
    float text_centered(const std::string& s, float y, ImFont* font = nullptr, ImU32 col = 0);
    ImVec2 measure(const std::string& s, float wrap, ImFont* font = nullptr) const;
    float option_height(const std::string& label, float width) const;
};

// The five faces, drawn as vector shapes. mood 1 (very unhappy) .. 5 (very happy).
void draw_face(ImDrawList* dl, ImVec2 centre, float radius, int mood, ImU32 line, ImU32 fill);

}  // namespace engage::ui
