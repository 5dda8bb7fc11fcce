// The kiosk's window and event loop: SDL2 + OpenGL3 + Dear ImGui 1.86. It draws only when something
// changes (input, a timer, a countdown), so an attract screen left all day uses next to no CPU.
#include "kiosk.h"

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engage/glyphs.h"
#include "engage/keyboard.h"
#include "engage/log.h"
#include "engage/textcheck.h"
#include "state.h"
#include "ui/automation.h"
#include "ui/fonts.h"
#include "ui/screens.h"

namespace fs = std::filesystem;

namespace engage {
namespace {

// ImGui 1.86 on a touch screen leaves hover stuck after the finger lifts. We own the pointer:
// it exists for ImGui only while pressed, and for the one frame after release that completes a tap.
struct Pointer {
    ImVec2 pos{-FLT_MAX, -FLT_MAX};
    bool down = false;
    bool latched = false;      // pressed since the last frame (a tap shorter than a frame still counts)
    bool release_grace = false;
    TimePoint down_at{};
    ImVec2 down_pos{};
};

constexpr Millis kCornerHold{3000};
constexpr Millis kFacilitatorIdle{120'000};

// Every character the screens can show in `lang`: its UI strings, the survey's text in it, its keyboard
// and the language names. The facilitator's own typing and messages are covered by ASCII and Latin-1.
std::string collect_text(const KioskState& s, const std::string& lang) {
    std::string typed = s.edit_text + s.edit_title;  // typed before a language change, in any script
    if (s.flow)
        for (const auto& [id, a] : s.flow->answers()) typed += a.text;
    return language_text(s.assets, s.survey ? &*s.survey : nullptr, lang) + s.extra_glyphs + typed;
}

bool in_rect(ImVec2 p, ImVec2 a, ImVec2 size) { return p.x >= a.x && p.y >= a.y && p.x < a.x + size.x && p.y < a.y + size.y; }

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

    s.open_store(data_dir);
    s.load_strings(s.config.language.empty() ? "en" : s.config.language);
    s.start_speech();
    // The survey: --survey / config, else the one the facilitator chose last time, else the demo.
    std::string survey = s.config.survey;
    if (survey.empty() && s.store) {
        try {
            survey = s.store->setting("survey_path").value_or("");
        } catch (const std::exception& e) {
            log_warn(std::string("Could not read the chosen survey: ") + e.what());
        }
    }
    if (survey.empty()) survey = s.assets + "/surveys/demo.json";
    if (!s.load_survey(survey)) {
        s.survey_path = survey;
        std::fprintf(stderr, "engage-kiosk: the survey %s was refused:\n", survey.c_str());
        for (const auto& p : s.survey_problems) std::fprintf(stderr, "  %s: %s\n", survey.c_str(), p.c_str());
    }

    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");  // SIGTERM ends the process; every saved response is committed
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
        log_error(std::string("Cannot open the display: ") + SDL_GetError());
        return 2;
    }
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 2);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (!s.config.windowed) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    SDL_Window* window = SDL_CreateWindow("Engage", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, s.config.width,
                                          s.config.height, flags);
    if (!window) {
        log_error(std::string("Cannot open a window: ") + SDL_GetError());
        SDL_Quit();
        return 2;
    }
    SDL_GLContext gl = SDL_GL_CreateContext(window);
    if (!gl) {
        log_error(std::string("Cannot start OpenGL 3.2: ") + SDL_GetError());
        SDL_DestroyWindow(window);
        SDL_Quit();
        return 2;
    }
    SDL_GL_MakeCurrent(window, gl);
    SDL_GL_SetSwapInterval(1);
    if (!s.config.windowed) SDL_ShowCursor(SDL_DISABLE);
    SDL_StartTextInput();  // a physical keyboard may type into the on-screen keyboard's text

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // no imgui.ini in the working directory
    io.LogFilename = nullptr;
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowPadding = ImVec2(0, 0);
    style.WindowBorderSize = 0;
    style.WindowRounding = 0;
    style.ItemSpacing = ImVec2(0, 0);
    ImGui_ImplSDL2_InitForOpenGL(window, gl);
    ImGui_ImplOpenGL3_Init("#version 150");

    ui::Ui ui;
    ui.nav = &s.focus;
    // The atlas holds only the glyphs of the language on screen, at the size on screen: it is rebuilt
    // (between frames) when the language, the person's text size or font, or the survey changes.
    struct FontKey {
        std::string lang;
        int percent = 0;
        bool easy = false;
        bool operator==(const FontKey&) const = default;
    };
    FontKey fonts_built;
    auto wanted_fonts = [&] {
        FontKey k{s.ui_language(), 100, false};
        if (!s.facilitator_screen() && s.flow) {
            k.percent = s.flow->access().text_percent;
            k.easy = s.flow->access().easy_font;
        }
        return k;
    };
    auto rebuild_fonts = [&](const FontKey& k) {
        const auto t0 = clock.now();
        if (s.strings.lang() != k.lang) s.load_strings(k.lang);
        ui.em = std::round(28.f * s.config.text_scale * static_cast<float>(k.percent) / 100.f);
        std::string font_error;
        if (!ui::build_fonts(ui.fonts, ui.em, k.lang, collect_text(s, k.lang), k.easy, font_error) &&
            std::find(s.notices.begin(), s.notices.end(), font_error) == s.notices.end()) {
            log_error(font_error);
            s.notices.push_back(font_error);  // once, however often the fonts are rebuilt
        }
        ui.em = ui.fonts.body->FontSize;
        s.fonts_dirty = false;
        fonts_built = k;
        const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
        log_info("Fonts for " + k.lang + " at " + std::to_string(k.percent) + " %" + (k.easy ? ", easier font" : "") +
                 ": atlas " + std::to_string(atlas->TexWidth) + "x" + std::to_string(atlas->TexHeight) + ", " +
                 std::to_string(std::chrono::duration_cast<Millis>(clock.now() - t0).count()) + " ms");
    };
    rebuild_fonts(wanted_fonts());

    ui::Automation automation;
    if (!s.config.automation.empty()) {
        std::string err;
        if (!automation.open(s.config.automation, err)) log_error(err);
    }

    // The sync thread (and nothing else) pushes this event when its status changes, to wake the loop.
    const Uint32 wake_event = SDL_RegisterEvents(1);
    if (wake_event != static_cast<Uint32>(-1))
        s.wake = [wake_event] {
            SDL_Event e{};
            e.type = wake_event;
            SDL_PushEvent(&e);  // thread-safe
        };
    s.start_sync();

    Pointer ptr;
    bool corner_fired = false;
    int frames_left = 2;
    TimePoint last_input = clock.now();
    bool first_frame = true;
    // The on-screen keyboard is showing (not covered by the idle warning): a physical keyboard may type into it.
    auto keyboard_visible = [&] {
        return s.mode == Mode::Keyboard && !s.language_picker &&
               !(s.edit_return == Mode::Respondent && s.flow && s.flow->screen() != Screen::Question);
    };
    // The bottom-left square held for the facilitator gesture (the access bar has the top of the screen).
    auto corner_size = [&] { return ImVec2(ui.corner(), ui.corner()); };
    auto corner_pos = [&] { return ImVec2(0, ui.size.y - corner_size().y); };
    auto facilitator_mode = [&] { return s.facilitator_screen(); };
    bool swallow_space = false;   // Space pressed a focused widget: the text input it also makes is not typed
    std::string focus_before;     // the focus in the last frame
    std::string spoken_screen;    // the screen read aloud last ("" = none)
    bool was_reading = false;
    Screen flow_before = Screen::Attract;
    std::int64_t inputs_seen = 0;  // taps and keys handled, for the automation file (tests wait for their input)

    while (!s.quit) {
        // ---- wait for something to happen
        int wait_ms = -1;
        if (opts.always_redraw || frames_left > 0) {
            wait_ms = 0;
        } else {
            // A finger held in the facilitator corner: redraw the hold ring until it fires.
            const bool corner_hold = ptr.down && !corner_fired && in_rect(ptr.down_pos, corner_pos(), corner_size());
            std::optional<TimePoint> deadline;
            auto sooner = [&](TimePoint t) { deadline = deadline ? std::min(*deadline, t) : t; };
            if (s.mode == Mode::Respondent || !facilitator_mode())
                if (s.flow)
                    if (auto d = s.flow->next_deadline()) sooner(*d);
            if (facilitator_mode()) sooner(last_input + kFacilitatorIdle);
            if (s.language_picker && s.flow && s.flow->screen() == Screen::Attract) sooner(last_input + s.flow->idle_time());
            if (s.pairing_busy() || s.usb_busy()) sooner(clock.now() + Millis(100));  // poll the job in flight
            if (s.mode == Mode::Facilitator && s.sync_status.phase == SyncPhase::Waiting)
                sooner(clock.now() + Millis(1000));  // "trying again in 12 s" counts down
            const bool countdown = (s.flow && s.flow->screen() == Screen::IdleWarning) ||
                                   ((s.mode == Mode::PinEntry) && s.pin_guard.locked()) || corner_hold;
            if (countdown) sooner(clock.now() + Millis(corner_hold ? 50 : 250));
            if (auto d = s.focus.next_deadline()) {  // switch dwell: a ring fills, then the item is selected
                sooner(*d);
                sooner(clock.now() + Millis(100));
            }
            if (deadline)
                wait_ms = static_cast<int>(std::clamp<long long>(
                    std::chrono::duration_cast<Millis>(*deadline - clock.now()).count() + 1, 0, 60'000));
        }
        SDL_Event ev;
        bool got = wait_ms < 0 ? SDL_WaitEvent(&ev) : (wait_ms == 0 ? SDL_PollEvent(&ev) : SDL_WaitEventTimeout(&ev, wait_ms));
        while (got) {
            ImGui_ImplSDL2_ProcessEvent(&ev);
            bool input = true;
            switch (ev.type) {
                case SDL_QUIT:
                    if (s.config.windowed) s.quit = true;  // in kiosk mode only the facilitator (with the PIN) exits
                    break;
                case SDL_MOUSEBUTTONDOWN:
                    if (ev.button.button == SDL_BUTTON_LEFT) {
                        ptr.down = ptr.latched = true;
                        ptr.pos = ptr.down_pos = ImVec2(static_cast<float>(ev.button.x), static_cast<float>(ev.button.y));
                        ptr.down_at = clock.now();
                        corner_fired = false;
                    }
                    break;
                case SDL_MOUSEBUTTONUP:
                    if (ev.button.button == SDL_BUTTON_LEFT) {
                        ptr.down = false;
                        ptr.release_grace = true;
                        ptr.pos = ImVec2(static_cast<float>(ev.button.x), static_cast<float>(ev.button.y));
                    }
                    break;
                case SDL_MOUSEMOTION:
                    ptr.pos = ImVec2(static_cast<float>(ev.motion.x), static_cast<float>(ev.motion.y));
                    input = ptr.down;
                    break;
                case SDL_TEXTINPUT:
                    if (swallow_space && std::string(ev.text.text) == " ") {
                        swallow_space = false;
                        break;
                    }
                    if (keyboard_visible()) {
                        const std::string t = ev.text.text;
                        s.focus.clear();  // someone typing on a real keyboard: Space types, Enter is Done
                        // A physical keyboard (with the system's input method, e.g. for Chinese) can type letters
                        // the atlas does not hold yet: add them and rebuild before the next frame.
                        if (!ui::missing_glyphs(ui.fonts, t).empty() && s.extra_glyphs.size() < 64 * 1024) {
                            s.extra_glyphs += t;
                            s.fonts_dirty = true;
                        }
                        if (utf8_length(s.edit_text) + utf8_length(t) <= s.edit_max) s.edit_text += t;
                    }
                    break;
                case SDL_KEYDOWN: {
                    // Keyboard and switch access: the app's own focus order (ImGui 1.86's does not reach our buttons).
                    const SDL_Keycode k = ev.key.keysym.sym;
                    const bool shift = (ev.key.keysym.mod & KMOD_SHIFT) != 0;
                    const SwitchMode sw = s.focus.switch_mode();
                    swallow_space = false;
                    // A held key (or a switch held down) presses or steps once: no auto-repeat for these.
                    const bool presses = k == SDLK_SPACE || k == SDLK_RETURN || k == SDLK_KP_ENTER;
                    if (ev.key.repeat && (presses || sw != SwitchMode::Off)) {
                        swallow_space = k == SDLK_SPACE && (sw != SwitchMode::Off || !s.focus.focused().empty());
                        break;
                    }
                    if (k == SDLK_TAB) s.focus.key(shift ? NavKey::Prev : NavKey::Next);
                    else if (k == SDLK_UP) s.focus.key(NavKey::Up);
                    else if (k == SDLK_DOWN) s.focus.key(NavKey::Down);
                    else if (k == SDLK_LEFT) s.focus.key(NavKey::Left);
                    else if (k == SDLK_RIGHT) s.focus.key(NavKey::Right);
                    else if (k == SDLK_SPACE) {
                        // Space steps a switch user on; otherwise it presses the focused widget. With nothing
                        // focused it is a typed space on the keyboard screen.
                        if (sw != SwitchMode::Off) {
                            s.focus.key(NavKey::SwitchStep);
                            swallow_space = true;
                        } else {
                            swallow_space = s.focus.key(NavKey::Activate);
                        }
                    } else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
                        const bool pressed = s.focus.key(sw == SwitchMode::Off ? NavKey::Activate : NavKey::SwitchSelect);
                        if (!pressed && keyboard_visible()) s.keyboard_done();
                    } else if (k == SDLK_BACKSPACE && keyboard_visible()) {
                        utf8_pop_back(s.edit_text);
                    }
                    break;
                }
                case SDL_WINDOWEVENT:
                    // A lost button-up (focus taken away mid-press) must not leave a finger "down" for ever.
                    if (ev.window.event == SDL_WINDOWEVENT_FOCUS_LOST) ptr.down = false;
                    input = false;
                    break;
                default: input = false; break;
            }
            if (ev.type == SDL_MOUSEBUTTONUP || ev.type == SDL_KEYDOWN || ev.type == SDL_TEXTINPUT) ++inputs_seen;
            if (input) {
                last_input = clock.now();
                if (s.flow) s.flow->touch();
            }
            frames_left = std::max(frames_left, 3);
            got = SDL_PollEvent(&ev);
        }
        if (s.flow && s.flow->tick()) frames_left = std::max(frames_left, 2);
        if (s.focus.tick()) frames_left = std::max(frames_left, 2);  // a dwell ran out: press the focused item
        if (s.poll_background()) frames_left = std::max(frames_left, 2);  // sync status, a finished pairing
        // A respondent who walked away mid-typing: the warning ran out, so the typed text goes too.
        if ((s.mode == Mode::Keyboard || s.mode == Mode::PersonalWarning) && s.edit_return == Mode::Respondent && s.flow &&
            s.flow->screen() == Screen::Attract) {
            s.edit_text.clear();
            s.edit_commit = nullptr;
            s.mode = Mode::Respondent;
        }
        if (facilitator_mode() && clock.now() - last_input > kFacilitatorIdle) {
            log_info("Facilitator panel closed after 2 minutes without a touch");
            s.leave_facilitator();
            frames_left = std::max(frames_left, 2);
        }
        if (s.mode == Mode::Respondent && s.flow && s.flow->screen() == Screen::Attract) s.list_scroll.clear();
        // The language list belongs to one person too: a wipe closes it, and so does the idle time on the
        // attract screen (someone opened it and walked away).
        const Screen flow_now = s.flow ? s.flow->screen() : Screen::Attract;
        if (s.language_picker && ((flow_now == Screen::Attract && flow_before != Screen::Attract) ||
                                  (s.flow && flow_now == Screen::Attract && clock.now() - last_input > s.flow->idle_time()))) {
            s.language_picker = false;
            frames_left = std::max(frames_left, 2);
        }
        flow_before = flow_now;
        const bool timed_redraw = wait_ms > 0;  // a countdown or a hold in progress
        if (!(opts.always_redraw || frames_left > 0 || timed_redraw)) continue;
        if (frames_left > 0) --frames_left;

        // ---- one frame
        int w, h;
        SDL_GetWindowSize(window, &w, &h);
        ui.size = ImVec2(static_cast<float>(w), static_cast<float>(h));
        if (s.fonts_dirty || !(wanted_fonts() == fonts_built)) {
            ImGui_ImplOpenGL3_DestroyFontsTexture();
            rebuild_fonts(wanted_fonts());
            ImGui_ImplOpenGL3_CreateFontsTexture();
            io.Fonts->ClearTexData();  // the GPU has it: the CPU copies (alpha and RGBA) go
        }
        const bool respondent = !s.facilitator_screen() && s.flow;
        ui.theme = respondent && s.flow->access().high_contrast ? ui::theme_from(high_contrast_theme()) : ui::default_theme();
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        io.MouseDown[0] = ptr.down || ptr.latched;
        ptr.latched = false;
        bool grace = false;
        if (!io.MouseDown[0] && ptr.release_grace) {
            grace = true;
            ptr.release_grace = false;
        }
        io.MousePos = (io.MouseDown[0] || grace) ? ptr.pos : ImVec2(-FLT_MAX, -FLT_MAX);
        if (!io.MouseDown[0] && !grace) ui.drag_active = false;
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
        ui.overflow.clear();
        ui.spoken.clear();
        ui.focused_label.clear();
        ui.want_frame = false;
        const std::string frame_key = s.screen_key();  // the screen this frame starts on (a tap may leave it)
        s.focus.begin_frame(frame_key);
        ui.words_scroll_up = s.t("list.scroll_up");
        ui.words_scroll_down = s.t("list.scroll_down");
        ui.focus_moved = s.focus.focused() != focus_before;
        const std::string screen = ui::draw_current(s, ui);
        s.focus.end_frame();
        if (ui.want_frame) frames_left = std::max(frames_left, 2);
        // Switch dwell: a bar fills along the focused item's lower edge until it is selected.
        if (const float dwell = s.focus.dwell_progress(); dwell > 0 && !ui.focused_label.empty()) {
            ImDrawList* dl = ImGui::GetForegroundDrawList();
            const float t = ui.px(0.3f);
            const ImVec2 a(ui.focused_min.x, ui.focused_max.y - t);
            const ImVec2 b(a.x + (ui.focused_max.x - a.x) * dwell, ui.focused_max.y);
            dl->AddRectFilled(ImVec2(a.x, a.y - t * 0.3f), ImVec2(b.x, b.y + t * 0.3f), ui.theme.focus_halo);
            dl->AddRectFilled(a, b, ui.theme.focus);
        }

        // Facilitator gesture: hold the bottom-left corner for 3 seconds (on screens with no respondent's answers).
        const bool corner_allowed =
            s.mode == Mode::Respondent && (!s.flow || s.flow->screen() == Screen::Attract ||
                                           s.flow->screen() == Screen::Thanks || s.flow->screen() == Screen::SaveFailed);
        if (corner_allowed) {
            const ImVec2 corner = corner_size(), at = corner_pos();
            ui.silent = true;  // an automation label, never read aloud
            ui.record_rect("Facilitator corner", at, corner);
            ui.silent = false;
            if (ptr.down && !corner_fired && in_rect(ptr.down_pos, at, corner) && in_rect(ptr.pos, at, corner)) {
                const auto held = clock.now() - ptr.down_at;
                if (held >= kCornerHold) {
                    corner_fired = true;
                    ui.drag_active = true;  // the lift that follows must not press a PIN key
                    s.facilitator_gesture();
                    log_info("Facilitator gesture");
                    frames_left = 3;
                } else if (held > Millis(500)) {
                    ui.drag_active = true;  // a hold in the corner is not a tap on what lies under it
                    const float frac = static_cast<float>(std::chrono::duration_cast<Millis>(held).count()) / 3000.f;
                    ImDrawList* dl = ImGui::GetForegroundDrawList();
                    const ImVec2 c(at.x + corner.x / 2, at.y + corner.y / 2);
                    dl->PathArcTo(c, ui.px(1.0f), -IM_PI / 2, -IM_PI / 2 + 2 * IM_PI * frac, 48);
                    dl->PathStroke(ui.theme.accent, 0, ui.px(0.25f));
                }
            }
        }
        ImGui::End();
        ImGui::Render();

        // Read aloud: the whole screen when it changes, then what was tapped or what the focus moved to.
        bool reading = respondent && s.flow->access().read_aloud && s.speaker;
        if (reading && s.speaker->voice_state(s.flow->language()) == VoiceState::Checking) {
            reading = false;  // the voices are still being listed (a few ms after start): try again next frame
            frames_left = std::max(frames_left, 1);
            std::this_thread::sleep_for(Millis(20));
        } else if (reading) {
            const std::string lang = s.flow->language();
            const std::string& key = frame_key;
            std::string say;
            if (key != spoken_screen || !was_reading) {
                std::string all = (!was_reading && !s.announce.empty()) ? s.announce : "";
                for (const auto& line : ui.spoken) all += (all.empty() ? "" : ". ") + line;
                say = all;
                spoken_screen = key;
            } else if (!s.announce.empty()) {
                say = s.announce;
            } else if (ui.focus_moved && !ui.focused_label.empty()) {
                say = ui.focused_label;
            }
            if (!say.empty() && !s.speaker->speak(lang, say)) s.speaker->stop();  // no voice: silence, not the last language
        } else if (was_reading) {
            s.speaker->stop();  // switched off, or the screen is no longer the respondent's
            spoken_screen.clear();
        }
        was_reading = reading;
        s.announce.clear();
        focus_before = s.focus.focused();
        glViewport(0, 0, static_cast<int>(io.DisplaySize.x), static_cast<int>(io.DisplaySize.y));
        glClearColor(0.98f, 0.97f, 0.95f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        SDL_GL_SwapWindow(window);

        if (automation.enabled()) {  // the extra state is built only for an automation file
            nlohmann::json extra = nlohmann::json::object();
            if (screen == "question") {
                extra["question"] = s.flow->question().id;
                extra["can_next"] = s.flow->can_next();
            }
            extra["texts"] = nlohmann::json::array();
            for (const auto& t : ui.texts)
                extra["texts"].push_back({{"text", t.label}, {"x", t.x}, {"y", t.y}, {"w", t.w}, {"h", t.h}});
            extra["overflow"] = ui.overflow;
            extra["inputs"] = inputs_seen;
            // More frames are coming (the settling frames after an input, or fonts to rebuild): tests wait.
            extra["pending"] = frames_left > 0 || s.fonts_dirty || !(wanted_fonts() == fonts_built);
            // Characters drawn this frame that the atlas has no glyph for (shown as "?"): must stay empty.
            std::string drawn;
            for (const auto& t : ui.spoken) drawn += t;
            for (const auto& w : ui.widgets) drawn += w.label;
            extra["missing_glyphs"] = nlohmann::json::array();
            for (unsigned cp : ui::missing_glyphs(ui.fonts, drawn)) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "U+%04X", cp);
                extra["missing_glyphs"].push_back(buf);
            }
            extra["focus"] = ui.focused_label;
            extra["lang"] = s.strings.lang();
            extra["em"] = ui.em;
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
                std::vector<std::string> typed = {s.edit_text};
                if (s.flow)
                    for (const auto& [id, a] : s.flow->answers()) typed.push_back(a.text);
                for (const auto& t : typed)
                    for (std::size_t at = 0; !t.empty() && (at = said.find(t, at)) != std::string::npos; at += 7)
                        said.replace(at, t.size(), "<typed>");
                extra["speech"] = {{"utterances", s.speaker->utterances()}, {"last", said}};
            }
            if (screen == "facilitator") {
                extra["problems"] = s.facilitator_problems();
                extra["sync"] = {{"hub", s.hub_url},
                                 {"state", s.sync_state_line()},
                                 {"waiting", s.counts.waiting_sync},
                                 {"sent", s.counts.acknowledged},
                                 {"quarantined", s.counts.quarantined},
                                 {"error", s.sync_is_error() ? s.sync_status.last_error : ""}};
            }
            if (screen == "pair_hub") extra["message"] = s.pair_message;
            if (screen == "attract") extra["staff_notice"] = !s.facilitator_problems().empty();
            if (screen == "pin" || screen == "pin_setup") {
                extra["message"] = s.pin_message;
                extra["locked"] = s.pin_guard.locked();
            }
            automation.frame(screen, ui.widgets, extra);
        }
        if (first_frame) {
            first_frame = false;
            io.Fonts->ClearTexData();  // the first atlas is on the GPU now
            if (opts.exit_after_first_frame) s.quit = true;
        }
        if (opts.always_redraw) std::this_thread::sleep_for(Millis(16));  // as a 60 Hz display would pace it
    }

    s.stop_background();  // the sync thread's wake-ups must stop before SDL does
    log_info("Engage kiosk exiting");
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    SDL_GL_DeleteContext(gl);
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 0;
}

}  // namespace engage
