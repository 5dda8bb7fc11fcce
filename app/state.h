// Everything the kiosk's screens draw. The screens read it and call its actions; they own nothing.
// No ImGui or SDL here.
#pragma once
#include <functional>
#include <atomic>
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

namespace engage {

// What is on screen besides the respondent's flow.
enum class Mode {
    Respondent,        // the Flow decides the screen
    Keyboard,          // editing text on the on-screen keyboard
    PersonalWarning,   // "please don't include personal details"
    PinEntry,          // facilitator PIN pad
    PinSetup,          // first run: choose a PIN
    Facilitator,       // the facilitator panel
    StartSession,      // event name and venue
    ChooseSurvey,
    Results,           // this session's totals as big bar charts, for the group to discuss
    SaveToUsb,         // every response the hub has not acknowledged, sealed onto a USB stick
};

struct SurveyChoice {
    std::string path;
    std::string title;         // or the file name
    std::string problem;       // first problem, "" when valid
};

struct KioskState {
    explicit KioskState(const TimeSource& time) : time(time), pin_guard(time), focus(time) {}

    const TimeSource& time;
    KioskConfig config;
    std::string assets;
    Strings strings;

    // Survey
    std::optional<Survey> survey;
    std::string survey_path;
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
    std::optional<Session> session;             // the open session, refreshed with the counts

    // Mode and its data
    Mode mode = Mode::Respondent;
    Keyboard keyboard;
    std::string edit_text;                      // the text on the keyboard screen
    std::string edit_title;                     // what is being typed ("What should change?")
    std::function<std::string()> edit_title_source;  // the title again, in the language now chosen
    std::size_t edit_max = 500;
    std::function<void(const std::string&)> edit_commit;
    Mode edit_return = Mode::Respondent;       // where Done / Cancel go back to
    bool edit_check_personal = false;

    PinGuard pin_guard;
    std::string pin_entry;
    std::string pin_first;                      // PinSetup: the first entry
    std::string pin_message;
    std::string session_event, session_venue;   // StartSession form
    std::vector<std::pair<std::string, std::string>> recent_places;
    std::vector<SurveyChoice> survey_choices;
    std::string facilitator_message;
    bool quit = false;
    std::map<std::string, float> list_scroll;  // per list, so Back returns to where it was; cleared per person

    // Access: the person's choices live in the Flow (AccessChoices); these are the kiosk's means.
    FocusNav focus;                             // keyboard and switch focus
    std::unique_ptr<Speaker> speaker;           // read aloud (espeak-ng in its own process)
    std::string announce;                       // said once after this frame (e.g. "Childcare: selected")
    bool language_picker = false;               // the respondent's language list is open
    std::map<std::string, std::string> language_names;  // code -> the language's own name, from assets/i18n

    // Sync to the hub: a background thread with its own database connection; the UI only reads its snapshot.
    std::string data_dir;
    std::function<void()> wake;                 // any thread: "draw again soon" (set by the event loop)
    std::unique_ptr<SyncClient> sync;
    std::string hub_url;                        // "" = no hub set up
    SyncSnapshot sync_status;
    std::vector<QuarantinedRecord> quarantine;  // the first few, for the facilitator
    // Pairing form (drawn inside the facilitator panel)
    struct PairResult {
        std::string token, error;
        std::optional<BundleKey> bundle_key;   // for USB transfer, when the hub sent one
    };
    bool pair_open = false;
    std::string pair_url, pair_code, pair_message, pair_hub;
    std::future<PairResult> pairing;            // in flight when valid

    // --- set-up
    void load_strings(const std::string& lang);
    bool load_survey(const std::string& path);  // false (with survey_problems set) when refused
    void open_store(const std::string& dir);     // also remembers dir as data_dir
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
    std::string language_name(const std::string& lang) const;
    void choose_language(const std::string& lang);
    // Why read aloud cannot speak now ("" when it can): no voice for the language, or no speech program.
    std::string read_aloud_problem() const;

    // --- respondent actions
    void finish();                              // Saving: write the response, then Thanks/SaveFailed
    void open_keyboard(const std::string& title, const std::string& initial, std::size_t max_chars, bool check_personal,
                       std::function<void(const std::string&)> commit);
    void keyboard_done();                       // checks for personal details, then commits
    void keyboard_cancel();
    void personal_edit();                       // back to the keyboard
    void personal_keep();                       // keep the text as it is

    // Live results (Mode::Results): this session's tally, with the small-number rule.
    results::Tally live;
    int live_min = results::kDefaultMinCount;
    void open_results();                        // reads the session's answers from the store

    // USB transfer (Mode::SaveToUsb): the drives, and the bundle being written on its own thread.
    std::vector<Drive> drives;
    std::future<BundleResult> usb_job;
    std::shared_ptr<std::atomic<std::int64_t>> usb_done = std::make_shared<std::atomic<std::int64_t>>(0);
    std::shared_ptr<std::atomic<std::int64_t>> usb_total = std::make_shared<std::atomic<std::int64_t>>(0);
    std::string usb_message;
    bool usb_error = false;
    void begin_usb();                           // looks for drives and opens the screen
    void save_to_drive(const Drive& d);         // writes the bundle in the background; the UI never waits
    bool usb_busy() const { return usb_job.valid(); }

    // --- facilitator actions
    void facilitator_gesture();                 // corner held for 3 s
    void pin_digit(char d);
    void pin_delete();
    void pin_submit();
    void leave_facilitator();                   // back to the respondent screens
    void begin_start_session();
    void confirm_start_session();
    void end_session();
    void begin_choose_survey();
    void choose_survey(const SurveyChoice& c);
    bool has_pin() const;
    void save_pin_guard();
    void load_pin_guard();
    // What the facilitator must know about: storage errors, the last failed save, notices.
    std::vector<std::string> facilitator_problems() const;

    // --- sync
    void start_sync();                          // (re)starts the sync thread when a hub is set up
    void stop_background();                     // stops sync and waits for a pairing in flight (before exit)
    void sync_now();
    bool poll_background();                     // takes the sync snapshot and a finished pairing; true if changed
    void begin_pair();
    void confirm_pair();                        // starts pairing in the background; the UI never waits
    void cancel_pair();
    bool pairing_busy() const { return pairing.valid(); }
    // Sync lines for the facilitator panel, in plain words from en.json.
    std::string sync_hub_line() const;
    std::string sync_state_line() const;        // "Up to date", "Sending 120 of 500", "Can't reach… trying again in 2 min"
    std::string sync_sent_line() const;         // sent count and the last successful sync
    std::string sync_quarantine_line() const;   // "" when none
    bool sync_is_error() const;
};

}  // namespace engage
