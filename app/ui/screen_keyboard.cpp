// The on-screen keyboard (the app owns the text) and the personal-details warning.
#include <algorithm>

#include "engage/textcheck.h"
#include "ui/screens.h"

namespace engage::ui {
namespace {

void draw_key_icon(ImDrawList* dl, KeyAction a, ImVec2 c, float r, ImU32 col) {
    const float lw = std::max(2.f, r * 0.16f);
    if (a == KeyAction::Shift) {  // an outlined upward arrow
        const ImVec2 pts[7] = {{c.x, c.y - r}, {c.x + r, c.y}, {c.x + r * 0.45f, c.y}, {c.x + r * 0.45f, c.y + r},
                               {c.x - r * 0.45f, c.y + r}, {c.x - r * 0.45f, c.y}, {c.x - r, c.y}};
        dl->AddPolyline(pts, 7, col, ImDrawFlags_Closed, lw);
    } else {  // backspace: a box with a point on the left and a cross
        const ImVec2 pts[5] = {{c.x - r * 1.3f, c.y}, {c.x - r * 0.6f, c.y - r * 0.8f}, {c.x + r * 1.2f, c.y - r * 0.8f},
                               {c.x + r * 1.2f, c.y + r * 0.8f}, {c.x - r * 0.6f, c.y + r * 0.8f}};
        dl->AddPolyline(pts, 5, col, ImDrawFlags_Closed, lw);
        const float x = r * 0.35f;
        dl->AddLine(ImVec2(c.x + r * 0.3f - x, c.y - x), ImVec2(c.x + r * 0.3f + x, c.y + x), col, lw);
        dl->AddLine(ImVec2(c.x + r * 0.3f - x, c.y + x), ImVec2(c.x + r * 0.3f + x, c.y - x), col, lw);
    }
}

}  // namespace

std::string draw_keyboard(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.edit_title, ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);

    // The keyboard takes the bottom part, the Cancel row sits above it, the text box gets what is left.
    const auto rows = s.keyboard.rows();
    const float gap = ui.px(0.25f);
    const float n = static_cast<float>(rows.size());
    const float cancel_h = ui.target(1.6f);
    const float min_box = ui.px(2.2f);
    const float key_h = std::clamp((H - m - y - min_box - cancel_h - ui.px(0.6f)) / n - gap, ui.m.min_target_px,
                                   std::min(ui.px(2.4f), (H * 0.55f) / n - gap));
    const float kb_h = n * (key_h + gap);
    const float kb_y = H - m - kb_h;
    const float box_h = std::max(min_box, kb_y - cancel_h - ui.px(0.5f) - y);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + box_h), ui.theme.panel, ui.px(0.35f));
    dl->AddRect(ImVec2(m, y), ImVec2(m + inner, y + box_h), ui.theme.accent, ui.px(0.35f), 0, ui.px(0.1f));
    // Show the end of the text if it is longer than the box, with a caret after it.
    const float tw = inner - ui.px(1.2f);
    std::string shown = s.edit_text + "|";
    const ImVec2 ts = ui.measure(shown, tw);
    ImGui::PushClipRect(ImVec2(m, y), ImVec2(m + inner, y + box_h), true);
    const float ty = y + ui.px(0.4f) - std::max(0.f, ts.y - (box_h - ui.px(0.8f)));
    ui.text(shown, ImVec2(m + ui.px(0.6f), ty), tw);
    ImGui::PopClipRect();
    const std::string count = std::to_string(utf8_length(s.edit_text)) + " / " + std::to_string(s.edit_max);
    const ImVec2 cs = ui.measure(count, 0);
    ui.text(count, ImVec2(m + inner - cs.x, y + box_h + ui.px(0.2f)), 0, nullptr, ui.theme.muted);
    if (ui.button(s.t("keyboard.cancel"), ImVec2(m, y + box_h + ui.px(0.2f)), ImVec2(ui.px(6), cancel_h), Look::Quiet))
        s.keyboard_cancel();

    // Keys: every row is scaled to the full width.
    float ky = kb_y;
    for (const auto& row : rows) {
        float units = 0;
        for (const auto& k : row) units += k.width;
        const float unit = (inner - gap * static_cast<float>(row.size() - 1)) / units;
        float kx = m;
        for (const auto& k : row) {
            const float kw = unit * k.width;
            std::string label = k.label;
            Look look = Look::Normal;
            switch (k.action) {
                case KeyAction::Shift: label = s.t("keyboard.shift"); look = s.keyboard.shifted() ? Look::Selected : Look::Normal; break;
                case KeyAction::Space: label = s.t("keyboard.space"); break;
                case KeyAction::Backspace: label = s.t("keyboard.delete"); break;
                case KeyAction::Done: label = s.t("keyboard.done"); look = Look::Primary; break;
                default: break;
            }
            // Automation labels: "key:a" for characters, the word for the others.
            const std::string id = "key:" + k.label;
            // Shift and Delete are drawn as the usual symbols (they stay narrow at any text size);
            // their words are the automation labels.
            const bool icon = k.action == KeyAction::Shift || k.action == KeyAction::Backspace;
            if (ui.button(icon ? "" : label, ImVec2(kx, ky), ImVec2(kw, key_h), look, true, id.c_str())) {
                if (s.keyboard.press(k, s.edit_text, s.edit_max)) s.keyboard_done();
            }
            ui.widgets.back().label = k.action == KeyAction::Insert ? id : label;
            if (icon) draw_key_icon(ImGui::GetWindowDrawList(), k.action, ImVec2(kx + kw / 2, ky + key_h / 2),
                                    std::min(kw, key_h) * 0.3f, look == Look::Selected ? ui.theme.on_accent : ui.theme.text);
            kx += kw + gap;
        }
        ky += key_h + gap;
    }
    return "keyboard";
}

std::string draw_personal_warning(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    float y = H * 0.15f;
    y += ui.text_centered(s.t("personal.title"), y, ui.fonts.huge);
    y += ui.px(0.6f);
    y += ui.text_centered(s.t("personal.body"), y, ui.fonts.heading, ui.theme.muted);
    y += ui.px(1.0f);
    const float box_w = std::min(W - 2 * m, ui.px(30));
    ui.text(s.edit_text, ImVec2((W - box_w) / 2, y), box_w, nullptr, ui.theme.text);
    const float bw = std::min((W - 3 * m) / 2, ui.px(13));
    const float bh = ui.target(ui.m.button_h * 1.2f);
    const float by = H - m - bh;
    if (ui.button(s.t("personal.edit"), ImVec2(W / 2 - bw - m / 2, by), ImVec2(bw, bh), Look::Primary)) s.personal_edit();
    if (ui.button(s.t("personal.keep"), ImVec2(W / 2 + m / 2, by), ImVec2(bw, bh), Look::Normal)) s.personal_keep();
    return "personal_warning";
}

}  // namespace engage::ui
