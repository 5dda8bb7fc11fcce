#include "ui/ui.h"

#include <imgui_internal.h>

#include <algorithm>
#include <cmath>

namespace engage::ui {

Theme default_theme() {
    // Dark text on a warm off-white; every text/background pair is well above 4.5:1.
    Theme t{};
    t.bg = IM_COL32(0xFA, 0xF7, 0xF2, 0xFF);
    t.panel = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    t.text = IM_COL32(0x1A, 0x1A, 0x1A, 0xFF);
    t.muted = IM_COL32(0x4A, 0x4A, 0x4A, 0xFF);
    t.accent = IM_COL32(0x00, 0x5A, 0x9C, 0xFF);     // deep blue
    t.on_accent = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    t.button = IM_COL32(0xE8, 0xEE, 0xF4, 0xFF);
    t.on_button = IM_COL32(0x1A, 0x1A, 0x1A, 0xFF);
    t.border = IM_COL32(0x5A, 0x6B, 0x7D, 0xFF);
    t.focus = IM_COL32(0xFF, 0xB0, 0x00, 0xFF);
    t.danger = IM_COL32(0xA3, 0x1B, 0x1B, 0xFF);
    t.on_danger = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
    t.ok = IM_COL32(0x1E, 0x6B, 0x34, 0xFF);
    return t;
}

void Ui::record_rect(const std::string& label, ImVec2 pos, ImVec2 sz) {
    widgets.push_back({label, std::round(pos.x), std::round(pos.y), std::round(sz.x), std::round(sz.y)});
}

void Ui::record(const std::string& label) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    record_rect(label, a, ImVec2(b.x - a.x, b.y - a.y));
}

ImVec2 Ui::measure(const std::string& s, float wrap, ImFont* font) const {
    ImFont* f = font ? font : fonts.body;
    return f->CalcTextSizeA(f->FontSize, FLT_MAX, wrap, s.c_str(), s.c_str() + s.size());
}

float Ui::text(const std::string& s, ImVec2 pos, float wrap, ImFont* font, ImU32 col) {
    ImFont* f = font ? font : fonts.body;
    ImGui::GetWindowDrawList()->AddText(f, f->FontSize, pos, col ? col : theme.text, s.c_str(), s.c_str() + s.size(), wrap);
    return measure(s, wrap, f).y;
}

float Ui::text_centered(const std::string& s, float y, ImFont* font, ImU32 col) {
    ImFont* f = font ? font : fonts.body;
    const float wrap = size.x - 2 * px(m.margin);
    // Centre each wrapped line on its own.
    const char* p = s.c_str();
    const char* end = p + s.size();
    float yy = y;
    while (p < end) {
        const char* line_end = f->CalcWordWrapPositionA(1.0f, p, end, wrap);
        if (line_end == p) line_end = p + 1;
        const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(line_end - p)));
        if (nl) line_end = nl;
        const ImVec2 ls = f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, p, line_end);
        ImGui::GetWindowDrawList()->AddText(f, f->FontSize, ImVec2(std::round((size.x - ls.x) / 2), yy),
                                            col ? col : theme.text, p, line_end);
        yy += f->FontSize * 1.15f;
        p = line_end;
        while (p < end && (*p == ' ' || *p == '\n')) ++p;
    }
    return yy - y;
}

static void colours_for(const Theme& t, Look look, bool enabled, ImU32& fill, ImU32& ink, ImU32& edge) {
    switch (look) {
        case Look::Primary: fill = t.accent; ink = t.on_accent; edge = t.accent; break;
        case Look::Selected: fill = t.accent; ink = t.on_accent; edge = t.text; break;
        case Look::Danger: fill = t.danger; ink = t.on_danger; edge = t.danger; break;
        case Look::Quiet: fill = t.bg; ink = t.accent; edge = t.border; break;
        case Look::Normal: fill = t.button; ink = t.on_button; edge = t.border; break;
    }
    if (!enabled) {
        fill = t.bg;
        ink = t.muted;
        edge = t.muted;
    }
}

bool Ui::button(const std::string& label, ImVec2 pos, ImVec2 sz, Look look, bool enabled, const char* id, ImFont* font) {
    ImFont* f = font ? font : fonts.body;
    sz.x = std::max(sz.x, m.min_target_px);
    sz.y = std::max(sz.y, m.min_target_px);
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(id ? id : label.c_str());
    const bool tapped = ImGui::InvisibleButton("##b", sz) && enabled && !drag_active;
    const bool pressed = ImGui::IsItemActive() && enabled && !drag_active;
    ImGui::PopID();
    record(label);
    ImU32 fill = 0, ink = 0, edge = 0;
    colours_for(theme, look, enabled, fill, ink, edge);
    if (pressed) std::swap(fill, ink);  // feedback while the finger is down, gone when it lifts
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), edge, r, 0, std::max(2.f, em * 0.08f));
    const float pad = px(0.5f);
    const ImVec2 ts = measure(label, sz.x - 2 * pad, f);
    const float tx = ts.x < sz.x - 2 * pad ? pos.x + (sz.x - ts.x) / 2 : pos.x + pad;
    dl->AddText(f, f->FontSize, ImVec2(std::round(tx), std::round(pos.y + (sz.y - ts.y) / 2)), ink,
                label.c_str(), label.c_str() + label.size(), sz.x - 2 * pad);
    return tapped;
}

float Ui::option_height(const std::string& label, float width) const {
    const float box = px(1.4f);
    const float text_w = width - box - px(1.6f);
    return std::max(px(m.button_h), measure(label, text_w).y + px(1.2f));
}

bool Ui::option(const std::string& label, bool selected, bool multi, ImVec2 pos, float width, float* out_h, float min_h) {
    const float h = std::max(min_h, option_height(label, width));
    if (out_h) *out_h = h;
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(label.c_str());
    const bool tapped = ImGui::InvisibleButton("##o", ImVec2(width, h)) && !drag_active;
    const bool pressed = ImGui::IsItemActive() && !drag_active;
    ImGui::PopID();
    record(label);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 fill = selected ? theme.accent : (pressed ? theme.button : theme.panel);
    const ImU32 ink = selected ? theme.on_accent : theme.text;
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + h), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + width, pos.y + h), selected ? theme.text : theme.border, r, 0,
                selected ? std::max(3.f, em * 0.12f) : std::max(2.f, em * 0.08f));
    // The marker: a square (any of) or a circle (one of), ticked / dotted when selected.
    const float box = px(1.2f);
    const ImVec2 b0(pos.x + px(0.6f), pos.y + (h - box) / 2);
    const ImVec2 b1(b0.x + box, b0.y + box);
    const float lw = std::max(2.f, em * 0.1f);
    if (multi) {
        dl->AddRectFilled(b0, b1, theme.panel, px(0.15f));
        dl->AddRect(b0, b1, theme.text, px(0.15f), 0, lw);
        if (selected) {
            const ImVec2 p1(b0.x + box * 0.2f, b0.y + box * 0.52f), p2(b0.x + box * 0.42f, b0.y + box * 0.75f),
                p3(b0.x + box * 0.8f, b0.y + box * 0.25f);
            dl->AddLine(p1, p2, theme.accent, lw * 1.6f);
            dl->AddLine(p2, p3, theme.accent, lw * 1.6f);
        }
    } else {
        const ImVec2 c((b0.x + b1.x) / 2, (b0.y + b1.y) / 2);
        dl->AddCircleFilled(c, box / 2, theme.panel, 32);
        dl->AddCircle(c, box / 2, theme.text, 32, lw);
        if (selected) dl->AddCircleFilled(c, box * 0.27f, theme.accent, 32);
    }
    const float tx = b1.x + px(0.6f);
    const float tw = pos.x + width - tx - px(0.6f);
    const ImVec2 ts = measure(label, tw);
    dl->AddText(fonts.body, fonts.body->FontSize, ImVec2(tx, std::round(pos.y + (h - ts.y) / 2)), ink, label.c_str(),
                label.c_str() + label.size(), tw);
    return tapped;
}

void draw_face(ImDrawList* dl, ImVec2 c, float r, int mood, ImU32 line, ImU32 fill) {
    const float lw = std::max(2.f, r * 0.08f);
    dl->AddCircleFilled(c, r, fill, 48);
    dl->AddCircle(c, r, line, 48, lw);
    // Eyes
    const float ex = r * 0.35f, ey = r * 0.25f, er = r * 0.09f;
    dl->AddCircleFilled(ImVec2(c.x - ex, c.y - ey), er, line, 16);
    dl->AddCircleFilled(ImVec2(c.x + ex, c.y - ey), er, line, 16);
    // Mouth: a curve whose bend goes from frown (1) to big smile (5).
    const float bend = (static_cast<float>(mood) - 3.f) * 0.5f;  // -1 .. 1
    const float mw = r * 0.5f, my = c.y + r * 0.35f;
    const ImVec2 a(c.x - mw, my - bend * r * 0.12f), b(c.x + mw, my - bend * r * 0.12f);
    const ImVec2 ctrl(c.x, my + bend * r * 0.45f);
    dl->PathLineTo(a);
    dl->PathBezierQuadraticCurveTo(ctrl, b, 24);
    dl->PathStroke(line, 0, lw * 1.3f);
}

}  // namespace engage::ui
