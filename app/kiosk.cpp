// The kiosk's event loop: it waits for something to happen, lets the top screen draw, then runs the actions
// the screen returned. It draws only when something changes (input, a timer, a countdown), so an attract
// screen left all day uses next to no CPU. The window, the input router and the font cache are their own
// parts (window.h, input.h, font_cache.h).
#include "kiosk.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engage/log.h"
#include "engage/published.h"
#include "font_cache.h"
#include "input.h"
#include "state.h"
#include "ui/automation.h"
#include "ui/shaped.h"
#include "ui/fonts.h"
#include "ui/screens.h"
#include "recording.h"
#include "watchdog.h"
#include "window.h"

namespace fs = std::filesystem;

namespace engage {
namespace {

constexpr Millis kFacilitatorIdle{120'000};

// The automation line: the screen, every widget (with its stable id and whether it is wholly in view), every
// text block, and the state tests wait on.
nlohmann::json automation_extra(KioskState& s, const ui::Ui& ui, const InputRouter& input, bool pending, bool respondent,
                                const RecordingPlayer& player) {
    nlohmann::json extra = nlohmann::json::object();
    s.top().automation(s, extra);
    extra["texts"] = nlohmann::json::array();
    for (const auto& t : ui.texts) {
        extra["texts"].push_back({{"text", t.label}, {"x", t.x}, {"y", t.y}, {"w", t.w}, {"h", t.h}});
        if (!t.id.empty()) extra["texts"].back()["id"] = t.id;  // "question.note": drawn over the answers on purpose
    }
    extra["images"] = nlohmann::json::array();  // pictures (Easy Read): their words and where they are
    for (const auto& i : ui.images)
        extra["images"].push_back({{"id", i.id}, {"alt", i.label}, {"x", i.x}, {"y", i.y}, {"w", i.w}, {"h", i.h},
                                   {"visible", i.visible}});
    extra["overflow"] = ui.overflow;
    extra["inputs"] = input.inputs();
    extra["pending"] = pending;  // more frames are coming (after an input, or fonts to rebuild): tests wait
    // Characters drawn this frame that the atlas has no glyph for (shown as "?"): must stay empty.
    // Text in a shaped script (Urdu, Arabic, Punjabi, Bengali) is drawn from its own glyphs, not ImGui's.
    std::string drawn;
    const auto& shaped = ui::shaped_text();
    for (const auto& t : ui.spoken)
        if (!shaped.wants(t)) drawn += t;
    for (const auto& w : ui.widgets)
        if (!shaped.wants(w.label)) drawn += w.label;
    extra["missing_glyphs"] = nlohmann::json::array();
    for (unsigned cp : ui::missing_glyphs(ui.fonts, drawn)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", cp);
        extra["missing_glyphs"].push_back(buf);
    }
    if (!shaped.misses().empty()) extra["missing_glyphs"].push_back("shaped: " + shaped.misses());
    extra["direction"] = ui.mirror ? "rtl" : "ltr";  // texts and labels stay in logical order either way
    extra["focus"] = ui.focused_label;
    extra["lang"] = s.strings.lang();
    extra["em"] = ui.em;
    extra["stack"] = s.screens.size();
    if (respondent) {
        const AccessChoices& a = s.flow->access();
        extra["access"] = {{"language", s.flow->language()}, {"text_percent", a.text_percent},
                           {"high_contrast", a.high_contrast}, {"easy_font", a.easy_font},
                           {"read_aloud", a.read_aloud}, {"more_time", s.flow->more_time()},
                           {"read_aloud_problem", a.read_aloud ? s.read_aloud_problem() : ""}};
    }
    if (s.speaker) {
        // What was said, with anything someone typed masked: the automation file is on disk.
        std::string said = s.speaker->last_text();
        std::vector<std::string> typed;
        if (auto* kb = s.find<ui::KeyboardScreen>()) typed.push_back(kb->text());
        if (s.flow)
            for (const auto& [id, a] : s.flow->answers()) typed.push_back(a.text);
        for (const auto& t : typed)
            for (std::size_t at = 0; !t.empty() && (at = said.find(t, at)) != std::string::npos; at += 7)
                said.replace(at, t.size(), "<typed>");
        extra["speech"] = {{"utterances", s.speaker->utterances()}, {"last", said},
                           {"recordings", player.plays()}, {"last_recording", player.last()}};
    }
    return extra;
}

// Read aloud: the whole screen when it changes, then what was tapped or what the focus moved to.
class Reader {
public:
    void after_frame(KioskState& s, const ui::Ui& ui, const std::string& frame_key, bool respondent, int& frames_left) {
        if (frame_key != last_key_) player_.stop();  // a recording never outlives its screen
        last_key_ = frame_key;
        bool reading = respondent && s.flow->access().read_aloud && s.speaker;
        if (reading && s.speaker->voice_state(s.flow->language()) == VoiceState::Checking) {
            reading = false;  // the voices are still being listed (a few ms after start): try again next frame
            frames_left = std::max(frames_left, 1);
            std::this_thread::sleep_for(Millis(20));
        } else if (reading) {
            const std::string lang = s.flow->language();
            std::string say, recording;
            if (frame_key != spoken_screen_ || !was_reading_) {
                std::string all = (!was_reading_ && !s.announce.empty()) ? s.announce : "";
                for (const auto& line : ui.spoken) all += (all.empty() ? "" : ". ") + line;
                say = all;
                spoken_screen_ = frame_key;
                // A question with a recorded prompt in this language: the recording instead of the synthetic voice.
                if (s.flow->screen() == Screen::Question)
                    if (auto it = s.flow->question().audio.find(lang); it != s.flow->question().audio.end())
                        recording = it->second;
            } else if (!s.announce_recording.empty()) {
                recording = s.announce_recording;
                say = s.announce;
            } else if (!s.announce.empty()) {
                say = s.announce;
            } else if (ui.focus_moved && !ui.focused_label.empty()) {
                say = ui.focused_label;
            }
            if (!say.empty() || !recording.empty()) player_.stop();
            const auto media = recording.empty() ? s.survey->media.end() : s.survey->media.find(recording);
            if (media != s.survey->media.end() && player_.play(recording, media->second))
                s.speaker->stop();
            else if (!say.empty() && !s.speaker->speak(lang, say))
                s.speaker->stop();  // no voice: silence, not the last language
        } else if (was_reading_) {
            s.speaker->stop();  // switched off, or the screen is no longer the respondent's
            player_.stop();
            spoken_screen_.clear();
        }
        was_reading_ = reading;
        s.announce.clear();
        s.announce_recording.clear();
    }
    const RecordingPlayer& player() const { return player_; }

private:
    RecordingPlayer player_;
    std::string last_key_;
    std::string spoken_screen_;  // the screen read aloud last ("" = none)
    bool was_reading_ = false;
};

}  // namespace

int run_kiosk(const RunOptions& opts) {
    SteadyTime clock;
    KioskState s(clock);
    s.config = opts.config;
    s.assets = assets_dir();
    const std::string data_dir = s.config.data_dir.empty() ? default_data_dir() : s.config.data_dir;
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    log_to_file(data_dir + "/engage-kiosk.log");
    log_info("Engage kiosk " ENGAGE_VERSION " starting");

    s.open_store(data_dir, Store::Check::Later);  // quick_check runs after the first frame (check_store_later)
    s.load_strings(s.config.language.empty() ? "en" : s.config.language);
    s.start_speech();
    // The survey: a published one chosen last (by the hub or the facilitator), else --survey / config, else the one
    // the facilitator chose last time, else the demo (engage/published.h).
    std::string survey = s.store ? live_survey_path(*s.store, data_dir, s.assets, s.config.survey)
                                 : (s.config.survey.empty() ? s.assets + "/surveys/demo.json" : s.config.survey);
    if (!s.load_survey(survey)) {
        s.survey_path = survey;
        std::fprintf(stderr, "engage-kiosk: the survey %s was refused:\n", survey.c_str());
        for (const auto& p : s.survey_problems) std::fprintf(stderr, "  %s: %s\n", survey.c_str(), p.c_str());
    }
    s.screens.push_back(std::make_unique<ui::RespondentScreen>());
    auto* respondent_root = static_cast<ui::RespondentScreen*>(s.screens.front().get());

    Window window;
    if (std::string error; !window.open(s.config, error)) {
        log_error(error);
        return 2;
    }
    ui::Ui ui;
    ui.nav = &s.focus;
    FontCache fonts(s, ui);
    fonts.rebuild();  // uploaded by the first frame (the backend's device objects are made then)
    InputRouter input(s, ui);

    ui::Automation automation;
    if (!s.config.automation.empty()) {
        std::string err;
        if (!automation.open(s.config.automation, err)) log_error(err);
    }

    // The sync thread (and the screens' background jobs) push this event when their status changes.
    const Uint32 wake_event = SDL_RegisterEvents(1);
    if (wake_event != static_cast<Uint32>(-1))
        s.wake = [wake_event] {
            SDL_Event e{};
            e.type = wake_event;
            SDL_PushEvent(&e);  // thread-safe
        };
    s.start_sync();

    int frames_left = 2;
    TimePoint last_input = clock.now();
    bool first_frame = true;
    std::optional<TimePoint> ui_wake;  // a screen asked to be drawn again by then (a held Delete repeats)
    std::string focus_before;          // the focus in the last frame
    Screen flow_before = Screen::Attract;
    Reader reader;
    Watchdog watchdog;  // systemd: READY=1 after the first frame, WATCHDOG=1 from this loop (app/watchdog.h)

    while (!s.quit) {
        // ---- wait for something to happen
        int wait_ms = -1;
        if (opts.always_redraw || frames_left > 0) {
            wait_ms = 0;
        } else {
            std::optional<TimePoint> deadline;
            auto sooner = [&](TimePoint t) { deadline = deadline ? std::min(*deadline, t) : t; };
            const bool facilitator = s.facilitator_screen();
            if (!facilitator && s.flow)
                if (auto d = s.flow->next_deadline()) sooner(*d);  // idle warning, thanks, auto-advance
            if (facilitator) sooner(last_input + kFacilitatorIdle);
            if (s.find<ui::LanguageScreen>() && s.flow && s.flow->screen() == Screen::Attract)
                sooner(last_input + s.flow->idle_time());
            if (ui_wake) sooner(*ui_wake);
            const bool countdown = (s.flow && s.flow->screen() == Screen::IdleWarning) ||
                                   (dynamic_cast<ui::PinScreen*>(&s.top()) && s.pin_guard.locked()) ||
                                   input.corner_held();
            if (countdown) sooner(clock.now() + Millis(input.corner_held() ? 50 : 250));
            if (dynamic_cast<ui::FacilitatorScreen*>(&s.top()) && s.sync_status.phase == SyncPhase::Waiting)
                sooner(clock.now() + Millis(1000));  // "trying again in 12 s" counts down
            if (auto d = s.focus.next_deadline()) {  // switch dwell: a ring fills, then the item is selected
                sooner(*d);
                sooner(clock.now() + Millis(100));
            }
            if (deadline)
                wait_ms = static_cast<int>(std::clamp<long long>(
                    std::chrono::duration_cast<Millis>(*deadline - clock.now()).count() + 1, 0, 60'000));
        }
        SDL_Event ev;
        const int wait_for = watchdog.limit_wait(wait_ms);  // wakes for the watchdog ping; draws nothing for it
        bool got = wait_for < 0 ? SDL_WaitEvent(&ev) : (wait_for == 0 ? SDL_PollEvent(&ev) : SDL_WaitEventTimeout(&ev, wait_for));
        while (got) {
            if (input.handle(ev)) {
                last_input = clock.now();
                if (s.flow) s.flow->touch();
            }
            frames_left = std::max(frames_left, 3);
            got = SDL_PollEvent(&ev);
        }
        watchdog.ping();

        // ---- what happens between frames: timers, background jobs, leaving screens that belong to one person
        if (s.flow) s.flow->set_auto_advance_allowed(!s.flow->access().read_aloud && s.focus.switch_mode() == SwitchMode::Off);
        if (s.flow && s.flow->tick()) frames_left = std::max(frames_left, 2);
        if (s.focus.tick()) frames_left = std::max(frames_left, 2);  // a dwell ran out: press the focused item
        if (s.poll_background()) {  // sync status, a pairing or a USB bundle in flight
            frames_left = std::max(frames_left, 2);
            if (s.facilitator_screen()) last_input = clock.now();  // a job in flight keeps the panel open
        }
        const Screen flow_now = s.flow ? s.flow->screen() : Screen::Attract;
        if (s.flow && flow_now == Screen::Attract) {
            // The person has gone (a wipe, or they finished): their keyboard, language list and pages go too.
            if (flow_before != Screen::Attract && !s.facilitator_screen()) s.pop_to_root();
            respondent_root->reset_person();
            // Someone opened the language list and walked away.
            if (s.find<ui::LanguageScreen>() && clock.now() - last_input > s.flow->idle_time()) {
                s.pop_to_root();
                frames_left = std::max(frames_left, 2);
            }
        }
        // A survey the hub published goes live here: on the welcome screen with nothing else open, never while
        // someone is answering (engage/published.h).
        if (s.survey_check_due && flow_now == Screen::Attract && s.screens.size() == 1 && s.take_published_survey()) {
            respondent_root->reset_person();
            frames_left = std::max(frames_left, 2);
        }
        flow_before = flow_now;
        if (s.facilitator_screen() && clock.now() - last_input > kFacilitatorIdle) {
            log_info("Facilitator panel closed after 2 minutes without a touch");
            s.leave_facilitator();
            frames_left = std::max(frames_left, 2);
        }
        // Finish was pressed (or the last answer moved on): the loop saves, never a screen while drawing.
        if (s.flow && s.flow->screen() == Screen::Saving) {
            s.finish();
            frames_left = std::max(frames_left, 2);
        }
        s.retired.clear();
        const bool timed_redraw = wait_ms > 0;  // a countdown or a hold in progress
        if (!(opts.always_redraw || frames_left > 0 || timed_redraw)) continue;
        if (frames_left > 0) --frames_left;

        // ---- one frame
        int w, h;
        window.size(w, h);
        ui.size = ImVec2(static_cast<float>(w), static_cast<float>(h));
        if (fonts.stale()) {
            fonts.rebuild();
            window.fonts_changed();
        }
        const bool respondent = s.respondent_screen();
        ui.theme = respondent && s.flow->access().high_contrast ? ui::theme_from(high_contrast_theme()) : ui::default_theme();
        // Urdu and Arabic: the respondent's screens are drawn left to right, then mirrored (Ui::mirror_frame).
        ui.mirror = respondent && ui::rtl_language(s.ui_language());
        ui.runs.clear();
        window.begin_frame();
        input.feed_imgui();
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(ui.size);
        ImGui::Begin("##kiosk", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                         ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
                         ImGuiWindowFlags_NoBackground);
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(0, 0), ui.size, ui.theme.bg);
        ui.widgets.clear();
        ui.texts.clear();
        ui.images.clear();
        ui.option_picture = 0;
        ui.option_image = nullptr;
        ui.pictures.sync(s.survey ? &*s.survey : nullptr, s.survey ? s.survey_serial : 0);  // a new survey: new textures
        ui.overflow.clear();
        ui.spoken.clear();
        ui.focused_label.clear();
        ui.want_frame = false;
        ui.wake.reset();
        ui.top = 0;
        const std::string frame_key = s.screen_key();  // the screen this frame starts on (a tap may leave it)
        s.focus.begin_frame(frame_key);
        ui.words_scroll_up = s.t("list.scroll_up");
        ui.words_scroll_down = s.t("list.scroll_down");
        ui.focus_moved = s.focus.focused() != focus_before;
        Actions act;
        std::string screen_name = s.top().name(s);
        if (respondent) {
            draw_access_bar(s, ui, act);
            if (s.flow->screen() == Screen::IdleWarning && &s.top() != respondent_root) {
                ui::draw_idle_warning(s, ui, act);  // over the keyboard or the language list
                screen_name = "idle_warning";
            } else {
                s.top().draw_content(s, ui, act);
            }
        } else {
            s.top().draw_content(s, ui, act);
        }
        s.focus.end_frame();
        if (ui.want_frame) frames_left = std::max(frames_left, 2);
        ui_wake = ui.wake;
        // Switch dwell: a bar fills along the focused item's lower edge until it is selected.
        if (const float dwell = s.focus.dwell_progress(); dwell > 0 && !ui.focused_label.empty()) {
            ImDrawList* dl = ImGui::GetForegroundDrawList();
            const float t = ui.px(0.3f);
            const ImVec2 a(ui.focused_min.x, ui.focused_max.y - t);
            const ImVec2 b(a.x + (ui.focused_max.x - a.x) * dwell, ui.focused_max.y);
            dl->AddRectFilled(ImVec2(a.x, a.y - t * 0.3f), ImVec2(b.x, b.y + t * 0.3f), ui.theme.focus_halo);
            dl->AddRectFilled(a, b, ui.theme.focus);
        }
        // The facilitator's corner, on screens with no respondent's answers.
        const bool corner_allowed = &s.top() == respondent_root &&
                                    (!s.flow || s.flow->screen() == Screen::Attract || s.flow->screen() == Screen::Thanks ||
                                     s.flow->screen() == Screen::SaveFailed);
        input.corner(corner_allowed, act);
        if (ui.mirror) ui.mirror_frame(ImGui::GetWindowDrawList(), 0);
        ImGui::End();
        ImGui::Render();
        reader.after_frame(s, ui, frame_key, respondent, frames_left);
        focus_before = s.focus.focused();
        window.present();

        if (automation.enabled()) {  // the extra state is built only for an automation file
            const bool pending = frames_left > 0 || fonts.stale() || !act.empty() || (s.flow && s.flow->advance_at());
            automation.frame(screen_name, ui.widgets, automation_extra(s, ui, input, pending, respondent, reader.player()));
        }
        // The screen's actions, now that the frame is drawn: they may save, move the flow, open or close screens.
        if (!act.empty()) {
            act.run(s);
            frames_left = std::max(frames_left, 2);
        }
        if (first_frame) {
            first_frame = false;
            ImGui::GetIO().Fonts->ClearTexData();  // the first atlas is on the GPU now
            watchdog.ready();
            if (!opts.exit_after_first_frame) s.check_store_later();
            if (opts.exit_after_first_frame) s.quit = true;
        }
        if (opts.always_redraw) std::this_thread::sleep_for(Millis(16));  // as a 60 Hz display would pace it
    }

    s.stop_background();  // the sync thread's wake-ups must stop before SDL does
    log_info("Engage kiosk exiting");
    return 0;
}

}  // namespace engage
