// The respondent's screens: attract, thank-you, the calm save failure, the idle warning.
#include <cmath>

#include "ui/screens.h"
#include <imgui_internal.h>

namespace engage::ui {

std::string draw_attract(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    // The whole screen is one big target.
    ImGui::SetCursorScreenPos(ImVec2(0, 0));
    const bool tapped_anywhere = ImGui::InvisibleButton("##attract", ImVec2(W, H)) && !ui.drag_active;
    float y = H * 0.18f;
    y += ui.text_centered(s.tr(s.survey->title), y, ui.fonts.huge);
    if (!s.survey->intro.empty()) {
        y += ui.px(0.8f);
        y += ui.text_centered(s.tr(s.survey->intro), y, ui.fonts.heading, ui.theme.muted);
    }
    const ImVec2 bsz(std::min(W - 2 * ui.px(ui.m.margin), ui.px(16)), ui.px(4.2f));
    const ImVec2 bpos((W - bsz.x) / 2, std::max(y + ui.px(1.5f), H * 0.55f));
    const bool tapped_button = ui.button(s.t("attract.tap"), bpos, bsz, Look::Primary, true, nullptr, ui.fonts.heading);
    if (s.survey->intro.empty())
        ui.text_centered(s.t("attract.anonymous"), bpos.y + bsz.y + ui.px(1.0f), nullptr, ui.theme.muted);
    if (!s.facilitator_problems().empty())
        ui.text_centered(s.t("attract.staff_notice"), H - ui.px(2.0f), nullptr, ui.theme.danger);
    if ((tapped_anywhere || tapped_button) && s.flow) s.flow->begin();
    return "attract";
}

std::string draw_thanks(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    ImGui::SetCursorScreenPos(ImVec2(0, 0));
    const bool tapped = ImGui::InvisibleButton("##thanks", ImVec2(W, H)) && !ui.drag_active;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = ui.px(2.2f);
    draw_face(dl, ImVec2(W / 2, H * 0.25f), r, 5, ui.theme.text, IM_COL32(0xFF, 0xD8, 0x4D, 0xFF));
    float y = H * 0.25f + r + ui.px(1.2f);
    y += ui.text_centered(s.t("thanks.title"), y, ui.fonts.huge);
    ui.text_centered(s.t("thanks.saved"), y + ui.px(0.8f), ui.fonts.heading, ui.theme.muted);
    const ImVec2 bsz(ui.px(12), ui.px(ui.m.button_h));
    const bool done = ui.button(s.t("thanks.done"), ImVec2((W - bsz.x) / 2, H - bsz.y - ui.px(2)), bsz, Look::Primary);
    if (tapped || done) s.flow->dismiss();
    return "thanks";
}

std::string draw_save_failed(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    float y = H * 0.25f;
    y += ui.text_centered(s.t("save_failed.title"), y, ui.fonts.huge);
    ui.text_centered(s.t("save_failed.body"), y + ui.px(1.0f), ui.fonts.heading, ui.theme.muted);
    const ImVec2 bsz(ui.px(12), ui.px(ui.m.button_h));
    if (ui.button(s.t("save_failed.ok"), ImVec2((W - bsz.x) / 2, H - bsz.y - ui.px(3)), bsz, Look::Primary))
        s.flow->dismiss();
    return "save_failed";
}

std::string draw_idle_warning(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // Cover the question completely: the answers are not on show while nobody is there.
    dl->AddRectFilled(ImVec2(0, 0), ImVec2(W, H), ui.theme.bg);
    ImGui::SetCursorScreenPos(ImVec2(0, 0));
    const bool tapped_anywhere = ImGui::InvisibleButton("##idle", ImVec2(W, H)) && !ui.drag_active;
    float y = H * 0.16f;
    y += ui.text_centered(s.t("idle.title"), y, ui.fonts.huge);
    const int secs = static_cast<int>(std::ceil(s.flow->warning_left().count() / 1000.0));
    y += ui.px(1.0f);
    y += ui.text_centered(s.strings.fmt("idle.countdown", {{"n", std::to_string(secs)}}), y, ui.fonts.heading);
    // A ring that empties as the time runs out.
    const ImVec2 c(W / 2, y + ui.px(3.0f));
    const float r = ui.px(2.2f);
    const float frac = static_cast<float>(s.flow->warning_left().count()) /
                       static_cast<float>(std::max(20, s.config.warning_seconds) * 1000);
    dl->AddCircle(c, r, ui.theme.button, 64, ui.px(0.4f));
    dl->PathArcTo(c, r, -IM_PI / 2, -IM_PI / 2 + 2 * IM_PI * frac, 64);
    dl->PathStroke(ui.theme.accent, 0, ui.px(0.4f));
    const std::string n = std::to_string(secs);
    const ImVec2 ns = ui.measure(n, 0, ui.fonts.huge);
    dl->AddText(ui.fonts.huge, ui.fonts.huge->FontSize, ImVec2(c.x - ns.x / 2, c.y - ns.y / 2), ui.theme.text, n.c_str());
    const ImVec2 bsz(std::min(W - 2 * ui.px(1), ui.px(16)), ui.px(4.0f));
    const bool here = ui.button(s.t("idle.still_here"), ImVec2((W - bsz.x) / 2, c.y + r + ui.px(1.5f)), bsz, Look::Primary,
                                true, nullptr, ui.fonts.heading);
    if (here || tapped_anywhere) s.flow->carry_on();
    return "idle_warning";
}

std::string draw_survey_error(KioskState& s, Ui& ui) {
    const float W = ui.size.x;
    float y = ui.px(2);
    y += ui.text_centered(s.t("survey_error.title"), y, ui.fonts.huge);
    y += ui.px(0.6f);
    y += ui.text_centered(s.t("survey_error.staff"), y, ui.fonts.heading, ui.theme.muted);
    y += ui.px(1.0f);
    const float x = ui.px(ui.m.margin);
    if (!s.survey_path.empty()) y += ui.text(s.survey_path, ImVec2(x, y), W - 2 * x, nullptr, ui.theme.muted);
    int shown = 0;
    for (const auto& p : s.survey_problems) {
        if (y > ui.size.y - ui.px(3) || ++shown > 12) break;
        y += ui.text("• " + p, ImVec2(x, y), W - 2 * x, nullptr, ui.theme.danger) + ui.px(0.2f);
    }
    return "survey_error";
}

}  // namespace engage::ui
