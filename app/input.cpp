#include "input.h"

#include <imgui_impl_sdl.h>
#include <imgui_internal.h>

#include <chrono>

#include "engage/log.h"
#include "ui/fonts.h"
#include "ui/screens.h"

namespace engage {
namespace {

bool in_rect(ImVec2 p, ImVec2 a, ImVec2 size) { return p.x >= a.x && p.y >= a.y && p.x < a.x + size.x && p.y < a.y + size.y; }

}  // namespace

bool InputRouter::keyboard_showing() const {
    if (!s_.top().takes_typing()) return false;
    // A respondent's keyboard covered by the idle warning takes no typing.
    return !(s_.top().for_respondent() && s_.flow && s_.flow->screen() != Screen::Question);
}

bool InputRouter::handle(const SDL_Event& ev) {
    ImGui_ImplSDL2_ProcessEvent(&ev);
    bool input = true;
    switch (ev.type) {
        case SDL_QUIT:
            if (s_.config.windowed) s_.quit = true;  // in kiosk mode only the facilitator (with the PIN) exits
            break;
        case SDL_MOUSEBUTTONDOWN:
            if (ev.button.button == SDL_BUTTON_LEFT) {
                down_ = latched_ = true;
                pos_ = down_pos_ = ImVec2(static_cast<float>(ev.button.x), static_cast<float>(ev.button.y));
                down_at_ = s_.time.now();
                corner_fired_ = false;
                drag_ = false;
                drag_y_ = down_pos_.y;
                drag_dy_ = 0;
            }
            break;
        case SDL_MOUSEBUTTONUP:
            if (ev.button.button == SDL_BUTTON_LEFT) {
                pos_ = ImVec2(static_cast<float>(ev.button.x), static_cast<float>(ev.button.y));
                if (down_) follow_drag();
                down_ = false;
                release_grace_ = true;
            }
            break;
        case SDL_MOUSEMOTION:
            pos_ = ImVec2(static_cast<float>(ev.motion.x), static_cast<float>(ev.motion.y));
            if (down_) follow_drag();
            input = down_;
            break;
        case SDL_TEXTINPUT:
            if (swallow_space_ && std::string(ev.text.text) == " ") {
                swallow_space_ = false;
                break;
            }
            if (keyboard_showing()) {
                const std::string t = ev.text.text;
                s_.focus.clear();  // someone typing on a real keyboard: Space types, Enter is Done
                // A physical keyboard (with the system's input method, e.g. for Chinese) can type letters the
                // atlas does not hold yet: add them and rebuild before the next frame.
                if (!ui::missing_glyphs(ui_.fonts, t).empty() && s_.extra_glyphs.size() < 64 * 1024) {
                    s_.extra_glyphs += t;
                    s_.fonts_dirty = true;
                }
                s_.top().type(s_, t);
            }
            break;
        case SDL_KEYDOWN: {
            // Keyboard and switch access: the app's own focus order (ImGui 1.86's does not reach our buttons).
            const SDL_Keycode k = ev.key.keysym.sym;
            const bool shift = (ev.key.keysym.mod & KMOD_SHIFT) != 0;
            const SwitchMode sw = s_.focus.switch_mode();
            swallow_space_ = false;
            // A held key (or a switch held down) presses or steps once: no auto-repeat for these.
            const bool presses = k == SDLK_SPACE || k == SDLK_RETURN || k == SDLK_KP_ENTER;
            if (ev.key.repeat && (presses || sw != SwitchMode::Off)) {
                swallow_space_ = k == SDLK_SPACE && (sw != SwitchMode::Off || !s_.focus.focused().empty());
                break;
            }
            if (k == SDLK_TAB) s_.focus.key(shift ? NavKey::Prev : NavKey::Next);
            else if (k == SDLK_UP) s_.focus.key(NavKey::Up);
            else if (k == SDLK_DOWN) s_.focus.key(NavKey::Down);
            else if (k == SDLK_LEFT) s_.focus.key(NavKey::Left);
            else if (k == SDLK_RIGHT) s_.focus.key(NavKey::Right);
            else if (k == SDLK_SPACE) {
                // Space steps a switch user on; otherwise it presses the focused widget. With nothing focused it
                // is a typed space on the keyboard screen.
                if (sw != SwitchMode::Off) {
                    s_.focus.key(NavKey::SwitchStep);
                    swallow_space_ = true;
                } else {
                    swallow_space_ = s_.focus.key(NavKey::Activate);
                }
            } else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
                const bool pressed = s_.focus.key(sw == SwitchMode::Off ? NavKey::Activate : NavKey::SwitchSelect);
                if (!pressed && keyboard_showing()) s_.top().enter(s_);
            } else if (k == SDLK_BACKSPACE && keyboard_showing()) {
                s_.top().erase(s_);  // held, it repeats (the system's key repeat)
            }
            break;
        }
        case SDL_WINDOWEVENT:
            // A lost button-up (focus taken away mid-press) must not leave a finger "down" for ever.
            if (ev.window.event == SDL_WINDOWEVENT_FOCUS_LOST) down_ = false;
            input = false;
            break;
        default: input = false; break;
    }
    if (ev.type == SDL_MOUSEBUTTONUP || ev.type == SDL_KEYDOWN || ev.type == SDL_TEXTINPUT) ++inputs_;
    return input;
}

void InputRouter::follow_drag() {
    if (!drag_) {
        const float dx = pos_.x - down_pos_.x, dy = pos_.y - down_pos_.y;
        drag_ = dx * dx + dy * dy >= ui_.px(0.4f) * ui_.px(0.4f);
    }
    if (!drag_) return;
    drag_dy_ += pos_.y - drag_y_;  // the first step brings the list to the finger: nothing is lost to the threshold
    drag_y_ = pos_.y;
}

void InputRouter::feed_imgui() {
    ImGuiIO& io = ImGui::GetIO();
    io.MouseDown[0] = down_ || latched_;
    // The first frame of a press puts the pointer where the finger went down: when a whole slide came within
    // one frame, ImGui sees a press there and the release where it lifted (not a tap on what lies there).
    const bool first = latched_;
    latched_ = false;
    bool grace = false;
    if (!io.MouseDown[0] && release_grace_) {
        grace = true;
        release_grace_ = false;
    }
    io.MousePos = (io.MouseDown[0] || grace) ? logical(first ? down_pos_ : pos_) : ImVec2(-FLT_MAX, -FLT_MAX);
    // A list that the drag started in scrolls by what the finger moved since the last frame (ScrollList::begin).
    ui_.dragging = drag_ && (io.MouseDown[0] || grace);
    ui_.drag_from = logical(down_pos_);
    ui_.drag_dy = ui_.dragging ? drag_dy_ : 0;
    drag_dy_ = 0;
    if (!io.MouseDown[0] && !grace) ui_.drag_active = false;
}

bool InputRouter::corner_held() const {
    const ImVec2 size(ui_.corner(), ui_.corner());
    return down_ && !corner_fired_ && in_rect(logical(down_pos_), corner_pos(), size);
}

void InputRouter::corner(bool allowed, Actions& act) {
    if (!allowed) return;
    const ImVec2 size(ui_.corner(), ui_.corner()), at = corner_pos();
    ui_.silent = true;  // an automation label, never read aloud
    ui_.record_rect("Facilitator corner", at, size, "facilitator.corner");
    ui_.silent = false;
    if (!(down_ && !corner_fired_ && in_rect(logical(down_pos_), at, size) && in_rect(logical(pos_), at, size))) return;
    const auto held = s_.time.now() - down_at_;
    if (held >= kCornerHold) {
        corner_fired_ = true;
        ui_.drag_active = true;  // the lift that follows must not press a PIN key
        log_info("Facilitator gesture");
        act([](KioskState& s) {
            if (s.flow && s.flow->screen() != Screen::Attract) s.flow->reset();  // never leave answers on show
            s.pop_to_root();
            if (!s.store) s.push(std::make_unique<ui::FacilitatorScreen>());  // storage broken: the panel says why
            else s.push(std::make_unique<ui::PinScreen>(s, s.has_pin() ? ui::PinScreen::Purpose::Enter
                                                                        : ui::PinScreen::Purpose::Choose));
        });
    } else if (held > Millis(500)) {
        ui_.drag_active = true;  // a hold in the corner is not a tap on what lies under it
        const float frac = static_cast<float>(std::chrono::duration_cast<Millis>(held).count()) / 3000.f;
        ImDrawList* dl = ImGui::GetForegroundDrawList();
        const ImVec2 c(at.x + size.x / 2, at.y + size.y / 2);
        dl->PathArcTo(c, ui_.px(1.0f), -IM_PI / 2, -IM_PI / 2 + 2 * IM_PI * frac, 48);
        dl->PathStroke(ui_.theme.accent, 0, ui_.px(0.25f));
    }
}

}  // namespace engage
