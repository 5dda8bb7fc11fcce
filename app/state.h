// What the kiosk's screens share: the survey and the flow, storage, sync, access and the screen stack. Each
// screen owns its own state (app/ui/screens.h); this holds what outlives any one screen.
// No ImGui or SDL here.
#pragma once
#include <functional>
#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engage/clock.h"
#include "engage/config.h"
#include "engage/flow.h"
#include "engage/focus.h"
#include "engage/keyboard.h"
#include "engage/bundle.h"
#include "engage/pin.h"
#include "engage/results.h"
#include "engage/speech.h"
#include "engage/storage.h"
#include "engage/strings.h"
#include "engage/survey.h"
#include "engage/sync.h"
#include "view.h"

namespace engage {

struct KioskState {
    explicit KioskState(const TimeSource& time) : time(time), pin_guard(time), focus(time) {}

    const TimeSource& time;
    KioskConfig config;
    std::string assets;
    Strings strings;

    // Survey
    std::optional<Survey> survey;
    std::string survey_path;
    std::uint64_t survey_serial = 0;            // counts surveys loaded: the UI's pictures follow it
    std::vector<std::string> survey_problems;   // shown on screen when the survey is refused
    std::unique_ptr<Flow> flow;
    bool fonts_dirty = false;                   // a new survey may use other letters: rebuild the atlas
    std::string extra_glyphs;                   // text shown beyond the strings and survey (typed, other titles)

    // Storage
    std::unique_ptr<Store> store;
    std::string store_error;                    // why the store could not open ("" when fine)
    std::vector<std::string> notices;           // for the facilitator (e.g. a database moved aside)
    std::string last_save_error;                // last failed save, for the facilitator
    Counts counts;
    bool answers_protected = false;  // the hub's key is set: answers are sealed (refresh_counts)
    std::optional<Session> session;             // the open session, refreshed with the counts

    // The screens: the respondent's at the bottom, then the keyboard, the language list, the facilitator's.
    std::vector<std::unique_ptr<View>> screens;
    std::vector<std::unique_ptr<View>> retired;  // closed this turn: freed after the actions have run
    void push(std::unique_ptr<View> screen);
    void pop();                                 // never the bottom one
    void pop_to_root();                         // back to the respondent's screen
    View& top() { return *screens.back(); }
    const View& top() const { return *screens.back(); }
    template <class T> T* find() {
        for (auto it = screens.rbegin(); it != screens.rend(); ++it)
            if (auto* p = dynamic_cast<T*>(it->get())) return p;
        return nullptr;
    }

    PinGuard pin_guard;
    std::string facilitator_message;            // the panel's last message ("Session started", an error)
    bool quit = false;

    // Access: the person's choices live in the Flow (AccessChoices); these are the kiosk's means.
    FocusNav focus;                             // keyboard and switch focus
    std::unique_ptr<Speaker> speaker;           // read aloud (espeak-ng in its own process)
    std::string announce;                       // said once after this frame (e.g. "Childcare: selected")
    std::string announce_recording;             // ...or this recording played instead (a file in the survey's media)
    std::map<std::string, std::string> language_names;  // code -> the language's own name, from assets/i18n

    // Sync to the hub: a background thread with its own database connection; the UI only reads its snapshot.
    std::string data_dir;
    std::function<void()> wake;                 // any thread: "draw again soon" (set by the event loop)
    std::unique_ptr<SyncClient> sync;
    std::string hub_url;                        // "" = no hub set up
    SyncSnapshot sync_status;
    std::vector<QuarantinedRecord> quarantine;  // the first few, for the facilitator

    // --- set-up
    void load_strings(const std::string& lang);
    bool load_survey(const std::string& path);  // false (with survey_problems set) when refused
    // Also remembers dir as data_dir. With Store::Check::Later the kiosk reaches its first frame without reading
    // the whole file; check_store_later() then runs quick_check on a thread of its own, and poll_background()
    // reopens the store (moving a damaged file aside, telling the facilitator) if it found damage.
    void open_store(const std::string& dir, Store::Check check = Store::Check::Now);
    void check_store_later();
    std::future<std::string> store_check;       // quick_check in flight ("" = sound)
    void refresh_counts();
    const std::string& t(const std::string& key) const { return strings.get(key); }
    // Survey text in the respondent's language.
    const std::string& tr(const LocalText& text) const;
    std::string option_label(const Question& q, const Option& o) const;
    std::vector<Option> options_of(const Question& q) const;   // built-ins filled in, "other" last

    // --- access
    void start_speech();
    // The language the screens are in now: the respondent's choice, or the kiosk's for the facilitator.
    std::string ui_language() const;
    bool facilitator_screen() const;            // PIN, panel, session, survey, pairing, or typing for one of them
    std::string screen_key() const;             // changes whenever a different screen is shown
    bool respondent_screen() const;             // the top screen is the respondent's (with a survey loaded)
    std::string language_name(const std::string& lang) const;
    void choose_language(const std::string& lang);
    // Why read aloud cannot speak now ("" when it can): no voice for the language, or no speech program.
    std::string read_aloud_problem() const;

    // --- respondent actions
    void finish();                              // Saving: write the response, then Thanks/SaveFailed (the loop calls it)

    // --- facilitator actions
    void leave_facilitator();                   // back to the respondent screens, a fresh start
    void end_session();
    bool use_survey(const std::string& path);   // loads it and remembers it as the kiosk's survey
    // Published surveys (engage/published.h): the sync thread stores them and notes the one to go live; the loop
    // calls take_published_survey only on the welcome screen with no other screen open, never mid-respondent.
    bool survey_check_due = true;               // look for a survey to go live at the next welcome screen
    std::uint64_t surveys_seen = 0;             // SyncSnapshot::surveys_changed last seen
    bool take_published_survey();               // true when a published survey went live
    std::string survey_live_line() const;       // "Live survey: Title (version 2), from the hub"
    std::string survey_next_line() const;       // the one waiting for the next welcome screen, "" none
    std::string source_words(const std::string& path) const;  // "built in" / "from the hub" / "a file on this kiosk"
    bool has_pin() const;
    void save_pin_guard();
    void load_pin_guard();
    // What the facilitator must know about: storage errors, the last failed save, notices.
    std::vector<std::string> facilitator_problems() const;

    // --- sync
    void start_sync();                          // (re)starts the sync thread when a hub is set up
    void stop_background();                     // stops sync and waits for a pairing in flight (before exit)
    void sync_now();
    bool poll_background();                     // the sync snapshot and the screens' jobs; true if changed
    // Sync lines for the facilitator panel, in plain words from en.json.
    std::string sync_hub_line() const;
    std::string sync_state_line() const;        // "Up to date", "Sending 120 of 500", "Can't reach… trying again in 2 min"
    std::string sync_sent_line() const;         // sent count and the last successful sync
    std::string sync_quarantine_line() const;   // "" when none
    bool sync_is_error() const;
};

}  // namespace engage
