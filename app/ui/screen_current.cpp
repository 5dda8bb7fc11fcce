#include "ui/screens.h"

namespace engage::ui {

std::string draw_current(KioskState& s, Ui& ui) {
    switch (s.mode) {
        case Mode::PinEntry:
        case Mode::PinSetup: return draw_pin(s, ui);
        case Mode::Facilitator: return draw_facilitator(s, ui);
        case Mode::StartSession: return draw_start_session(s, ui);
        case Mode::ChooseSurvey: return draw_choose_survey(s, ui);
        case Mode::Keyboard:
        case Mode::PersonalWarning:
            if (s.edit_return == Mode::Respondent && s.flow && s.flow->screen() == Screen::IdleWarning)
                return draw_idle_warning(s, ui);
            return s.mode == Mode::Keyboard ? draw_keyboard(s, ui) : draw_personal_warning(s, ui);
        case Mode::Respondent: break;
    }
    if (!s.flow) return draw_survey_error(s, ui);
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

}  // namespace engage::ui
