// The respondent's screens: attract, thank-you, the calm save failure, the idle warning.
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "ui/screens.h"
#include <imgui_internal.h>

namespace engage::ui {

std::string RespondentScreen::name(const KioskState& s) const {
    if (!s.flow) return "survey_error";
    return to_string(s.flow->screen());  // the flow's own names: "attract", "question", "thanks", ...
}

std::string RespondentScreen::key(const KioskState& s) const {
    std::string k = name(s);
    if (s.flow && s.flow->screen() == Screen::Question) {
        auto it = page_.find(s.flow->question().id);
        k += ":" + std::to_string(it == page_.end() ? 0 : it->second);  // a new page of answers is read anew
    }
    return k;
}

void RespondentScreen::reset_person() {
    page_.clear();
    prompt_scroll_.clear();
    tried_next_.clear();
}

void RespondentScreen::automation(const KioskState& s, nlohmann::json& j) const {
    if (!s.flow) return;
    if (s.flow->screen() == Screen::Question) {
        j["question"] = s.flow->question().id;
        j["can_next"] = s.flow->can_next();
        auto it = page_.find(s.flow->question().id);
        const int page = it == page_.end() ? 0 : it->second;
        j["answer_page"] = {page + 1, pages_};
        const Progress p = s.flow->progress();
        j["progress"] = {{"step", p.step}, {"total", p.total}, {"fraction", p.fraction}, {"note", p.note}};
        if (s.flow->advance_at()) j["advancing"] = true;
        if (s.flow->question().type == QuestionType::Smiley) j["face_px"] = face_px_;
    }
    if (s.flow->screen() == Screen::Attract) j["staff_notice"] = !s.facilitator_problems().empty();
}

void RespondentScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    if (!s.flow) return draw_survey_error(s, ui);
    switch (s.flow->screen()) {
        case Screen::Attract: return draw_attract(s, ui, act);
        case Screen::Question: return draw_question(s, ui, act);
        case Screen::IdleWarning: return draw_idle_warning(s, ui, act);
        case Screen::Saving: return;  // the event loop saves before drawing: never seen
        case Screen::Thanks: return draw_thanks(s, ui, act);
        case Screen::SaveFailed: return draw_save_failed(s, ui, act);
    }
}

void RespondentScreen::draw_attract(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y, top = ui.top;
    // The whole screen below the access bar is one big target.
    ImGui::SetCursorScreenPos(ImVec2(0, top));
    const bool tapped_anywhere = ImGui::InvisibleButton("##attract", ImVec2(W, H - top)) && !ui.drag_active;
    // Title, intro and the button must fit below the access bar: at large text sizes the fonts step down.
    const ImVec2 bsz(std::min(W - 2 * ui.px(ui.m.margin), ui.px(16)), ui.target(3.6f));
    ImFont* title_font = ui.fonts.huge;
    ImFont* intro_font = ui.fonts.heading;
    const float wrap = W - 2 * ui.px(ui.m.margin);
    const float room = H - top - ui.px(ui.m.margin) - ui.corner() - ui.px(0.5f);  // the corner stays free
    // The survey's picture (Easy Read) over the title: up to 30 % of the room, less when the words need it.
    const Image* pic = s.survey->image && ui.pictures.find(s.survey->image->file) ? &*s.survey->image : nullptr;
    float pic_h = pic ? std::min(ui.px(8), room * 0.3f) : 0.f;
    auto height = [&] {
        float h = ui.measure(s.tr(s.survey->title), wrap, title_font).y;
        if (!s.survey->intro.empty()) h += ui.px(0.8f) + ui.measure(s.tr(s.survey->intro), wrap, intro_font).y * 1.15f;
        if (pic_h > 0) h += pic_h + ui.px(0.8f);
        return h + ui.px(1.5f) + bsz.y;
    };
    if (height() > room) title_font = ui.fonts.heading, intro_font = ui.fonts.body;
    if (height() > room) title_font = ui.fonts.body;
    if (height() > room) pic_h = std::min(pic_h, room * 0.15f);
    float y = top + ui.px(ui.m.margin) + std::max(0.f, (room - height()) * 0.4f);
    if (pic) {
        const ImVec2 drawn = ui.picture(*pic, s.tr(pic->alt), "image.survey", ImVec2(ui.px(ui.m.margin), y), ImVec2(wrap, pic_h));
        y += (drawn.y > 0 ? pic_h + ui.px(0.8f) : 0.f);
    }
    y += ui.text_centered(s.tr(s.survey->title), y, title_font);
    if (!s.survey->intro.empty()) {
        y += ui.px(0.8f);
        y += ui.text_centered(s.tr(s.survey->intro), y, intro_font, ui.theme.muted);
    }
    const ImVec2 bpos((W - bsz.x) / 2, y + ui.px(1.5f));
    ImFont* button_font = ui.measure(s.t("attract.tap"), bsz.x - ui.px(1.0f), ui.fonts.heading).y > bsz.y - ui.px(0.4f)
                              ? ui.fonts.body : ui.fonts.heading;
    const bool tapped_button = ui.button(s.t("attract.tap"), bpos, bsz, Look::Primary, true, "attract.start", button_font);
    if (s.survey->intro.empty())
        ui.text_centered(s.t("attract.anonymous"), bpos.y + bsz.y + ui.px(1.0f), nullptr, ui.theme.muted);
    if (!s.facilitator_problems().empty())  // above the facilitator's corner
        ui.text_centered(s.t("attract.staff_notice"), H - ui.corner() - ui.px(1.6f), nullptr, ui.theme.danger);
    if (tapped_anywhere || tapped_button) act([](KioskState& st) { st.flow->begin(); });
}

// Centred words on a message screen: the fonts step down a size (huge -> heading -> body) while they do not
// fit the room. Returns the step (0..2) and the height the words take.
ImFont* font_at(const Ui& ui, int size) {
    return size <= 0 ? ui.fonts.huge : size == 1 ? ui.fonts.heading : ui.fonts.body;
}
Fit fit_words(const Ui& ui, const std::vector<std::pair<std::string, int>>& words, float room) {
    const float wrap = ui.size.x - 2 * ui.edge();
    Fit f{0, 0};
    for (f.step = 0; f.step <= 2; ++f.step) {
        f.h = 0;
        for (const auto& [text, size] : words)
            f.h += ui.measure(text, wrap, font_at(ui, size + f.step)).y * 1.15f + ui.px(0.6f);
        if (f.h <= room) break;
    }
    f.step = std::min(f.step, 2);
    return f;
}

void RespondentScreen::draw_thanks(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y, top = ui.top;
    ImGui::SetCursorScreenPos(ImVec2(0, top));
    const bool tapped = ImGui::InvisibleButton("##thanks", ImVec2(W, H - top)) && !ui.drag_active;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float m = ui.edge();
    const ImVec2 bsz(std::min(W - 2 * ui.corner() - 2 * m, ui.px(12)), ui.target(ui.m.button_h));
    const float by = H - m - bsz.y;
    const float room = by - ui.px(0.6f) - top - m;
    const std::vector<std::pair<std::string, int>> words = {{s.t("thanks.title"), 0}, {s.t("thanks.saved"), 1}};
    const Fit fit = fit_words(ui, words, room);
    // The face gets what the words leave (none at all on a very short screen).
    const float r = std::min(ui.px(2.2f), (room - fit.h - ui.px(0.8f)) / 2);
    float y = top + m;
    if (r >= ui.px(0.8f)) {
        draw_face(dl, ImVec2(W / 2, y + r), r, 5, ui.theme.text, ui.theme.faces[4]);
        y += 2 * r + ui.px(0.8f);
    }
    y += ui.text_centered(s.t("thanks.title"), y, font_at(ui, fit.step)) + ui.px(0.6f);
    ui.text_centered(s.t("thanks.saved"), y, font_at(ui, 1 + fit.step), ui.theme.muted);
    const bool done = ui.button(s.t("thanks.done"), ImVec2((W - bsz.x) / 2, by), bsz, Look::Primary, true, "thanks.done");
    if (tapped || done) act([](KioskState& st) { st.flow->dismiss(); });
}

void RespondentScreen::draw_save_failed(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const ImVec2 bsz(std::min(W - 2 * ui.corner() - 2 * m, ui.px(12)), ui.target(ui.m.button_h));
    const float by = H - m - bsz.y;
    const float room = by - ui.px(0.6f) - ui.top - m;
    const Fit fit = fit_words(ui, {{s.t("save_failed.title"), 0}, {s.t("save_failed.body"), 1}}, room);
    float y = ui.top + m + std::max(0.f, (room - fit.h) * 0.3f);
    y += ui.text_centered(s.t("save_failed.title"), y, font_at(ui, fit.step)) + ui.px(0.6f);
    ui.text_centered(s.t("save_failed.body"), y, font_at(ui, 1 + fit.step), ui.theme.muted);
    if (ui.button(s.t("save_failed.ok"), ImVec2((W - bsz.x) / 2, by), bsz, Look::Primary, true, "save_failed.ok"))
        act([](KioskState& st) { st.flow->dismiss(); });
}

void draw_idle_warning(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float top = ui.top, m = ui.edge();
    // Cover the question completely: the answers are not on show while nobody is there.
    dl->AddRectFilled(ImVec2(0, top), ImVec2(W, H), ui.theme.bg);
    const float bh = ui.target(2.6f), gap = ui.px(0.5f);
    const float by = H - m - 2 * bh - gap;  // the two buttons at the bottom
    const int secs = static_cast<int>(std::ceil(s.flow->warning_left().count() / 1000.0));
    const std::string countdown = s.strings.fmt("idle.countdown", {{"n", std::to_string(secs)}});
    const float room = by - ui.px(0.6f) - top - m;
    const Fit fit = fit_words(ui, {{s.t("idle.title"), 0}, {countdown, 1}}, room);
    float y = top + m;
    y += ui.text_centered(s.t("idle.title"), y, font_at(ui, fit.step)) + ui.px(0.6f);
    y += ui.text_centered(countdown, y, font_at(ui, 1 + fit.step));
    // A ring that empties as the time runs out, in the room the words leave (none on a very short screen).
    const float r = std::min(ui.px(2.2f), (by - ui.px(0.6f) - y - ui.px(0.6f)) / 2);
    if (r >= ui.px(1.0f)) {
        const ImVec2 c(W / 2, y + ui.px(0.3f) + r);
        const float frac = static_cast<float>(s.flow->warning_left().count()) /
                           static_cast<float>(std::max(20, s.config.warning_seconds) * 1000);
        dl->AddCircle(c, r, ui.theme.button, 64, ui.px(0.4f));
        dl->PathArcTo(c, r, -IM_PI / 2, -IM_PI / 2 + 2 * IM_PI * frac, 64);
        dl->PathStroke(ui.theme.accent, 0, ui.px(0.4f));
        const std::string n = std::to_string(secs);
        ImFont* nf = r >= ui.px(1.6f) ? ui.fonts.huge : ui.fonts.body;
        const ImVec2 ns = ui.measure(n, 0, nf);
        ui.draw_label(dl, nf, nf->FontSize, ImVec2(c.x - ns.x / 2, c.y - ns.y / 2), ui.theme.text, n, 0);
    }
    const ImVec2 bsz(std::min(W - 2 * m, ui.px(16)), bh);
    ImFont* bf = ui.measure(s.t("idle.still_here"), bsz.x - ui.px(1), ui.fonts.heading).y > bh - ui.px(0.4f) ? ui.fonts.body
                                                                                                  : ui.fonts.heading;
    const bool here = ui.button(s.t("idle.still_here"), ImVec2((W - bsz.x) / 2, by), bsz, Look::Primary,
                                true, "idle.still_here", bf);
    // "More time": one tap puts the warning off and gives this person 5x the idle time from now on.
    const bool more = ui.button(s.t("idle.more_time"), ImVec2((W - bsz.x) / 2, by + bh + gap), bsz, Look::Normal,
                                true, "idle.more_time");
    if (more) act([](KioskState& st) { st.flow->set_more_time(true); });
    // A tap anywhere else also means "still here" (submitted last, so the buttons above get their own taps).
    ImGui::SetCursorScreenPos(ImVec2(0, top));
    const bool tapped_anywhere = ImGui::InvisibleButton("##idle", ImVec2(W, H - top)) && !ui.drag_active;
    if (here || more || tapped_anywhere) act([](KioskState& st) { st.flow->carry_on(); });
}

void RespondentScreen::draw_survey_error(KioskState& s, Ui& ui) {
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
}

}  // namespace engage::ui
