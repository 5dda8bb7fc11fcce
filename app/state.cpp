#include "state.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "engage/answers.h"
#include "pair_reply.h"

namespace {
constexpr int SQLITE_BUSY_CODE = 5;  // SQLITE_BUSY, without pulling sqlite3.h into the app
}
#include "engage/log.h"
#include "engage/textcheck.h"

namespace fs = std::filesystem;

namespace engage {

void KioskState::load_strings(const std::string& lang) {
    std::vector<std::string> problems;
    strings.load(assets + "/i18n", lang, &problems);
    for (const auto& p : problems) log_warn("UI strings: " + p);
    if (language_names.empty()) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(assets + "/i18n", ec)) {
            if (e.path().extension() != ".json") continue;
            std::map<std::string, std::string> table;
            std::string error;
            if (read_strings_file(e.path().string(), table, error) && table.count("language.name"))
                language_names[e.path().stem().string()] = table["language.name"];
        }
    }
}

void KioskState::start_speech() {
    SpeechOptions o;
    o.program = config.speech_program;
    o.wav_dir = config.speech_wav_dir;
    speaker = std::make_unique<Speaker>(o);
    const SwitchMode m = config.switch_access == "two-keys" ? SwitchMode::TwoKeys
                         : config.switch_access == "dwell"  ? SwitchMode::Dwell
                                                            : SwitchMode::Off;
    focus.set_switch(m, Millis(config.dwell_ms));
}

bool KioskState::facilitator_screen() const {
    return mode == Mode::PinEntry || mode == Mode::PinSetup || mode == Mode::Facilitator || mode == Mode::StartSession ||
           mode == Mode::ChooseSurvey || mode == Mode::Results || mode == Mode::SaveToUsb ||
           (mode == Mode::Keyboard && edit_return != Mode::Respondent);
}

std::string KioskState::ui_language() const {
    if (facilitator_screen() || !flow) return config.language.empty() ? "en" : config.language;
    return flow->language();
}

std::string KioskState::screen_key() const {
    std::string k = std::to_string(static_cast<int>(mode));
    if (mode == Mode::Keyboard || mode == Mode::PersonalWarning) k += ":" + std::to_string(static_cast<int>(edit_return));
    if (flow) {
        k += std::string(":") + to_string(flow->screen());
        if (flow->screen() == Screen::Question || flow->screen() == Screen::IdleWarning) k += ":" + flow->question().id;
        k += ":" + flow->language();
    }
    if (language_picker) k += ":languages";
    if (pair_open) k += ":pair";
    return k;
}

std::string KioskState::language_name(const std::string& lang) const {
    auto it = language_names.find(lang);
    return it == language_names.end() ? lang : it->second;
}

void KioskState::choose_language(const std::string& lang) {
    if (flow) flow->set_language(lang);
    language_picker = false;
    // Typing when the language changed: the keys and the title follow it.
    if (mode == Mode::Keyboard && edit_return == Mode::Respondent) {
        keyboard.set_language(lang);
        keyboard.set_page(kLetters, keyboard.shifted());
        if (edit_title_source) edit_title = edit_title_source();
    }
    log_info("Language chosen: " + lang);
}

std::string KioskState::read_aloud_problem() const {
    if (!speaker) return t("access.no_speech");
    switch (speaker->voice_state(ui_language())) {
        case VoiceState::Available:
        case VoiceState::Checking: return "";
        case VoiceState::Missing: return t("access.no_voice");
        case VoiceState::NoProgram: return t("access.no_speech");
    }
    return "";
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
    fonts_dirty = true;
    survey_problems.clear();
    FlowTimings timings;
    timings.idle = Millis(static_cast<long long>(config.idle_seconds) * 1000);
    timings.warning = Millis(static_cast<long long>(config.warning_seconds) * 1000);
    flow = std::make_unique<Flow>(*survey, timings, time);
    if (!config.language.empty()) flow->set_start_language(config.language);  // for every person, not just the first
    log_info("Survey loaded: " + survey->id + " version " + std::to_string(survey->version) + " (" + path + ")");
    return true;
}

void KioskState::open_store(const std::string& dir) {
    data_dir = dir;
    try {
        store = Store::open(dir, &notices);
        for (const auto& n : notices) log_warn(n);
        log_info("Data folder " + dir + ", kiosk " + store->kiosk_id());
    } catch (const std::exception& e) {
        store.reset();
        store_error = e.what();
        log_error(store_error);
        return;
    }
    load_pin_guard();
    // A problem with the configured PIN must never cost the kiosk its storage: it is only a notice.
    if (!config.facilitator_pin.empty()) {
        try {
            if (!pin_is_well_formed(config.facilitator_pin)) {
                notices.push_back("The facilitator_pin in the config file must be 4 to 8 digits; it was ignored.");
                log_warn(notices.back());
            } else {
                const auto current = store->setting("pin_hash");
                if (!current || !verify_pin(*current, config.facilitator_pin))
                    store->set_setting("pin_hash", hash_pin(config.facilitator_pin));
            }
        } catch (const std::exception& e) {
            notices.push_back(std::string("The facilitator PIN from the config file could not be stored: ") + e.what());
            log_error(notices.back());
        }
    }
    refresh_counts();
}

void KioskState::refresh_counts() {
    if (!store) return;
    try {
        counts = store->counts();
        session = store->current_session();
        quarantine = counts.quarantined ? store->quarantined(3) : std::vector<QuarantinedRecord>{};
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
        SavedResponse s;
        try {
            s = store->save_response(r);
        } catch (const StoreError& e) {
            if ((e.code & 0xff) != SQLITE_BUSY_CODE) throw;
            log_warn(std::string("The database was busy; saving again: ") + e.what());
            s = store->save_response(r);  // once more: the other writer (sync) has had 5 s to finish
        }
        flow->saved();  // only after COMMIT returned
        last_save_error.clear();
        log_info("Saved response " + std::to_string(s.seq) + " (" + s.uuid + ")");
        if (sync) sync->nudge();
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
    edit_title_source = nullptr;  // the caller may set it, so the title follows a language change
    edit_text = initial;
    edit_max = max_chars;
    edit_check_personal = check_personal;
    edit_commit = std::move(commit);
    edit_return = mode;
    mode = Mode::Keyboard;
    keyboard.set_language(ui_language());           // Cyrillic letters for Ukrainian, and so on
    keyboard.set_page(kLetters, initial.empty());  // a capital only for the first letter of a fresh text
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
    language_picker = false;
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
    const bool ok = hash && pin_guard.attempt(*hash, pin_entry);
    save_pin_guard();
    if (ok) {
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

// The wrong-PIN count and lock are kept in the database (wall-clock time), so a restart gives no fresh tries.
void KioskState::save_pin_guard() {
    if (!store) return;
    try {
        const auto until = std::chrono::system_clock::now() + pin_guard.lock_left();
        store->set_setting("pin_failures", std::to_string(pin_guard.failures()));
        store->set_setting("pin_locked_until", pin_guard.locked() ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                        until.time_since_epoch()).count())
                                                                  : "0");
    } catch (const std::exception& e) {
        log_warn(std::string("Could not keep the PIN lock: ") + e.what());
    }
}

void KioskState::load_pin_guard() {
    if (!store) return;
    try {
        const long long failures = std::stoll(store->setting("pin_failures").value_or("0"));
        const long long until = std::stoll(store->setting("pin_locked_until").value_or("0"));
        const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
        pin_guard.restore(static_cast<int>(std::clamp(failures, 0LL, 100LL)),
                          until > now ? std::chrono::seconds(until - now) : Millis(0));
    } catch (const std::exception& e) {
        log_warn(std::string("Could not read the PIN lock: ") + e.what());
    }
}

void KioskState::open_results() {
    live = results::Tally{};
    if (!store || !survey) return;
    refresh_counts();
    if (!session) return;
    try {
        for (const auto& a : store->session_answers(session->id, survey->id)) results::add(live, a, &*survey);
    } catch (const std::exception& e) {
        facilitator_message.clear();
        notices.push_back(std::string("Could not read this session's results: ") + e.what());
        log_error(notices.back());
        return;
    }
    list_scroll["##results"] = 0;
    mode = Mode::Results;
    log_info("Live results opened: " + std::to_string(live.responses) + " responses in this session");
}

void KioskState::leave_facilitator() {
    mode = Mode::Respondent;
    language_picker = false;
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
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const auto& e = *it;
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
    for (const auto& c : survey_choices) extra_glyphs += c.title + c.problem;  // other surveys' titles, any script
    fonts_dirty = true;
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

// ---- sync ----------------------------------------------------------------------------------------
void KioskState::start_sync() {
    sync.reset();
    hub_url.clear();
    sync_status = {};
    if (!store) return;
    SyncSettings settings;
    try {
        settings = sync_settings_from(config, *store);
    } catch (const std::exception& e) {
        log_warn(std::string("Sync settings could not be read: ") + e.what());
        return;
    }
    hub_url = settings.hub_url;
    if (hub_url.empty()) return;
    std::string why = check_hub_url(hub_url);
    if (why.empty() && settings.token.empty()) why = t("sync.no_token");
    if (!why.empty()) {
        sync_status.phase = SyncPhase::Broken;
        sync_status.last_error = why;
        log_warn("Sync is not started: " + why);
        return;
    }
    sync = std::make_unique<SyncClient>(data_dir, settings, wake);
}

void KioskState::stop_background() {
    sync.reset();
    if (pairing.valid()) pairing.wait();
    if (usb_job.valid()) usb_job.wait();  // a bundle half written is removed by write_bundle itself, but let it end
}

void KioskState::begin_usb() {
    drives = removable_drives();
    if (!usb_busy()) {
        usb_message.clear();
        usb_error = false;
    }
    mode = Mode::SaveToUsb;
}

void KioskState::save_to_drive(const Drive& d) {
    if (usb_busy() || !store) return;
    usb_done->store(0);
    usb_total->store(0);
    usb_message.clear();
    usb_error = false;
    log_info("Saving the unsent responses to " + d.path);
    // Its own connection on its own thread: the UI keeps drawing (and saving) meanwhile.
    usb_job = std::async(std::launch::async, [dir = data_dir, path = d.path, done = usb_done, total = usb_total,
                                              wake_fn = wake]() {
        BundleResult r;
        try {
            auto own = Store::open_existing(dir);
            r = write_bundle(*own, path, [&](std::int64_t n, std::int64_t all) {
                done->store(n);
                total->store(all);
                if (wake_fn && (n % 200 == 0 || n == all)) wake_fn();
            });
        } catch (const std::exception& e) {
            r.ok = false;
            r.error = e.what();
        }
        if (wake_fn) wake_fn();
        return r;
    });
}

void KioskState::sync_now() {
    if (sync) sync->sync_now();
}

bool KioskState::poll_background() {
    bool changed = false;
    if (usb_job.valid() && usb_job.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        const BundleResult r = usb_job.get();
        changed = true;
        usb_error = !r.ok;
        if (!r.ok) {
            usb_message = strings.fmt("usb.failed", {{"error", r.error}});
            log_error("USB bundle not written: " + r.error);
        } else if (r.records == 0) {
            usb_message = t("usb.nothing");
            log_info("USB bundle: nothing was waiting");
        } else {
            usb_message = strings.fmt("usb.done", {{"n", std::to_string(r.records)},
                                                   {"file", fs::path(r.path).filename().string()}});
            log_info("USB bundle written: " + r.path + " (" + std::to_string(r.records) + " responses, " +
                     std::to_string(r.bytes) + " bytes)");
        }
        drives = removable_drives();  // free space changed
    } else if (usb_job.valid()) {
        changed = true;  // the progress bar moves
    }
    if (sync) {
        SyncSnapshot snap = sync->snapshot();
        if (snap.version != sync_status.version) {
            sync_status = std::move(snap);
            if (mode == Mode::Facilitator) refresh_counts();  // only the panel shows them; opening it refreshes
            changed = true;
        }
    }
    if (pairing.valid() && pairing.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        const PairResult r = pairing.get();
        changed = true;
        if (r.token.empty()) {
            pair_message = strings.fmt("pair.failed", {{"error", r.error}});
            log_warn("Pairing with " + pair_hub + " failed: " + r.error);
            return changed;
        }
        try {
            sync.reset();  // the old thread must not write its status (e.g. "paused") over the new pairing
            save_pairing(*store, pair_hub, r.token, config.ca_file.empty() ? store->setting(kSettingCaFile).value_or("")
                                                                            : config.ca_file);
            if (r.bundle_key) save_bundle_key(*store, *r.bundle_key);
            pair_open = false;
            facilitator_message = strings.fmt("pair.done", {{"hub", pair_hub}});
            log_info("Paired with the hub " + pair_hub);
            start_sync();
        } catch (const std::exception& e) {
            pair_message = strings.fmt("pair.failed", {{"error", e.what()}});
            start_sync();  // carry on with the old settings
        }
    }
    return changed;
}

void KioskState::begin_pair() {
    pair_open = true;
    pair_url = hub_url;
    pair_code.clear();
    pair_message.clear();
}

void KioskState::cancel_pair() {
    if (!pairing.valid()) pair_open = false;
}

void KioskState::confirm_pair() {
    if (pairing.valid() || !store) return;
    const std::string url = normalise_hub_url(pair_url), code = trim(pair_code);
    if (const std::string why = check_hub_url(url); !why.empty()) {
        pair_message = strings.fmt("pair.bad_address", {{"why", why}});
        return;
    }
    if (code.empty()) return;
    std::string ca = config.ca_file;
    try {
        if (ca.empty()) ca = store->setting(kSettingCaFile).value_or("");
    } catch (const std::exception&) {
    }
    pair_hub = url;
    pair_message = t("pair.busy");
    // On its own thread with its own curl handle: the UI polls the future (poll_background) and never waits.
    pairing = std::async(std::launch::async, [url, code, ca, kiosk = store->kiosk_id()] {
        PairResult r;
        try {
            SyncSettings settings;
            settings.ca_file = ca;
            auto curl = make_curl_transport(settings);
            KeepReply reply(*curl);  // the reply also carries the USB bundle key
            r.token = pair_with_hub(reply, url, code, kiosk, r.error);
            if (!r.token.empty()) r.bundle_key = bundle_key_from_pair_reply(reply.last.body);
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        return r;
    });
}

std::string KioskState::sync_hub_line() const {
    return hub_url.empty() ? t("sync.no_hub") : strings.fmt("sync.hub", {{"hub", hub_url}});
}

std::string KioskState::sync_state_line() const {
    if (hub_url.empty()) return "";
    switch (sync_status.phase) {
        case SyncPhase::Starting: return t("sync.starting");
        case SyncPhase::Idle:
            return counts.waiting_sync == 0 ? t("sync.up_to_date")
                                            : strings.fmt("sync.will_send", {{"n", std::to_string(counts.waiting_sync)}});
        case SyncPhase::Sending:
            return strings.fmt("sync.sending", {{"sent", std::to_string(sync_status.pass.sent)},
                                                {"total", std::to_string(sync_status.pass.total)}});
        case SyncPhase::Waiting: {
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
            const long long secs = std::max<long long>(0, (sync_status.next_attempt_ms - now + 999) / 1000);
            const std::string when = secs < 1    ? t("sync.soon")
                                     : secs < 60 ? strings.fmt("sync.in_seconds", {{"n", std::to_string(secs)}})
                                                 : strings.fmt("sync.in_minutes", {{"n", std::to_string((secs + 59) / 60)}});
            return strings.fmt("sync.retrying", {{"error", sync_status.last_error}, {"when", when}});
        }
        case SyncPhase::Paused: return t("sync.token_refused");
        case SyncPhase::Broken: return strings.fmt("sync.broken", {{"error", sync_status.last_error}});
    }
    return "";
}

std::string KioskState::sync_sent_line() const {
    std::string when = t("sync.never");
    std::tm tm{};
    const std::string& u = sync_status.last_success_utc;  // "YYYY-MM-DDTHH:MM:SSZ"
    if (u.size() == 20 && std::sscanf(u.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        const std::time_t t = timegm(&tm), now = std::time(nullptr);
        std::tm local{}, today{};
        localtime_r(&t, &local);
        localtime_r(&now, &today);
        char buf[32];
        const bool same_day = local.tm_yday == today.tm_yday && local.tm_year == today.tm_year;
        std::strftime(buf, sizeof buf, same_day ? "%H:%M" : "%d %b %H:%M", &local);
        when = buf;
    }
    return strings.fmt("sync.sent", {{"n", std::to_string(counts.acknowledged)}, {"when", when}});
}

std::string KioskState::sync_quarantine_line() const {
    if (counts.quarantined == 0) return "";
    return strings.fmt("sync.quarantined", {{"n", std::to_string(counts.quarantined)},
                                            {"reason", quarantine.empty() ? "" : quarantine.front().reason}});
}

bool KioskState::sync_is_error() const {
    return !hub_url.empty() && (sync_status.phase == SyncPhase::Waiting || sync_status.phase == SyncPhase::Paused ||
                                sync_status.phase == SyncPhase::Broken);
}

}  // namespace engage
