// The on-screen keyboard (the app owns the text) and the personal-details warning.
#include <algorithm>

#include "engage/textcheck.h"
#include "ui/screens.h"

namespace engage::ui {

std::string draw_keyboard(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.edit_title, ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);

    // The keyboard takes the bottom part; the text box what is left.
    const auto rows = s.keyboard.rows();
    const float gap = ui.px(0.25f);
    const float key_h = std::max(ui.m.min_target_px, std::min(ui.px(2.4f), (H * 0.55f) / static_cast<float>(rows.size()) - gap));
    const float kb_h = static_cast<float>(rows.size()) * (key_h + gap);
    const float kb_y = H - m - kb_h;
    const float box_h = std::max(ui.px(2.5f), kb_y - ui.px(2.0f) - y);

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
    if (ui.button(s.t("keyboard.cancel"), ImVec2(m, y + box_h + ui.px(0.2f)), ImVec2(ui.px(6), ui.target(1.6f)),
                  Look::Quiet))
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
            if (ui.button(label, ImVec2(kx, ky), ImVec2(kw, key_h), look, true, id.c_str())) {
                if (s.keyboard.press(k, s.edit_text, s.edit_max)) s.keyboard_done();
            }
            if (k.action == KeyAction::Insert) ui.widgets.back().label = id;
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
