// The kiosk's screens. Each owns its state and draws it in draw_content() (the model: ImHex's views); what
// a tap should do comes back as Actions that the event loop runs after the frame (screen.h).
#pragma once
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engage/bundle.h"
#include "engage/keyboard.h"
#include "engage/results.h"
#include "engage/setup_file.h"
#include "view.h"
#include "state.h"
#include "ui/ui.h"

namespace engage::ui {

// ---- the respondent's screens -------------------------------------------------------------------------

// The bottom of the stack: attract, question, idle warning, thanks and the calm save failure, as the Flow
// decides; the survey error when no survey could be loaded.
class RespondentScreen : public View {
public:
    std::string name(const KioskState& s) const override;
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    bool for_respondent() const override { return true; }
    std::string key(const KioskState& s) const override;
    void automation(const KioskState& s, nlohmann::json& j) const override;
    void reset_person();  // the answers' pages and scroll positions belong to one person

private:
    void draw_attract(KioskState& s, Ui& ui, Actions& act);
    void draw_question(KioskState& s, Ui& ui, Actions& act);
    void draw_thanks(KioskState& s, Ui& ui, Actions& act);
    void draw_save_failed(KioskState& s, Ui& ui, Actions& act);
    void draw_survey_error(KioskState& s, Ui& ui);

    std::map<std::string, int> page_;          // the answer page shown, per question
    std::map<std::string, float> prompt_scroll_;  // a long prompt scrolls on its own
    std::string tried_next_;                   // the question whose greyed-out Next was tapped (shows the hint)
    int pages_ = 1;                            // of the question drawn last
    float face_px_ = 0;                        // the smiley faces' size drawn last
};

// "Are you still there?": drawn over whatever the respondent has open.
void draw_idle_warning(KioskState& s, Ui& ui, Actions& act);

// The respondent's language list, opened from the access bar.
class LanguageScreen : public View {
public:
    std::string name(const KioskState&) const override { return "language"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    bool for_respondent() const override { return true; }

private:
    float scroll_ = 0;
};

// The access bar at the top of every respondent screen; sets ui.top below it.
void draw_access_bar(KioskState& s, Ui& ui, Actions& act);

// ---- typing --------------------------------------------------------------------------------------------

struct KeyboardRequest {
    std::string title;                               // what is being typed: the question ("Other" under it)
    std::function<std::string(const KioskState&)> title_again;  // the title in the language now chosen
    std::string initial;
    std::size_t max_chars = 500;
    bool check_personal = false;                     // warn about names, phone numbers, e-mail addresses
    bool for_respondent = false;
    bool address = false;                            // the hub's address: . : / - and digits on one page
    std::function<void(KioskState&, const std::string&)> commit;
};

// The on-screen keyboard, and the personal-details warning that may follow Done.
class KeyboardScreen : public View {
public:
    KeyboardScreen(KeyboardRequest r, const std::string& lang);
    std::string name(const KioskState&) const override { return warning_ ? "personal_warning" : "keyboard"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    bool for_respondent() const override { return req_.for_respondent; }
    std::string key(const KioskState& s) const override;
    bool takes_typing() const override { return !warning_; }
    void type(KioskState& s, const std::string& t) override;
    void erase(KioskState& s) override;
    void enter(KioskState& s) override;
    void language_changed(const KioskState& s, const std::string& lang);
    const std::string& text() const { return text_; }
    const std::string& title() const { return req_.title; }

private:
    void draw_keys(KioskState& s, Ui& ui, Actions& act);
    void draw_warning(KioskState& s, Ui& ui, Actions& act);
    void done(KioskState& s);
    void keep(KioskState& s);
    KeyboardRequest req_;
    Keyboard keyboard_;
    std::string text_;
    bool warning_ = false;
    std::optional<TimePoint> held_;   // Delete held down since
    long long repeats_ = 0;           // characters a held Delete has removed (its lift is not one more press)
    float warning_scroll_ = 0;
};
void open_keyboard(KioskState& s, KeyboardRequest r);

// ---- the facilitator's screens ------------------------------------------------------------------------

// The PIN pad: entering the PIN, choosing one on first run, or a one-time reset code from the hub.
class PinScreen : public View {
public:
    enum class Purpose { Enter, Choose, ResetCode };
    explicit PinScreen(const KioskState& s, Purpose p);
    std::string name(const KioskState&) const override;
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    void automation(const KioskState& s, nlohmann::json& j) const override;

private:
    void submit(KioskState& s);
    Purpose purpose_;
    std::string entry_, first_, message_;
};

class FacilitatorScreen : public View {
public:
    std::string name(const KioskState&) const override { return "facilitator"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    void automation(const KioskState& s, nlohmann::json& j) const override;

private:
    // Between the title and the bottom row (Back to the kiosk, Sync now): the status and the other actions,
    // scrolling when large text or a narrow screen makes them taller than the room.
    float scroll_ = 0;
    bool scrolls_ = false;  // the last frame's content did not fit: leave room for the Up / Down buttons
};

class ConfirmExitScreen : public View {
public:
    std::string name(const KioskState&) const override { return "confirm_exit"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
};

class SessionScreen : public View {
public:
    explicit SessionScreen(KioskState& s);
    std::string name(const KioskState&) const override { return "start_session"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;

private:
    std::string event_, venue_;
    std::vector<std::pair<std::string, std::string>> recent_;
};

struct SurveyChoice {
    std::string path;
    std::string title;         // or the file name
    std::string problem;       // first problem, "" when valid
    std::string from;          // "built in" / "from the hub" / "a file on this kiosk"
};

class ChooseSurveyScreen : public View {
public:
    explicit ChooseSurveyScreen(KioskState& s);
    std::string name(const KioskState&) const override { return "choose_survey"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;

private:
    std::vector<SurveyChoice> choices_;
    float scroll_ = 0;
};

// Pairing with the hub: the address and the code typed on the keyboard; pairing runs in the background.
class PairScreen : public View {
public:
    explicit PairScreen(const KioskState& s);
    std::string name(const KioskState&) const override { return "pair_hub"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    void automation(const KioskState& s, nlohmann::json& j) const override;
    bool poll(KioskState& s) override;

private:
    struct Result {
        std::string token, error;
        std::optional<BundleKey> bundle_key;
    };
    void confirm(KioskState& s);
    std::string url_, code_, message_, hub_;
    std::future<Result> pairing_;
};

// This session's totals as large bar charts for the room.
class ResultsScreen : public View {
public:
    explicit ResultsScreen(KioskState& s);
    std::string name(const KioskState&) const override { return "results"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    bool ok() const { return ok_; }

private:
    results::Tally live_;
    int min_ = results::kDefaultMinCount;
    bool ok_ = false;
    float scroll_ = 0;
};

// Save every unacknowledged response to a USB stick, on its own thread with a progress bar.
class UsbScreen : public View {
public:
    explicit UsbScreen(KioskState& s);
    std::string name(const KioskState&) const override { return "save_to_usb"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    bool poll(KioskState& s) override;

private:
    void save_to(KioskState& s, const Drive& d);
    std::vector<Drive> drives_;
    std::future<BundleResult> job_;
    std::shared_ptr<std::atomic<std::int64_t>> done_ = std::make_shared<std::atomic<std::int64_t>>(0);
    std::shared_ptr<std::atomic<std::int64_t>> total_ = std::make_shared<std::atomic<std::int64_t>>(0);
    std::string message_;
    bool error_ = false;
    float scroll_ = 0;
};

// Set up from a USB stick: the key file that `engage-hub kiosk key ID --out FILE` wrote, found on the mounted
// drives (core/setup_file.h) and loaded with a tap, so a kiosk that never connects needs no command line.
class SetupUsbScreen : public View {
public:
    explicit SetupUsbScreen(KioskState& s);
    std::string name(const KioskState&) const override { return "load_from_usb"; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override;
    void automation(const KioskState&, nlohmann::json& j) const override;

private:
    void look();
    std::vector<SetupFile> files_;
    std::vector<std::string> drive_labels_;  // the drive each file is on, to show
    std::string message_;
    bool error_ = false;
    float scroll_ = 0;
};

// ---- shared widgets -------------------------------------------------------------------------------------

// A vertical list that scrolls by dragging and with big Up/Down buttons (facilitator lists and long
// prompts; a question's answers never scroll: they are paged). Call begin, draw rows with the returned
// origin, then end with the content height.
struct ScrollList {
    const char* id;
    ImVec2 pos, size;
    float* scroll;      // owned by the screen, kept across frames
    // false: the content fitted last frame, so a finger that slides on a button in it is a tap, not a drag
    bool can_scroll = true;
    ImVec2 begin(Ui& ui);
    void end(Ui& ui, float content_h);
    std::size_t first_widget = 0;  // widgets recorded from here on belong to the list (clipped in end())
    int focus_serial = 0;          // ui.focus_serial at begin(): a change means the focus is in the list
    ImVec2 saved_clip_min{}, saved_clip_max{};
};

// Centred words on a message screen: the fonts step down a size (huge -> heading -> body) while they do not
// fit the room.
struct Fit {
    int step;
    float h;
};
ImFont* font_at(const Ui& ui, int size);
Fit fit_words(const Ui& ui, const std::vector<std::pair<std::string, int>>& words, float room);

}  // namespace engage::ui
