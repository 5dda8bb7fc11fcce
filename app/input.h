// The input router: SDL events to the kiosk. It owns the pointer (ImGui 1.86 on a touch screen leaves hover
// stuck after the finger lifts, so the pointer exists for ImGui only while pressed and for the one frame after
// release that completes a tap), keyboard and switch access, typing into the on-screen keyboard, and the
// facilitator's hold-to-open corner.
#pragma once
#include <SDL.h>
#include <imgui.h>

#include <cfloat>
#include <cstdint>

#include "view.h"
#include "state.h"
#include "ui/ui.h"

namespace engage {

class InputRouter {
public:
    InputRouter(KioskState& s, ui::Ui& ui) : s_(s), ui_(ui) {}
    // One SDL event. True when it was a person's input (a touch, a key, typing).
    bool handle(const SDL_Event& ev);
    // Puts the pointer into ImGui for the frame about to be drawn.
    void feed_imgui();
    // The bottom-left square held for 3 s opens the facilitator's PIN pad (on screens with no answers on
    // show). Draws the filling ring while held.
    void corner(bool allowed, Actions& act);
    bool corner_held() const;  // a finger is in the corner and the gesture has not fired: redraw often
    std::int64_t inputs() const { return inputs_; }

    static constexpr Millis kCornerHold{3000};

private:
    ImVec2 corner_pos() const { return ImVec2(0, ui_.size.y - ui_.corner()); }
    // Where a point on the glass is on the screen as drawn: a mirrored (right-to-left) screen is drawn left to
    // right and flipped, so the finger's x is flipped back.
    ImVec2 logical(ImVec2 p) const { return ui_.mirror && p.x > -FLT_MAX ? ImVec2(ui_.size.x - p.x, p.y) : p; }
    bool keyboard_showing() const;
    KioskState& s_;
    ui::Ui& ui_;
    ImVec2 pos_{-FLT_MAX, -FLT_MAX};
    bool down_ = false;
    bool latched_ = false;      // pressed since the last frame (a tap shorter than a frame still counts)
    bool release_grace_ = false;
    TimePoint down_at_{};
    ImVec2 down_pos_{};
    // A drag, followed event by event (a slow frame can hold a whole flick: ImGui sees only where it ended).
    bool drag_ = false;         // the finger has moved 0.4 em from where it went down
    float drag_y_ = 0;          // the y the list has been moved to follow so far
    float drag_dy_ = 0;         // moved since the last frame
    void follow_drag();
    bool corner_fired_ = false;
    bool swallow_space_ = false;   // Space pressed a focused widget: the text input it also makes is not typed
    std::int64_t inputs_ = 0;      // taps and keys handled, for the automation file (tests wait for their input)
};

}  // namespace engage
