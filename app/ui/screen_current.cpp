#include "ui/screens.h"

namespace engage::ui {
namespace {

// The respondent's screens, below the access bar.
std::string draw_respondent(KioskState& s, Ui& ui) {
    if (s.mode == Mode::Keyboard || s.mode == Mode::PersonalWarning) {
        if (s.flow->screen() == Screen::IdleWarning) return draw_idle_warning(s, ui);
        if (s.language_picker) return draw_language_picker(s, ui);
        return s.mode == Mode::Keyboard ? draw_keyboard(s, ui) : draw_personal_warning(s, ui);
    }
    if (s.language_picker && s.flow->screen() != Screen::IdleWarning) return draw_language_picker(s, ui);
    switch (s.flow->screen()) {
        case Screen::Attract: return draw_attract(s, ui);
        case Screen::Question: return draw_question(s, ui);
        case Screen::IdleWarning: return draw_idle_warning(s, ui);
        case Screen::Saving: s.finish(); return "saving";
        case Screen::Thanks: return draw_thanks(s, ui);
        case Screen::SaveFailed: return draw_save_failed(s, ui);
    }
    return "?";
}

}  // namespace

std::string draw_current(KioskState& s, Ui& ui) {
    ui.top = 0;
    switch (s.mode) {
        case Mode::PinEntry:
        case Mode::PinSetup: return draw_pin(s, ui);
        case Mode::Facilitator: return draw_facilitator(s, ui);
        case Mode::StartSession: return draw_start_session(s, ui);
        case Mode::ChooseSurvey: return draw_choose_survey(s, ui);
        case Mode::Results: return draw_results(s, ui);
        case Mode::SaveToUsb: return draw_save_to_usb(s, ui);
        case Mode::Keyboard:
        case Mode::PersonalWarning:
            if (s.edit_return != Mode::Respondent) return s.mode == Mode::Keyboard ? draw_keyboard(s, ui) : draw_personal_warning(s, ui);
            break;
        case Mode::Respondent: break;
    }
    if (!s.flow) return draw_survey_error(s, ui);
    if (s.flow->screen() != Screen::Saving) draw_access_bar(s, ui);
    return draw_respondent(s, ui);
}

}  // namespace engage::ui
