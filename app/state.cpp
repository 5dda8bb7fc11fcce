#include "state.h"

#include <algorithm>
#include <filesystem>

#include "engage/answers.h"
#include "engage/log.h"
#include "engage/textcheck.h"

namespace fs = std::filesystem;

namespace engage {

void KioskState::load_strings(const std::string& lang) {
    std::vector<std::string> problems;
    strings.load(assets + "/i18n", lang, &problems);
    for (const auto& p : problems) log_warn("UI strings: " + p);
}

bool KioskState::load_survey(const std::string& path) {
    SurveyLoad r = load_survey_file(path);
    if (!r.ok()) {
        survey_problems.clear();
        for (const auto& p : r.problems) survey_problems.push_back(p.str());
        log_error("The survey " + path + " was refused (" + std::to_string(r.problems.size()) + " problem(s)):");
        for (const auto& p : survey_problems) log_error("  " + path + ": " + p);
        return false;
    }
    survey = std::move(r.survey);
    survey_path = path;
    survey_problems.clear();
    FlowTimings timings;
    timings.idle = Millis(static_cast<long long>(config.idle_seconds) * 1000);
    timings.warning = Millis(static_cast<long long>(config.warning_seconds) * 1000);
    flow = std::make_unique<Flow>(*survey, timings, time);
    if (!config.language.empty() &&
        std::find(survey->languages.begin(), survey->languages.end(), config.language) != survey->languages.end())
        flow->set_language(config.language);
    log_info("Survey loaded: " + survey->id + " version " + std::to_string(survey->version) + " (" + path + ")");
    return true;
}

void KioskState::open_store(const std::string& data_dir) {
    try {
        store = Store::open(data_dir, &notices);
        for (const auto& n : notices) log_warn(n);
        log_info("Data folder " + data_dir + ", kiosk " + store->kiosk_id());
        if (!config.facilitator_pin.empty()) {
            if (!pin_is_well_formed(config.facilitator_pin)) {
                notices.push_back("The facilitator_pin in the config file must be 4 to 8 digits; it was ignored.");
                log_warn(notices.back());
            } else {
                const auto current = store->setting("pin_hash");
                if (!current || !verify_pin(*current, config.facilitator_pin))
                    store->set_setting("pin_hash", hash_pin(config.facilitator_pin));
            }
        }
        refresh_counts();
    } catch (const std::exception& e) {
        store.reset();
        store_error = e.what();
        log_error(store_error);
    }
}

void KioskState::refresh_counts() {
    if (!store) return;
    try {
        counts = store->counts();
        session = store->current_session();
    } catch (const std::exception& e) {
        log_warn(std::string("Could not count responses: ") + e.what());
    }
}

const std::string& KioskState::tr(const LocalText& text) const {
    return text.get(flow ? flow->language() : "en", survey ? survey->default_language() : "en");
}

std::vector<Option> KioskState::options_of(const Question& q) const {
    std::vector<Option> out = q.options;
    if (out.empty())
        for (const auto& id : builtin_option_ids(q.type)) out.push_back({id, {}});
    if (q.allow_other && std::none_of(out.begin(), out.end(), [](const Option& o) { return o.id == "other"; }))
        out.push_back({"other", {}});
    return out;
}

std::string KioskState::option_label(const Question& q, const Option& o) const {
    if (!o.label.empty()) return tr(o.label);
    return t(std::string("option.") + to_string(q.type) + "." + o.id);
}

void KioskState::finish() {
    if (!flow || flow->screen() != Screen::Saving) return;
    if (!store) {
        last_save_error = "No storage: " + store_error;
        flow->save_failed();
        return;
    }
    NewResponse r;
    r.survey_id = survey->id;
    r.survey_version = survey->version;
    r.language = flow->language();
    r.answers_json = answers_to_json(*survey, flow->answers());
    try {
        const SavedResponse s = store->save_response(r);
        flow->saved();  // only after COMMIT returned
        last_save_error.clear();
        log_info("Saved response " + std::to_string(s.seq) + " (" + s.uuid + ")");
    } catch (const std::exception& e) {
        last_save_error = e.what();
        log_error(last_save_error);
        flow->save_failed();
    }
    refresh_counts();
}

void KioskState::open_keyboard(const std::string& title, const std::string& initial, std::size_t max_chars,
                               bool check_personal, std::function<void(const std::string&)> commit) {
    edit_title = title;
    edit_text = initial;
    edit_max = max_chars;
    edit_check_personal = check_personal;
    edit_commit = std::move(commit);
    edit_return = mode;
    keyboard.reset();
    if (!initial.empty()) keyboard.press({"", "", KeyAction::Shift, 1, 0}, edit_text, max_chars);  // lower case
    mode = Mode::Keyboard;
}

void KioskState::keyboard_done() {
    if (edit_check_personal && looks_personal(edit_text)) {
        mode = Mode::PersonalWarning;
        return;
    }
    personal_keep();
}

void KioskState::personal_keep() {
    if (edit_commit) edit_commit(trim(edit_text));
    edit_commit = nullptr;
    mode = edit_return;
}

void KioskState::personal_edit() { mode = Mode::Keyboard; }

void KioskState::keyboard_cancel() {
    edit_commit = nullptr;
    mode = edit_return;
}

std::vector<std::string> KioskState::facilitator_problems() const {
    std::vector<std::string> out;
    if (!store_error.empty()) out.push_back(store_error);
    if (!last_save_error.empty()) out.push_back(strings.fmt("facilitator.save_error", {{"error", last_save_error}}));
    out.insert(out.end(), notices.begin(), notices.end());
    return out;
}

bool KioskState::has_pin() const {
    try {
        return store && store->setting("pin_hash").has_value();
    } catch (const std::exception&) {
        return true;  // unreadable: ask for the PIN rather than offer to set a new one
    }
}

void KioskState::facilitator_gesture() {
    if (flow && flow->screen() != Screen::Attract) flow->reset();  // never leave a respondent's answers on show
    pin_entry.clear();
    pin_first.clear();
    pin_message.clear();
    if (!store) {  // storage broken: the panel still shows why, no PIN can be checked
        mode = Mode::Facilitator;
        return;
    }
    mode = has_pin() ? Mode::PinEntry : Mode::PinSetup;
    if (mode == Mode::PinSetup) pin_message = t("pin.choose");
}

void KioskState::pin_digit(char d) {
    if (pin_entry.size() < kPinMaxDigits) pin_entry.push_back(d);
}

void KioskState::pin_delete() {
    if (!pin_entry.empty()) pin_entry.pop_back();
}

void KioskState::pin_submit() {
    if (mode == Mode::PinSetup) {
        if (!pin_is_well_formed(pin_entry)) {
            pin_message = t("pin.rule");
        } else if (pin_first.empty()) {
            pin_first = pin_entry;
            pin_message = t("pin.again");
        } else if (pin_first != pin_entry) {
            pin_first.clear();
            pin_message = t("pin.mismatch");
        } else {
            try {
                store->set_setting("pin_hash", hash_pin(pin_entry));
                log_info("Facilitator PIN set");
                mode = Mode::Facilitator;
                refresh_counts();
            } catch (const std::exception& e) {
                pin_message = e.what();
                log_error(std::string("Could not store the PIN: ") + e.what());
            }
            pin_first.clear();
        }
        pin_entry.clear();
        return;
    }
    if (pin_guard.locked()) {
        pin_entry.clear();
        return;
    }
    std::optional<std::string> hash;
    try {
        if (store) hash = store->setting("pin_hash");
    } catch (const std::exception& e) {
        log_error(std::string("Could not read the PIN: ") + e.what());
    }
    if (hash && pin_guard.attempt(*hash, pin_entry)) {
        pin_message.clear();
        mode = Mode::Facilitator;
        facilitator_message.clear();
        refresh_counts();
        log_info("Facilitator panel opened");
    } else if (pin_guard.locked()) {
        pin_message = t("pin.locked");
        log_warn("Facilitator PIN: too many wrong tries, locked for 60 s");
    } else {
        pin_message = strings.fmt("pin.wrong", {{"n", std::to_string(pin_guard.tries_left())}});
    }
    pin_entry.clear();
}

void KioskState::leave_facilitator() {
    mode = Mode::Respondent;
    if (flow) flow->reset();
}

void KioskState::begin_start_session() {
    session_event.clear();
    session_venue.clear();
    recent_places.clear();
    try {
        if (store) recent_places = store->recent_places();
    } catch (const std::exception& e) {
        log_warn(std::string("Could not list earlier sessions: ") + e.what());
    }
    mode = Mode::StartSession;
}

void KioskState::confirm_start_session() {
    if (!store || trim(session_event).empty()) return;
    try {
        const Session s = store->start_session(trim(session_event), trim(session_venue));
        facilitator_message = strings.fmt("facilitator.started", {{"event", s.event}});
        log_info("Session started: " + s.event + " at " + s.venue);
    } catch (const std::exception& e) {
        facilitator_message = e.what();
        log_error(facilitator_message);
    }
    refresh_counts();
    mode = Mode::Facilitator;
}

void KioskState::end_session() {
    if (!store) return;
    try {
        store->end_session();
        facilitator_message = t("facilitator.ended");
        log_info("Session ended");
    } catch (const std::exception& e) {
        facilitator_message = e.what();
        log_error(facilitator_message);
    }
    refresh_counts();
}

void KioskState::begin_choose_survey() {
    survey_choices.clear();
    std::vector<fs::path> dirs = {fs::path(assets) / "surveys"};
    if (store) dirs.push_back(fs::path(store->path()).parent_path() / "surveys");
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".json") continue;
            SurveyChoice c{e.path().string(), e.path().filename().string(), ""};
            const SurveyLoad r = load_survey_file(c.path);
            if (r.ok()) c.title = r.survey->title.get("en", r.survey->default_language());
            else c.problem = r.problems.front().str();
            survey_choices.push_back(c);
        }
    }
    std::sort(survey_choices.begin(), survey_choices.end(),
              [](const SurveyChoice& a, const SurveyChoice& b) { return a.path < b.path; });
    mode = Mode::ChooseSurvey;
}

void KioskState::choose_survey(const SurveyChoice& c) {
    if (!c.problem.empty()) return;
    if (load_survey(c.path)) {
        try {
            if (store) store->set_setting("survey_path", c.path);
        } catch (const std::exception& e) {
            log_warn(std::string("Could not remember the chosen survey: ") + e.what());
        }
        facilitator_message = strings.fmt("facilitator.survey_chosen", {{"title", c.title}});
    } else {
        facilitator_message = survey_problems.empty() ? "" : survey_problems.front();
    }
    mode = Mode::Facilitator;
}

}  // namespace engage
