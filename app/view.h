// A screen of the kiosk (a View, in the manner of ImHex's views): each screen owns its state and draws it in
// draw_content(). Drawing never saves, never changes the flow and never opens or closes a screen: it
// returns Actions, which the event loop runs after the frame. Screens sit on a stack (KioskState::screens):
// the respondent's screen at the bottom, the keyboard, the language list and the facilitator's screens above.
// No ImGui or SDL here.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace engage {

struct KioskState;
namespace ui {
struct Ui;
}

// Something a screen wants done, run by the event loop once the frame is drawn.
using Action = std::function<void(KioskState&)>;

class Actions {
public:
    void operator()(Action a) { list_.push_back(std::move(a)); }
    bool empty() const { return list_.empty(); }
    // Runs every action in order (an action may add more: they run too).
    void run(KioskState& s);

private:
    std::vector<Action> list_;
};

class View {
public:
    virtual ~View() = default;
    // The screen's name in the automation file ("question", "keyboard", "pin", ...).
    virtual std::string name(const KioskState& s) const = 0;
    virtual void draw_content(KioskState& s, ui::Ui& ui, Actions& act) = 0;
    // A respondent's screen: the access bar shows, and the person's language and text size apply.
    virtual bool for_respondent() const { return false; }
    // Changes whenever what is shown is a different screen (read aloud speaks it anew, the focus resets).
    virtual std::string key(const KioskState& s) const { return name(s); }
    // Extra fields for the automation line.
    virtual void automation(const KioskState&, nlohmann::json&) const {}
    // Called every turn of the event loop (not only when drawing): true when the screen must be drawn again
    // (a background job moved on). Only the screens on the stack are polled.
    virtual bool poll(KioskState&) { return false; }
    // The on-screen keyboard takes typing from a physical keyboard.
    virtual bool takes_typing() const { return false; }
    virtual void type(KioskState&, const std::string& /*utf8*/) {}
    virtual void erase(KioskState&) {}
    virtual void enter(KioskState&) {}
};

}  // namespace engage
