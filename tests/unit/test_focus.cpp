// The kiosk's own keyboard and switch focus: draw order, spatial arrows on real layouts, frames, activation,
// switch scanning with a manual clock.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "engage/focus.h"

using namespace engage;
using namespace std::chrono_literals;

namespace {

using Layout = std::vector<std::pair<std::string, FocusRect>>;

void frame(FocusNav& nav, const Layout& items, const std::string& screen = "s") {
    nav.begin_frame(screen);
    for (const auto& [id, r] : items) nav.add(id, r);
    nav.end_frame();
}

// Draws a frame as the UI does: every widget registers and asks for its activation. Returns the ids that
// were activated.
std::vector<std::string> draw(FocusNav& nav, const Layout& items, const std::string& screen = "s") {
    std::vector<std::string> taken;
    nav.begin_frame(screen);
    for (const auto& [id, r] : items) {
        nav.add(id, r);
        if (nav.take_activation(id)) taken.push_back(id);
    }
    nav.end_frame();
    return taken;
}

using Ids = std::vector<std::string>;

Layout row(const std::vector<std::string>& ids) {
    Layout l;
    float x = 0;
    for (const auto& id : ids) {
        l.push_back({id, FocusRect{x, 0, 100, 50}});
        x += 110;
    }
    return l;
}

// A phone-style keypad, 3 x 4: 1 2 3 / 4 5 6 / 7 8 9 / * 0 #, keys 100 px with 10 px gaps.
Layout keypad() {
    const char* keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"};
    Layout l;
    for (int i = 0; i < 12; ++i)
        l.push_back({keys[i], FocusRect{100.f + static_cast<float>(i % 3) * 110.f, 100.f + static_cast<float>(i / 3) * 110.f, 100, 100}});
    return l;
}

// The on-screen keyboard as screen_keyboard.cpp draws the Latin layout (core/keyboard.cpp): a Cancel button
// above; four rows of ten keys and a bottom row of uneven keys, every row scaled to the full 1000 px.
Layout qwerty() {
    Layout l;
    l.push_back({"Cancel", FocusRect{0, 220, 168, 48}});
    const std::vector<std::vector<std::pair<std::string, float>>> rows = {
        {{"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}, {"6", 1}, {"7", 1}, {"8", 1}, {"9", 1}, {"0", 1}},
        {{"q", 1}, {"w", 1}, {"e", 1}, {"r", 1}, {"t", 1}, {"y", 1}, {"u", 1}, {"i", 1}, {"o", 1}, {"p", 1}},
        {{"a", 1}, {"s", 1}, {"d", 1}, {"f", 1}, {"g", 1}, {"h", 1}, {"j", 1}, {"k", 1}, {"l", 1}, {"'", 1}},
        {{"z", 1}, {"x", 1}, {"c", 1}, {"v", 1}, {"b", 1}, {"n", 1}, {"m", 1}, {",", 1}, {".", 1}, {"?", 1}},
        {{"Shift", 1.2f}, {"?123", 1.8f}, {"accents", 1.5f}, {"Space", 3.5f}, {"Delete", 1.2f}, {"Done", 2.0f}},
    };
    const float gap = 8, key_h = 60;
    float y = 300;
    for (const auto& r : rows) {
        float units = 0;
        for (const auto& k : r) units += k.second;
        const float unit = (1000 - gap * static_cast<float>(r.size() - 1)) / units;
        float x = 0;
        for (const auto& [id, w] : r) {
            l.push_back({id, FocusRect{x, y, unit * w, key_h}});
            x += unit * w + gap;
        }
        y += key_h + gap;
    }
    return l;
}

// A question with four full-width options and Back / Next below them.
Layout options_with_nav() {
    Layout l;
    for (int i = 0; i < 4; ++i) l.push_back({"opt" + std::to_string(i), FocusRect{40, 200.f + 90.f * static_cast<float>(i), 1200, 80}});
    l.push_back({"Back", FocusRect{40, 700, 224, 80}});
    l.push_back({"Next", FocusRect{1016, 700, 224, 80}});
    return l;
}

// A 0..10 scale: eleven 80 px buttons, then Back / Next.
Layout scale_with_nav() {
    Layout l;
    for (int v = 0; v <= 10; ++v) l.push_back({std::to_string(v), FocusRect{100.f + 90.f * static_cast<float>(v), 300, 80, 80}});
    l.push_back({"Back", FocusRect{40, 700, 224, 80}});
    l.push_back({"Next", FocusRect{1016, 700, 224, 80}});
    return l;
}

// Focus `from`, press `k`, return where the focus went.
std::string go(FocusNav& nav, const std::string& from, NavKey k) {
    nav.set_focus(from);
    nav.key(k);
    return nav.focused();
}

}  // namespace

TEST_CASE("focus: Tab follows draw order and wraps, Shift-Tab from none goes last", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    CHECK_FALSE(nav.key(NavKey::Next));  // nothing drawn yet
    frame(nav, row({"a", "b", "c"}));
    CHECK(nav.focused().empty());
    CHECK_FALSE(nav.is_focused(""));
    CHECK(nav.key(NavKey::Next));
    CHECK(nav.focused() == "a");
    CHECK(nav.is_focused("a"));
    CHECK(nav.key(NavKey::Next));
    CHECK(nav.focused() == "b");
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "c");
    CHECK(nav.key(NavKey::Next));
    CHECK(nav.focused() == "a");  // wraps
    CHECK(nav.key(NavKey::Prev));
    CHECK(nav.focused() == "c");  // and back
    nav.key(NavKey::Prev);
    CHECK(nav.focused() == "b");

    nav.clear();
    CHECK(nav.focused().empty());
    CHECK(nav.key(NavKey::Prev));
    CHECK(nav.focused() == "c");  // Shift-Tab from none: the last

    nav.clear();
    CHECK(nav.key(NavKey::Right));
    CHECK(nav.focused() == "a");  // any arrow from none: the first
    nav.clear();
    CHECK(nav.key(NavKey::Up));
    CHECK(nav.focused() == "a");

    REQUIRE(nav.focused_rect());
    CHECK(nav.focused_rect()->x == 0);
    CHECK(nav.items().size() == 3);

    // One item: Tab stays on it and reports no change.
    frame(nav, row({"a"}));
    CHECK_FALSE(nav.key(NavKey::Next));
    CHECK(nav.focused() == "a");
}

TEST_CASE("focus: a repeated id in one frame is registered once", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    Layout l = row({"a", "b"});
    l.push_back({"a", FocusRect{500, 0, 10, 10}});
    frame(nav, l);
    REQUIRE(nav.items().size() == 2);
    CHECK(nav.items()[0].rect.x == 0);
}

TEST_CASE("focus: arrows on a 3x4 keypad", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, keypad());
    CHECK(go(nav, "2", NavKey::Down) == "5");
    CHECK(go(nav, "5", NavKey::Down) == "8");
    CHECK(go(nav, "8", NavKey::Down) == "0");
    CHECK(go(nav, "0", NavKey::Down) == "0");  // the bottom: stays, no wrap
    CHECK(go(nav, "0", NavKey::Up) == "8");
    CHECK(go(nav, "1", NavKey::Right) == "2");
    CHECK(go(nav, "2", NavKey::Right) == "3");
    CHECK(go(nav, "3", NavKey::Right) == "3");  // the edge: stays
    CHECK(go(nav, "1", NavKey::Left) == "1");
    CHECK(go(nav, "1", NavKey::Up) == "1");
    CHECK(go(nav, "7", NavKey::Down) == "*");
    CHECK(go(nav, "#", NavKey::Up) == "9");
    CHECK(go(nav, "#", NavKey::Left) == "0");
    CHECK(go(nav, "4", NavKey::Right) == "5");
    CHECK(go(nav, "6", NavKey::Left) == "5");
    CHECK(go(nav, "9", NavKey::Down) == "#");

    nav.set_focus("3");
    CHECK_FALSE(nav.key(NavKey::Right));  // nothing changed
    CHECK(nav.focused() == "3");
}

TEST_CASE("focus: arrows on the on-screen keyboard with uneven rows", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, qwerty());
    CHECK(go(nav, "q", NavKey::Down) == "a");
    CHECK(go(nav, "a", NavKey::Up) == "q");
    CHECK(go(nav, "1", NavKey::Down) == "q");
    CHECK(go(nav, "p", NavKey::Down) == "'");
    CHECK(go(nav, "p", NavKey::Right) == "p");  // the end of a row: stays
    CHECK(go(nav, "q", NavKey::Left) == "q");
    CHECK(go(nav, "t", NavKey::Right) == "y");
    // Into the bottom row: the key below, by overlap, then by the nearer centre.
    CHECK(go(nav, "z", NavKey::Down) == "Shift");
    CHECK(go(nav, "c", NavKey::Down) == "?123");
    CHECK(go(nav, "v", NavKey::Down) == "accents");
    CHECK(go(nav, "b", NavKey::Down) == "Space");
    CHECK(go(nav, "n", NavKey::Down) == "Space");
    CHECK(go(nav, "m", NavKey::Down) == "Space");
    CHECK(go(nav, ",", NavKey::Down) == "Delete");
    CHECK(go(nav, "?", NavKey::Down) == "Done");
    CHECK(go(nav, "Done", NavKey::Down) == "Done");
    // Out of the wide space bar: the key above its middle.
    CHECK(go(nav, "Space", NavKey::Up) == "n");
    CHECK(go(nav, "Space", NavKey::Right) == "Delete");
    CHECK(go(nav, "Space", NavKey::Left) == "accents");
    CHECK(go(nav, "Done", NavKey::Up) == "?");
    CHECK(go(nav, "Done", NavKey::Right) == "Done");
    CHECK(go(nav, "Shift", NavKey::Left) == "Shift");
    CHECK(go(nav, "Shift", NavKey::Up) == "z");
    // Cancel sits above the left end of the digits.
    CHECK(go(nav, "1", NavKey::Up) == "Cancel");
    CHECK(go(nav, "2", NavKey::Up) == "Cancel");
    CHECK(go(nav, "5", NavKey::Up) == "5");  // far to the right of it: more than 45 degrees off
    CHECK(go(nav, "Cancel", NavKey::Down) == "1");
    CHECK(go(nav, "Cancel", NavKey::Right) == "Cancel");
}

TEST_CASE("focus: arrows on a list of options with Back and Next below", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, options_with_nav());
    CHECK(go(nav, "opt0", NavKey::Down) == "opt1");
    CHECK(go(nav, "opt2", NavKey::Up) == "opt1");
    CHECK(go(nav, "opt0", NavKey::Up) == "opt0");
    CHECK(go(nav, "opt1", NavKey::Left) == "opt1");   // a full-width row: Back below is not to its left
    CHECK(go(nav, "opt1", NavKey::Right) == "opt1");  // nor Next to its right
    CHECK(go(nav, "opt3", NavKey::Down) == "Back");   // equally near: the earlier drawn
    CHECK(go(nav, "Back", NavKey::Up) == "opt3");
    CHECK(go(nav, "Next", NavKey::Up) == "opt3");
    CHECK(go(nav, "Back", NavKey::Right) == "Next");
    CHECK(go(nav, "Next", NavKey::Left) == "Back");
    CHECK(go(nav, "Next", NavKey::Down) == "Next");
    CHECK(go(nav, "Next", NavKey::Right) == "Next");
    // Tab order is the draw order: the options, Back, Next.
    nav.set_focus("opt3");
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "Back");
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "Next");
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "opt0");
}

TEST_CASE("focus: arrows on a row of eleven scale buttons", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, scale_with_nav());
    CHECK(go(nav, "0", NavKey::Right) == "1");
    CHECK(go(nav, "4", NavKey::Right) == "5");
    CHECK(go(nav, "9", NavKey::Right) == "10");
    CHECK(go(nav, "10", NavKey::Right) == "10");  // Next is below, not to the right
    CHECK(go(nav, "10", NavKey::Left) == "9");
    CHECK(go(nav, "0", NavKey::Left) == "0");
    CHECK(go(nav, "5", NavKey::Up) == "5");
    CHECK(go(nav, "0", NavKey::Down) == "Back");
    CHECK(go(nav, "1", NavKey::Down) == "Back");
    CHECK(go(nav, "10", NavKey::Down) == "Next");
    CHECK(go(nav, "9", NavKey::Down) == "Next");
    CHECK(go(nav, "5", NavKey::Down) == "Back");  // within 45 degrees of Back only
    CHECK(go(nav, "6", NavKey::Down) == "Next");
    CHECK(go(nav, "Back", NavKey::Up) == "0");
    CHECK(go(nav, "Next", NavKey::Up) == "10");
    CHECK(go(nav, "Back", NavKey::Right) == "Next");
}

TEST_CASE("focus: a new screen clears the focus; the same screen keeps it", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, row({"a", "b"}), "question:q1");
    nav.key(NavKey::Next);
    nav.key(NavKey::Next);
    REQUIRE(nav.focused() == "b");
    frame(nav, row({"a", "b"}), "question:q1");
    CHECK(nav.focused() == "b");
    nav.key(NavKey::Activate);
    nav.begin_frame("question:q2");  // the same ids on another screen
    CHECK(nav.focused().empty());
    nav.add("a", FocusRect{0, 0, 100, 50});
    nav.add("b", FocusRect{110, 0, 100, 50});
    CHECK_FALSE(nav.take_activation("b"));  // an activation never crosses to another screen
    nav.end_frame();
    CHECK(nav.focused().empty());  // no ring until the next key
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "a");
}

TEST_CASE("focus: a focused id that vanishes moves to the nearest in order, or none", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, row({"a", "b", "c", "d", "e"}));
    nav.set_focus("c");
    frame(nav, row({"a", "b", "d", "e"}));
    CHECK(nav.focused() == "d");  // equally near: the following one
    frame(nav, row({"a", "b", "e"}));
    CHECK(nav.focused() == "e");
    frame(nav, row({"a", "b"}));
    CHECK(nav.focused() == "b");  // nothing follows: the one before
    frame(nav, row({"x", "y"}));
    CHECK(nav.focused().empty());  // none of the old ones is left
    nav.key(NavKey::Next);
    CHECK(nav.focused() == "x");
    frame(nav, {});
    CHECK(nav.focused().empty());

    // Next becomes disabled (no longer focusable): Back, just before it, takes the focus.
    frame(nav, options_with_nav());
    nav.set_focus("Next");
    Layout without_next = options_with_nav();
    without_next.pop_back();
    frame(nav, without_next);
    CHECK(nav.focused() == "Back");

    // set_focus on an id that is not drawn next frame: none.
    nav.set_focus("nowhere");
    frame(nav, row({"a"}));
    CHECK(nav.focused().empty());
}

TEST_CASE("focus: an activation is taken once, by the focused id, in the next frame", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, row({"a", "b", "c"}));
    CHECK_FALSE(nav.key(NavKey::Activate));  // no focus: nothing (Enter may mean something else)
    CHECK_FALSE(nav.activation_pending());
    nav.key(NavKey::Next);
    nav.key(NavKey::Next);
    REQUIRE(nav.focused() == "b");
    CHECK(nav.key(NavKey::Activate));
    CHECK(nav.activation_pending());
    CHECK_FALSE(nav.take_activation("b"));  // not before the next frame

    nav.begin_frame("s");
    nav.add("a", FocusRect{0, 0, 100, 50});
    CHECK_FALSE(nav.take_activation("a"));
    nav.add("b", FocusRect{110, 0, 100, 50});
    CHECK(nav.take_activation("b"));
    CHECK_FALSE(nav.take_activation("b"));  // once
    nav.add("c", FocusRect{220, 0, 100, 50});
    CHECK_FALSE(nav.take_activation("c"));
    nav.end_frame();
    CHECK(nav.focused() == "b");  // the focus stays

    // Not taken in the frame after: dropped.
    nav.key(NavKey::SwitchSelect);
    frame(nav, row({"a", "b", "c"}));
    CHECK_FALSE(nav.activation_pending());
    CHECK(draw(nav, row({"a", "b", "c"})).empty());

    // A key pressed while a frame is being drawn acts in the following frame.
    nav.begin_frame("s");
    nav.add("a", FocusRect{0, 0, 100, 50});
    nav.add("b", FocusRect{110, 0, 100, 50});
    nav.key(NavKey::Activate);
    CHECK_FALSE(nav.take_activation("b"));
    nav.end_frame();
    CHECK(draw(nav, row({"a", "b", "c"})) == Ids{"b"});
    CHECK(draw(nav, row({"a", "b", "c"})).empty());
}

TEST_CASE("focus: an activation for an id not drawn next frame is dropped", "[focus]") {
    ManualTime t;
    FocusNav nav(t);
    frame(nav, row({"a", "b", "c"}));
    nav.set_focus("b");
    nav.key(NavKey::Activate);
    frame(nav, row({"a", "c"}));  // b is gone (e.g. disabled)
    CHECK_FALSE(nav.activation_pending());
    CHECK(nav.focused() == "c");
    CHECK(draw(nav, row({"a", "b", "c"})).empty());  // back again: too late; nor does it pass to the new focus
    CHECK(nav.focused() == "c");
}

TEST_CASE("focus: dwell selects once after resting the dwell time; a step restarts it", "[focus][switch]") {
    ManualTime t;
    FocusNav nav(t);
    nav.set_switch(SwitchMode::Dwell, 2500ms);
    CHECK(nav.switch_mode() == SwitchMode::Dwell);
    CHECK(nav.dwell() == 2500ms);
    frame(nav, row({"a", "b", "c"}));
    CHECK_FALSE(nav.next_deadline());
    CHECK(nav.dwell_progress() == 0.f);

    const TimePoint t0 = t.now();
    CHECK(nav.key(NavKey::SwitchStep));
    CHECK(nav.focused() == "a");
    REQUIRE(nav.next_deadline());
    CHECK(*nav.next_deadline() == t0 + 2500ms);
    t.advance(1250ms);
    CHECK(nav.dwell_progress() == Approx(0.5f));
    t.advance(1249ms);
    CHECK_FALSE(nav.tick());
    CHECK_FALSE(nav.activation_pending());
    t.advance(1ms);
    CHECK(nav.dwell_progress() == Approx(1.0f));
    CHECK(nav.tick());  // exactly at the dwell
    CHECK(nav.activation_pending());
    CHECK_FALSE(nav.next_deadline());  // does not re-arm
    CHECK(nav.dwell_progress() == 0.f);
    CHECK_FALSE(nav.tick());
    CHECK(draw(nav, row({"a", "b", "c"})) == Ids{"a"});
    t.advance(10s);
    CHECK_FALSE(nav.tick());  // nothing repeats on its own
    CHECK(nav.focused() == "a");  // the focus stays put

    // A step restarts the timer.
    CHECK(nav.key(NavKey::SwitchStep));
    CHECK(nav.focused() == "b");
    t.advance(2000ms);
    CHECK_FALSE(nav.tick());
    nav.key(NavKey::SwitchStep);
    CHECK(nav.focused() == "c");
    CHECK(*nav.next_deadline() == t.now() + 2500ms);
    t.advance(2000ms);
    CHECK_FALSE(nav.tick());  // 4 s on the scan, 2 s on c
    t.advance(499ms);
    CHECK_FALSE(nav.tick());
    t.advance(1ms);
    CHECK(nav.tick());
    CHECK(draw(nav, row({"a", "b", "c"})) == Ids{"c"});

    // The select switch acts at once in Dwell mode too, and the dwell does not fire again after it.
    nav.key(NavKey::SwitchStep);
    CHECK(nav.focused() == "a");  // wraps
    t.advance(1000ms);
    CHECK(nav.key(NavKey::SwitchSelect));
    CHECK_FALSE(nav.next_deadline());
    t.advance(5000ms);
    CHECK_FALSE(nav.tick());
    CHECK(draw(nav, row({"a", "b", "c"})) == Ids{"a"});

    // Tab or a tap moves the focus without arming the dwell; a new screen stops it.
    nav.key(NavKey::SwitchStep);
    CHECK(nav.next_deadline());
    nav.key(NavKey::Next);
    CHECK_FALSE(nav.next_deadline());
    nav.key(NavKey::SwitchStep);
    nav.set_focus("a");
    CHECK_FALSE(nav.next_deadline());
    nav.key(NavKey::SwitchStep);
    frame(nav, row({"a", "b", "c"}), "other");
    CHECK(nav.focused().empty());
    CHECK_FALSE(nav.next_deadline());
    t.advance(10s);
    CHECK_FALSE(nav.tick());
}

TEST_CASE("focus: dwell stops when the focused item vanishes", "[focus][switch]") {
    ManualTime t;
    FocusNav nav(t);
    nav.set_switch(SwitchMode::Dwell, 1000ms);
    frame(nav, row({"a", "b"}));
    nav.key(NavKey::SwitchStep);
    frame(nav, row({"b"}));
    CHECK(nav.focused() == "b");
    CHECK_FALSE(nav.next_deadline());
    t.advance(2s);
    CHECK_FALSE(nav.tick());
}

TEST_CASE("focus: two-key switch steps and selects, with no timer", "[focus][switch]") {
    ManualTime t;
    FocusNav nav(t);
    nav.set_switch(SwitchMode::TwoKeys);
    frame(nav, row({"a", "b"}));
    CHECK_FALSE(nav.key(NavKey::SwitchSelect));  // nothing focused yet
    CHECK(nav.key(NavKey::SwitchStep));
    CHECK(nav.focused() == "a");
    CHECK_FALSE(nav.next_deadline());
    t.advance(60s);
    CHECK_FALSE(nav.tick());
    CHECK(nav.dwell_progress() == 0.f);
    nav.key(NavKey::SwitchStep);
    nav.key(NavKey::SwitchStep);
    CHECK(nav.focused() == "a");  // wraps
    CHECK(nav.key(NavKey::SwitchSelect));
    CHECK(draw(nav, row({"a", "b"})) == Ids{"a"});

    // Switches off: the step is Tab and the select is Enter.
    nav.set_switch(SwitchMode::Off);
    nav.key(NavKey::SwitchStep);
    CHECK(nav.focused() == "b");
    CHECK_FALSE(nav.next_deadline());
    CHECK(nav.key(NavKey::SwitchSelect));
    CHECK(draw(nav, row({"a", "b"})) == Ids{"b"});
}
