// The kiosk's own keyboard and switch focus. ImGui 1.86's navigation does not reach our widgets (they are
// InvisibleButtons drawn by hand), so each frame the UI registers its focusable widgets here, in draw order,
// with an id and a rectangle; keys act on the list of the last complete frame. No UI includes.
//
//   each frame:   begin_frame(screen) -> add(id, rect) per widget (is_focused / take_activation) -> end_frame()
//   between:      key(...) for Tab, arrows, Enter, switches; tick() when next_deadline() comes (dwell)
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engage/clock.h"

namespace engage {

struct FocusRect {
    float x, y, w, h;
};

struct FocusItem {
    std::string id;
    FocusRect rect;
    std::string group;  // an optional hint such as "list:options"; no behaviour depends on it
};

enum class NavKey { Next, Prev, Up, Down, Left, Right, Activate, SwitchStep, SwitchSelect };

enum class SwitchMode {
    Off,      // SwitchStep acts as Next and SwitchSelect as Activate
    TwoKeys,  // one key steps, another selects
    Dwell,    // one key steps; resting on an item for the dwell time selects it (once); the other key selects
};

class FocusNav {
public:
    explicit FocusNav(const TimeSource& time);

    // A screen_key different from the last frame's clears the focus (no ring until the next key press), any
    // queued activation and the dwell timer.
    void begin_frame(const std::string& screen_key);
    // Registers a focusable widget, in draw order. A repeated id in one frame is ignored.
    void add(const std::string& id, FocusRect r, const std::string& group = "");
    // The list becomes the one keys act on. A focus on an id that vanished moves to the nearest item in the
    // old order that is still there (the following one on a tie), or to none. An activation queued before
    // this frame began is dropped here whether it was taken or not (so one whose id was not drawn is lost).
    void end_frame();

    // Next/Prev: draw order, wrapping; with no focus Next goes to the first item and Prev to the last.
    // Up/Down/Left/Right: the nearest item that lies that way (see focus.cpp); none: stay. With no focus any
    // arrow focuses the first item. Activate: queues an activation of the focused id (false with no focus).
    // SwitchStep: Next, and (Dwell) restarts the dwell timer. SwitchSelect: Activate (any mode).
    // Returns true if something changed: the focus moved or appeared, an activation was queued, or the
    // dwell timer restarted.
    bool key(NavKey k);

    const std::string& focused() const { return focused_; }  // "" = none (no ring shown)
    bool is_focused(const std::string& id) const { return !focused_.empty() && focused_ == id; }
    // True once, in the frame after Activate / SwitchSelect / a dwell, for the id that was focused then;
    // the widget then acts as if tapped.
    bool take_activation(const std::string& id);
    // Moves the focus without a key (e.g. a tap); stops the dwell timer. An empty id clears the focus.
    void set_focus(const std::string& id);
    // No focus, no queued activation, no dwell.
    void clear();

    // Switch scanning.
    void set_switch(SwitchMode m, Millis dwell = Millis(2500));
    SwitchMode switch_mode() const { return mode_; }
    Millis dwell() const { return dwell_; }
    // When tick() must run (a dwell in progress), for an event loop that sleeps; none otherwise.
    std::optional<TimePoint> next_deadline() const;
    // Dwell: queues the activation when the focus has rested `dwell` since the last SwitchStep; true if so.
    // Fires once: the timer re-arms only with the next SwitchStep.
    bool tick();
    // 0..1 while a dwell runs (for a filling ring); 0 otherwise.
    float dwell_progress() const;

    // The list of the last complete frame, and the focused item's rectangle in it (e.g. to scroll it into view).
    const std::vector<FocusItem>& items() const { return items_; }
    std::optional<FocusRect> focused_rect() const;
    // True while an activation is queued (the app may want to draw a frame for it).
    bool activation_pending() const { return !pending_.empty(); }

private:
    int index_of(const std::string& id) const;  // in items_, -1 if absent
    bool move_to(int index);                    // focus items_[index]; true if the focus changed
    bool spatial(NavKey k);
    bool activate();
    void disarm() { armed_ = false; }

    const TimeSource& time_;
    std::vector<FocusItem> items_;     // the last complete frame
    std::vector<FocusItem> building_;  // the frame being drawn
    std::string screen_;
    bool has_screen_ = false;
    std::string focused_;
    std::string pending_;              // an activation for this id ...
    unsigned long pending_for_ = 0;    // ... in the frame with this number (or later, until taken or dropped)
    unsigned long frame_ = 0;          // begin_frame count
    bool frame_open_ = false;
    SwitchMode mode_ = SwitchMode::Off;
    Millis dwell_{2500};
    bool armed_ = false;               // Dwell: the timer runs from dwell_start_
    TimePoint dwell_start_{};
};

}  // namespace engage
