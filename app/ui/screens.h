// One function per screen. Each draws KioskState (which it does not own) and calls its actions.
// Each returns the screen's name for the automation file.
#pragma once
#include <string>

#include "state.h"
#include "ui/ui.h"

namespace engage::ui {

std::string draw_attract(KioskState& s, Ui& ui);
std::string draw_question(KioskState& s, Ui& ui);
std::string draw_idle_warning(KioskState& s, Ui& ui);   // drawn over the question
std::string draw_thanks(KioskState& s, Ui& ui);
std::string draw_save_failed(KioskState& s, Ui& ui);
std::string draw_survey_error(KioskState& s, Ui& ui);
std::string draw_keyboard(KioskState& s, Ui& ui);
std::string draw_personal_warning(KioskState& s, Ui& ui);
std::string draw_pin(KioskState& s, Ui& ui);
std::string draw_facilitator(KioskState& s, Ui& ui);
std::string draw_start_session(KioskState& s, Ui& ui);
std::string draw_choose_survey(KioskState& s, Ui& ui);
std::string draw_results(KioskState& s, Ui& ui);       // this session's totals as bar charts
std::string draw_save_to_usb(KioskState& s, Ui& ui);   // pick a drive; the bundle is written in the background

// The access bar at the top of every respondent screen; sets ui.top below it and returns its height.
float draw_access_bar(KioskState& s, Ui& ui);
std::string draw_language_picker(KioskState& s, Ui& ui);

// Picks the screen for the current state and draws it.
std::string draw_current(KioskState& s, Ui& ui);

// A vertical list that scrolls by dragging and with big Up/Down buttons. Call begin, draw rows with
// the returned origin, then end with the content height.
struct ScrollList {
    const char* id;
    ImVec2 pos, size;
    float* scroll;      // owned by the caller, kept across frames
    ImVec2 begin(Ui& ui);
    void end(Ui& ui, float content_h);
    std::size_t first_widget = 0;  // widgets recorded from here on belong to the list (clipped in end())
    int focus_serial = 0;          // ui.focus_serial at begin(): a change means the focus is in the list
    ImVec2 saved_clip_min{}, saved_clip_max{};
};

}  // namespace engage::ui
