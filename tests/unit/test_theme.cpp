// Colour themes: WCAG contrast maths, every pair the screens draw meets its minimum, the two-tone focus
// ring shows on every fill, and no colour role escapes a contrast decision.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "engage/theme.h"

using namespace engage;

namespace {

// Counts the members of an aggregate by brace-initialising it from ever more "anything" values: an array
// member takes one per element (brace elision), so ThemeColours counts as its colours plus `name`.
struct AnyValue {
    template <class T>
    operator T() const;  // never defined: only used unevaluated
};

template <class T, std::size_t... I>
constexpr bool initialisable_from(std::index_sequence<I...>) {
    return requires { T{(static_cast<void>(I), AnyValue{})...}; };
}

template <class T, std::size_t N = 0>
constexpr std::size_t initialiser_count() {
    if constexpr (N > 64) return N;
    else if constexpr (initialisable_from<T>(std::make_index_sequence<N + 1>{})) return initialiser_count<T, N + 1>();
    else return N;
}

std::string hex(Rgb c) {
    char s[8];
    std::snprintf(s, sizeof s, "#%02X%02X%02X", c.r, c.g, c.b);
    return s;
}

void check_theme(const ThemeColours& t, bool high_contrast) {
    const auto pairs = required_pairs(t, high_contrast);
    REQUIRE(pairs.size() > 20);
    for (const auto& p : pairs) {
        INFO(t.name << ": " << p.what << ": " << hex(p.fg) << " on " << hex(p.bg) << " = " << p.ratio() << ", needs "
                    << p.minimum);
        CHECK(p.ratio() >= p.minimum);
        CHECK(p.ok() == (p.ratio() >= p.minimum));
    }
    INFO(t.name);
    CHECK(focus_ring_ok(t));
}

}  // namespace

TEST_CASE("theme: contrast ratio and luminance against known values", "[theme]") {
    const Rgb black{0, 0, 0}, white{255, 255, 255};
    CHECK(relative_luminance(black) == Approx(0.0));
    CHECK(relative_luminance(white) == Approx(1.0));
    CHECK(relative_luminance(Rgb{255, 0, 0}) == Approx(0.2126));
    CHECK(relative_luminance(Rgb{0, 255, 0}) == Approx(0.7152));
    CHECK(relative_luminance(Rgb{0, 0, 255}) == Approx(0.0722));
    CHECK(contrast_ratio(black, white) == Approx(21.0));
    CHECK(contrast_ratio(white, black) == Approx(21.0));  // symmetric
    CHECK(contrast_ratio(Rgb{0x77, 0x77, 0x77}, white) == Approx(4.48).epsilon(0.002));
    CHECK(contrast_ratio(Rgb{0x76, 0x76, 0x76}, white) == Approx(4.54).epsilon(0.002));  // the usual 4.5:1 grey
    CHECK(contrast_ratio(Rgb{0x77, 0x77, 0x77}, white) < 4.5);
    CHECK(contrast_ratio(Rgb{0x12, 0x34, 0x56}, Rgb{0x12, 0x34, 0x56}) == Approx(1.0));
    CHECK(contrast_ratio(Rgb{0xFF, 0xB0, 0x00}, Rgb{0xFA, 0xF7, 0xF2}) < 3.0);  // why the focus ring has two tones
}

TEST_CASE("theme: every required pair of the standard theme meets its minimum", "[theme]") {
    check_theme(standard_theme(), false);
}

TEST_CASE("theme: every required pair of the high-contrast theme meets its minimum", "[theme]") {
    check_theme(high_contrast_theme(), true);
    // High contrast asks 7:1 of text.
    for (const auto& p : required_pairs(high_contrast_theme(), true))
        if (std::strstr(p.what, "text on bg")) CHECK(p.minimum == 7.0);
    for (const auto& p : required_pairs(standard_theme(), false))
        if (std::strstr(p.what, "text on bg")) CHECK(p.minimum == 4.5);
}

TEST_CASE("theme: the two-tone focus ring shows on every fill it can surround", "[theme]") {
    for (const ThemeColours* t : {&standard_theme(), &high_contrast_theme()}) {
        INFO(t->name);
        CHECK(contrast_ratio(t->focus, t->focus_halo) >= 3.0);
        const auto surfaces = focus_ring_surfaces(*t);
        std::set<std::string> names;
        for (const auto& s : surfaces) {
            names.insert(s.name);
            const double best = std::max(contrast_ratio(t->focus, s.colour), contrast_ratio(t->focus_halo, s.colour));
            INFO(s.name << ": focus " << contrast_ratio(t->focus, s.colour) << ", halo "
                        << contrast_ratio(t->focus_halo, s.colour));
            CHECK(best >= 3.0);
        }
        CHECK(names == std::set<std::string>{"bg", "panel", "button", "accent", "danger"});
        CHECK(focus_ring_ok(*t));
        // required_pairs carries the same decision, one pair per surface.
        int ring_pairs = 0;
        for (const auto& p : required_pairs(*t, false))
            if (std::strncmp(p.what, "focus ring on ", 14) == 0) ++ring_pairs;
        CHECK(ring_pairs == 5);
    }
    // A single-tone ring like the old amber one fails on the off-white.
    ThemeColours amber_only = standard_theme();
    amber_only.focus_halo = amber_only.focus;
    CHECK_FALSE(focus_ring_ok(amber_only));
    // Two tones that do not differ from each other fail too.
    ThemeColours close = standard_theme();
    close.focus = Rgb{0x10, 0x10, 0x10};
    close.focus_halo = Rgb{0x20, 0x20, 0x20};
    CHECK_FALSE(focus_ring_ok(close));
}

TEST_CASE("theme: every colour role is covered by a required pair", "[theme]") {
    // theme_roles() lists every Rgb in ThemeColours: a member added to the struct but not to the list fails
    // here (the struct's initialiser count is its colours, faces counted one by one, plus `name`).
    const ThemeColours& t = standard_theme();
    const auto roles = theme_roles(t);
    CHECK(initialiser_count<ThemeColours>() == roles.size() + 1);
    CHECK(initialiser_count<Rgb>() == 3);

    std::set<std::string> names;
    for (const auto& r : roles) names.insert(r.name);
    CHECK(names.size() == roles.size());  // no role listed twice

    for (const ThemeColours* th : {&standard_theme(), &high_contrast_theme()}) {
        for (const bool hc : {false, true}) {
            const auto pairs = required_pairs(*th, hc);
            for (const auto& p : pairs) {
                INFO(p.what);
                // Each pair names real roles, and carries their colours.
                CHECK(names.count(p.fg_role) == 1);
                CHECK(names.count(p.bg_role) == 1);
                for (const auto& r : theme_roles(*th)) {
                    if (std::strcmp(r.name, p.fg_role) == 0) CHECK(r.colour == p.fg);
                    if (std::strcmp(r.name, p.bg_role) == 0) CHECK(r.colour == p.bg);
                }
            }
            for (const auto& r : roles) {
                bool covered = false;
                for (const auto& p : pairs)
                    covered = covered || std::strcmp(p.fg_role, r.name) == 0 || std::strcmp(p.bg_role, r.name) == 0;
                INFO(th->name << ": role " << r.name << " is in no required pair: decide what it must contrast with");
                CHECK(covered);
            }
        }
    }
}

TEST_CASE("theme: names and lookup", "[theme]") {
    CHECK(std::string(standard_theme().name) == "standard");
    CHECK(std::string(high_contrast_theme().name) == "high-contrast");
    CHECK(theme_by_name("standard") == &standard_theme());
    CHECK(theme_by_name("high-contrast") == &high_contrast_theme());
    CHECK(theme_by_name("neon") == nullptr);
    CHECK(&theme_for(false) == &standard_theme());
    CHECK(&theme_for(true) == &high_contrast_theme());
    // The standard theme keeps today's look where it passed.
    const ThemeColours& s = standard_theme();
    CHECK(s.bg == Rgb{0xFA, 0xF7, 0xF2});
    CHECK(s.text == Rgb{0x1A, 0x1A, 0x1A});
    CHECK(s.focus == Rgb{0xFF, 0xB0, 0x00});
}

TEST_CASE("theme: print both themes' pairs with their ratios", "[.theme-table]") {
    // Run with "[.theme-table]" to see the table.
    for (const bool hc : {false, true}) {
        const ThemeColours& t = theme_for(hc);
        for (const auto& p : required_pairs(t, hc))
            std::printf("%-14s %5.2f (>= %.1f)  %s on %s  %s\n", t.name, p.ratio(), p.minimum, hex(p.fg).c_str(),
                        hex(p.bg).c_str(), p.what);
    }
}
