#include "state.h"

#include "engage/published.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "engage/answers.h"

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

void Actions::run(KioskState& s) {
    for (std::size_t i = 0; i < list_.size(); ++i) {
        Action a = std::move(list_[i]);  // an action may add more (list_ may grow)
        a(s);
    }
    list_.clear();
}

void KioskState::push(std::unique_ptr<View> screen) {
    screens.push_back(std::move(screen));
}

void KioskState::pop() {
    if (screens.size() <= 1) return;
    retired.push_back(std::move(screens.back()));  // an action of the screen may still be running
    screens.pop_back();
}

void KioskState::pop_to_root() {
    while (screens.size() > 1) pop();
}

bool KioskState::facilitator_screen() const { return !screens.empty() && !top().for_respondent(); }

bool KioskState::respondent_screen() const { return flow && !facilitator_screen(); }

std::string KioskState::ui_language() const {
    if (facilitator_screen() || !flow) return config.language.empty() ? "en" : config.language;
    return flow->language();
}

std::string KioskState::screen_key() const {
    std::string k = screens.empty() ? "" : top().key(*this) + ":" + std::to_string(screens.size());
    if (flow) {
        k += std::string(":") + to_string(flow->screen());
        if (flow->screen() == Screen::Question || flow->screen() == Screen::IdleWarning) k += ":" + flow->question().id;
        k += ":" + flow->language();
    }
    return k;
}

std::string KioskState::language_name(const std::string& lang) const {
    auto it = language_names.find(lang);
    return it == language_names.end() ? lang : it->second;
}

void KioskState::choose_language(const std::string& lang) {
    if (flow) flow->set_language(lang);
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
    ++survey_serial;
    fonts_dirty = true;
    survey_problems.clear();
    FlowTimings timings;
    timings.idle = Millis(static_cast<long long>(config.idle_seconds) * 1000);
    timings.warning = Millis(static_cast<long long>(config.warning_seconds) * 1000);
    flow = std::make_unique<Flow>(*survey, timings, time);
    if (!config.language.empty()) flow->set_start_language(config.language);  // for every person, not just the first
    log_info("Survey loaded: " + survey->id + " version " + std::to_string(survey->version) + " (" + path + ")");
    if (sync) sync->set_live_survey({survey->id, survey->version});
    return true;
}

void KioskState::open_store(const std::string& dir, Store::Check check) {
    data_dir = dir;
    try {
        store = Store::open(dir, &notices, check);
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
        answers_protected = store->answers_protected();
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
        for (const auto& id : builtin_option_ids(q.type)) out.push_back({id, {}, std::nullopt, {}});
    if (q.allow_other && std::none_of(out.begin(), out.end(), [](const Option& o) { return o.id == "other"; }))
        out.push_back({"other", {}, std::nullopt, {}});
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
    r.counted = results::countable(r.answers_json, &*survey);
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

void KioskState::leave_facilitator() {
    pop_to_root();
    if (flow) flow->reset();
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
    if (survey) sync->set_live_survey({survey->id, survey->version});
}

void KioskState::stop_background() {
    sync.reset();
    // A pairing or a USB bundle in flight belongs to its screen: closing the screens waits for it (the
    // futures' destructors), and a bundle half written is removed by write_bundle itself.
    retired.clear();
    while (screens.size() > 1) screens.pop_back();
}

void KioskState::sync_now() {
    if (sync) sync->sync_now();
}

void KioskState::check_store_later() {
    if (!store || store_check.valid()) return;
    store_check = std::async(std::launch::async, [dir = data_dir, wake_fn = wake]() {
        std::string damage;
        try {
            damage = Store::quick_check(dir);
        } catch (const std::exception& e) {
            log_warn(std::string("The data could not be checked after start: ") + e.what());
        }
        if (wake_fn) wake_fn();
        return damage;
    });
}

bool KioskState::poll_background() {
    bool changed = false;
    if (store_check.valid() && store_check.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        const std::string damage = store_check.get();
        if (!damage.empty()) {
            // Found after the first frame: close every connection to the file (the sync thread's too), then open
            // it again with the check, which moves it aside and starts afresh, and say so to the facilitator.
            log_error("The database failed its check after start (" + damage + "): reopening it");
            sync.reset();
            if (store) store->no_checkpoint_on_close();  // the file is moved aside as found, its log beside it
            store.reset();
            open_store(data_dir, Store::Check::Now);
            start_sync();
            changed = true;
        } else {
            log_info("The database passed its check");
        }
    }
    for (std::size_t i = 0; i < screens.size(); ++i)
        if (screens[i]->poll(*this)) changed = true;
    if (sync) {
        SyncSnapshot snap = sync->snapshot();
        if (snap.version != sync_status.version) {
            if (snap.surveys_changed != surveys_seen) {
                surveys_seen = snap.surveys_changed;
                survey_check_due = true;  // a published survey may wait for the next welcome screen
            }
            sync_status = std::move(snap);
            if (facilitator_screen()) refresh_counts();  // only the panel shows them; opening it refreshes
            changed = true;
        }
    }
    return changed;
}

bool KioskState::use_survey(const std::string& path) {
    if (!load_survey(path)) return false;
    try {
        if (store) store->set_setting(kSettingSurveyPath, path);
        if (store) store->clear_setting(kSettingSurveySwitch);  // chosen now: nothing else goes live after it
    } catch (const std::exception& e) {
        log_warn(std::string("Could not remember the chosen survey: ") + e.what());
    }
    return true;
}

bool KioskState::take_published_survey() {
    survey_check_due = false;
    if (!store) return false;
    std::string path;
    try {
        path = store->setting(kSettingSurveySwitch).value_or("");
        if (path.empty()) return false;
        store->clear_setting(kSettingSurveySwitch);
    } catch (const std::exception& e) {
        log_warn(std::string("Could not read the published survey to go live: ") + e.what());
        return false;
    }
    if (path == survey_path && survey) return false;
    const std::string before = survey_path;
    if (!use_survey(path)) {
        // Checked when it was stored, so only a file changed since: keep the survey running.
        log_error("The published survey " + path + " was refused; still running " + before);
        if (survey) survey_problems.clear();
        return false;
    }
    log_info("Published survey live from this welcome screen: " + survey->id + " version " +
             std::to_string(survey->version) + " (was " + before + ")");
    return true;
}

std::string KioskState::source_words(const std::string& path) const {
    switch (survey_source(path, data_dir, assets)) {
        case SurveySource::Bundled: return t("facilitator.survey_from_bundled");
        case SurveySource::Hub: return t("facilitator.survey_from_hub");
        case SurveySource::Local: return t("facilitator.survey_from_local");
    }
    return "";
}

std::string KioskState::survey_live_line() const {
    if (!survey) return "";
    return strings.fmt("facilitator.survey_live", {{"title", survey->title.get("en", survey->default_language())},
                                                   {"version", std::to_string(survey->version)},
                                                   {"from", source_words(survey_path)}});
}

std::string KioskState::survey_next_line() const {
    if (!store) return "";
    std::string path;
    try {
        path = store->setting(kSettingSurveySwitch).value_or("");
    } catch (const std::exception&) {
        return "";
    }
    if (path.empty() || path == survey_path) return "";
    const SurveyLoad r = load_survey_file(path);
    if (!r.ok()) return "";
    return strings.fmt("facilitator.survey_next", {{"title", r.survey->title.get("en", r.survey->default_language())},
                                                   {"version", std::to_string(r.survey->version)}});
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
