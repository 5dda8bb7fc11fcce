// The access bar, at the top of every respondent screen: language, text size, high contrast, an easier font,
// read aloud and more time. The choices belong to the person (Flow::access) and reset for the next.
#include <algorithm>
#include <cmath>

#include <imgui_internal.h>

#include "ui/screens.h"

namespace engage::ui {
namespace {

constexpr float kLineW = 0.14f;  // icon stroke, as a fraction of the icon's radius

void icon_globe(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    const float lw = std::max(2.f, r * kLineW);
    dl->AddCircle(c, r, ink, 32, lw);
    dl->AddLine(ImVec2(c.x - r, c.y), ImVec2(c.x + r, c.y), ink, lw);
    dl->AddLine(ImVec2(c.x, c.y - r), ImVec2(c.x, c.y + r), ink, lw);
    for (int i = 0; i <= 24; ++i) {  // a meridian: a narrow ellipse
        const float t = static_cast<float>(i) / 24.f * 2 * IM_PI;
        dl->PathLineTo(ImVec2(c.x + r * 0.45f * std::cos(t), c.y + r * std::sin(t)));
    }
    dl->PathStroke(ink, ImDrawFlags_Closed, lw);
}

void letter_a(ImDrawList* dl, ImVec2 base, float h, ImU32 ink, float lw) {
    const ImVec2 top(base.x, base.y - h), l(base.x - h * 0.38f, base.y), rr(base.x + h * 0.38f, base.y);
    dl->AddLine(l, top, ink, lw);
    dl->AddLine(top, rr, ink, lw);
    dl->AddLine(ImVec2(base.x - h * 0.2f, base.y - h * 0.4f), ImVec2(base.x + h * 0.2f, base.y - h * 0.4f), ink, lw);
}

void icon_text_size(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    const float lw = std::max(2.f, r * kLineW);
    letter_a(dl, ImVec2(c.x - r * 0.55f, c.y + r * 0.8f), r * 0.9f, ink, lw);
    letter_a(dl, ImVec2(c.x + r * 0.45f, c.y + r * 0.8f), r * 1.6f, ink, lw);
}

void icon_contrast(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    dl->AddCircle(c, r, ink, 32, std::max(2.f, r * kLineW));
    dl->PathArcTo(c, r, IM_PI / 2, IM_PI * 1.5f, 24);
    dl->PathFillConvex(ink);
}

void icon_easy_font(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    // Lines of text with wide spacing.
    const float lw = std::max(3.f, r * 0.22f);
    dl->AddLine(ImVec2(c.x - r, c.y - r * 0.6f), ImVec2(c.x + r, c.y - r * 0.6f), ink, lw);
    dl->AddLine(ImVec2(c.x - r, c.y), ImVec2(c.x + r * 0.7f, c.y), ink, lw);
    dl->AddLine(ImVec2(c.x - r, c.y + r * 0.6f), ImVec2(c.x + r * 0.4f, c.y + r * 0.6f), ink, lw);
}

void icon_speaker(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    const float lw = std::max(2.f, r * kLineW);
    const ImVec2 pts[6] = {{c.x - r, c.y - r * 0.35f}, {c.x - r * 0.55f, c.y - r * 0.35f}, {c.x - r * 0.05f, c.y - r * 0.85f},
                           {c.x - r * 0.05f, c.y + r * 0.85f}, {c.x - r * 0.55f, c.y + r * 0.35f}, {c.x - r, c.y + r * 0.35f}};
    dl->AddConvexPolyFilled(pts, 6, ink);
    dl->PathArcTo(ImVec2(c.x - r * 0.05f, c.y), r * 0.5f, -0.8f, 0.8f, 12);
    dl->PathStroke(ink, 0, lw);
    dl->PathArcTo(ImVec2(c.x - r * 0.05f, c.y), r * 0.95f, -0.8f, 0.8f, 16);
    dl->PathStroke(ink, 0, lw);
}

void icon_clock(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    const float lw = std::max(2.f, r * kLineW);
    dl->AddCircle(c, r, ink, 32, lw);
    dl->AddLine(c, ImVec2(c.x, c.y - r * 0.7f), ink, lw);
    dl->AddLine(c, ImVec2(c.x + r * 0.5f, c.y + r * 0.2f), ink, lw);
}

const char* size_key(int percent) {
    return percent >= 200 ? "access.size_200" : percent >= 150 ? "access.size_150" : "access.size_100";
}

struct BarItem {
    std::string label;   // with its state in words: "High contrast: On"
    std::string name;    // the setting's name alone, for what read aloud says after a tap
    Ui::Icon icon;
    bool on;
    const char* id;
};

std::vector<BarItem> bar_items(const KioskState& s) {
    const Flow& f = *s.flow;
    const AccessChoices& a = f.access();
    auto state = [&](const char* key, bool on) { return s.t(key) + ": " + s.t(on ? "access.on" : "access.off"); };
    return {
        {s.language_name(f.language()), s.t("access.language"), icon_globe, false, "access.language"},
        {s.t(size_key(a.text_percent)), s.t("access.text_size"), icon_text_size, a.text_percent > 100, "access.text_size"},
        {state("access.contrast", a.high_contrast), s.t("access.contrast"), icon_contrast, a.high_contrast, "access.contrast"},
        {state("access.easy_font", a.easy_font), s.t("access.easy_font"), icon_easy_font, a.easy_font, "access.easy_font"},
        {state("access.read_aloud", a.read_aloud), s.t("access.read_aloud"), icon_speaker, a.read_aloud, "access.read_aloud"},
        {state("access.more_time", f.more_time()), s.t("access.more_time"), icon_clock, f.more_time(), "access.more_time"},
    };
}

void icon_more(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {  // sliders: three lines with knobs
    const float lw = std::max(2.f, r * kLineW);
    for (int i = -1; i <= 1; ++i) {
        const float y = c.y + static_cast<float>(i) * r * 0.65f;
        dl->AddLine(ImVec2(c.x - r, y), ImVec2(c.x + r, y), ink, lw);
        dl->AddCircleFilled(ImVec2(c.x + static_cast<float>(i) * r * 0.5f, y), r * 0.22f, ink, 12);
    }
}

// What a tap on item i does, for the person (run after the frame).
Action toggle(std::size_t i, const std::string& name) {
    return [i, name](KioskState& s) {
        Flow& f = *s.flow;
        AccessChoices& a = f.access();
        auto on_off = [&](bool on) { s.announce = name + ": " + s.t(on ? "access.on" : "access.off"); };
        switch (i) {
            case 0:
                if (s.find<LanguageScreen>()) {
                    while (s.find<LanguageScreen>()) s.pop();
                } else {
                    s.push(std::make_unique<LanguageScreen>());
                }
                s.announce = s.t("access.language_title");
                break;
            case 1:
                a.text_percent = next_text_percent(a.text_percent);
                s.announce = s.t(size_key(a.text_percent));
                break;
            case 2: a.high_contrast = !a.high_contrast; on_off(a.high_contrast); break;
            case 3: a.easy_font = !a.easy_font; on_off(a.easy_font); break;
            case 4:
                a.read_aloud = !a.read_aloud;
                on_off(a.read_aloud);
                if (!a.read_aloud && s.speaker) s.speaker->stop();
                break;
            case 5: f.set_more_time(!f.more_time()); on_off(f.more_time()); break;
            default: break;
        }
        if (f.screen() == Screen::IdleWarning) f.carry_on();  // whoever taps the bar is still there
        else f.touch();
    };
}

// "Make it easier": every choice full screen, each with its state in words, for when the bar has folded.
class AccessScreen : public View {
public:
    std::string name(const KioskState&) const override { return "access"; }
    bool for_respondent() const override { return true; }
    void draw_content(KioskState& s, Ui& ui, Actions& act) override {
        const float W = ui.size.x, H = ui.size.y;
        const float m = ui.edge();
        const float inner = W - 2 * m;
        float y = ui.top + m;
        y += ui.text(s.t("access.label"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);
        const float close_h = ui.target(ui.m.button_h);
        const auto items = bar_items(s);
        const float gap = ui.px(0.4f);
        // Two columns when every choice's words fit half the width on one line, else one.
        float widest = 0;
        for (const auto& it : items) widest = std::max(widest, ui.icon_button_width(it.label, true));
        const int cols = widest <= (inner - gap) / 2 ? 2 : 1;
        const float cw = (inner - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
        const float room = H - m - close_h - ui.px(0.6f) - y;
        const std::size_t rows = (items.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols);
        float h = ui.target(1.6f);
        for (const auto& it : items) h = std::max(h, ui.measure(it.label, cw - ui.px(3)).y + ui.px(0.6f));
        h = std::max(h, std::min(ui.target(2.6f), (room - gap * static_cast<float>(rows - 1)) / static_cast<float>(rows)));
        const float content = static_cast<float>(rows) * (h + gap) - gap;
        const float w = content > room ? inner - ui.target(2.6f) - ui.px(0.6f) : inner;  // a tiny window: it scrolls
        const float cw2 = (w - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
        ScrollList list{"access", ImVec2(m, y), ImVec2(w, room), &scroll_};
        const float ly = list.begin(ui).y;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const float x = m + static_cast<float>(i % static_cast<std::size_t>(cols)) * (cw2 + gap);
            const float yy = ly + static_cast<float>(i / static_cast<std::size_t>(cols)) * (h + gap);
            if (ui.icon_button(items[i].label, items[i].icon, ImVec2(x, yy), ImVec2(cw2, h),
                               items[i].on ? Look::Selected : Look::Normal, items[i].id)) {
                if (i == 0) act([](KioskState& st) { st.pop(); });  // the language list replaces this screen
                act(toggle(i, items[i].name));
            }
        }
        list.end(ui, content);
        const float bw = std::min(inner, ui.px(10));
        if (ui.button(s.t("access.close"), ImVec2(W - m - bw, H - m - close_h), ImVec2(bw, close_h), Look::Primary, true,
                      "access.close"))
            act([](KioskState& st) { st.pop(); });
    }

private:
    float scroll_ = 0;
};

}  // namespace

void draw_access_bar(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x;
    const float m = std::min(ui.px(0.4f), 16.f), gap = std::min(ui.px(0.4f), 16.f);
    const auto items = bar_items(s);
    // A shaped script's line may be taller than the bar's usual row (Nastaliq's is about 1.9 times Latin's): the
    // row grows to the tallest word rather than cut it (other scripts stay as they were).
    float h = std::max(ui.target(1.6f), std::min(ui.px(2.0f), 64.f));
    for (const auto& it : items) h = std::max(h, ui.measure(it.label, 0).y);
    h = std::max(h, ui.measure(s.t("access.label"), 0).y);
    const std::size_t n = items.size();
    const float avail = W - 2 * m;
    // Every item keeps its words. Tried in order: one row; two rows (within a fifth of the screen's height);
    // else the bar folds to the language and one "Make it easier" control that opens the choices full screen.
    auto width_of = [&](std::size_t i) { return ui.icon_button_width(items[i].label, true); };
    auto fits = [&](std::size_t rows) {
        float used[2] = {0, 0};
        for (std::size_t i = 0; i < n; ++i) used[rows == 1 ? 0 : (i < (n + 1) / 2 ? 0 : 1)] += width_of(i) + gap;
        const float height = static_cast<float>(rows) * (h + gap) + 2 * m;
        return used[0] - gap <= avail && used[1] - gap <= avail && height <= ui.size.y * 0.2f;
    };
    std::vector<std::vector<std::size_t>> rows;
    bool folded = false;
    if (fits(1)) {
        rows.push_back({0, 1, 2, 3, 4, 5});
    } else if (fits(2)) {
        rows.push_back({0, 1, 2});
        rows.push_back({3, 4, 5});
    } else {
        folded = true;  // n stands for "Make it easier"
        if (width_of(0) + gap + ui.icon_button_width(s.t("access.label"), true) <= avail) {
            rows.push_back({0, n});
        } else {  // long words in a narrow window: one above the other
            rows.push_back({0});
            rows.push_back({n});
        }
    }
    const std::string more = s.t("access.label");
    const bool any_on = items[1].on || items[2].on || items[3].on || items[4].on || items[5].on;
    const Flow& f = *s.flow;
    const std::string problem = f.access().read_aloud ? s.read_aloud_problem() : "";
    const float msg_h = problem.empty() ? 0 : ui.measure(problem, avail).y + ui.px(0.3f);
    const float bar_h = m + static_cast<float>(rows.size()) * (h + gap) - gap + m + msg_h;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(0, 0), ImVec2(W, bar_h), ui.theme.panel);
    dl->AddLine(ImVec2(0, bar_h - 1), ImVec2(W, bar_h - 1), ui.theme.border, std::max(2.f, ui.px(0.06f)));

    ui.silent = true;  // read aloud speaks the screen, not the bar (each button speaks when focused or tapped)
    float y = m;
    for (const auto& row : rows) {
        auto label_of = [&](std::size_t i) { return i == n ? more : items[i].label; };
        float natural = 0;
        for (std::size_t i : row) natural += ui.icon_button_width(label_of(i), true);
        const float extra = std::max(0.f, (avail - natural - gap * static_cast<float>(row.size() - 1)) / static_cast<float>(row.size()));
        float x = m;
        for (std::size_t i : row) {
            const float w = std::min(avail, ui.icon_button_width(label_of(i), true) + extra);
            if (i == n) {
                if (ui.icon_button(more, icon_more, ImVec2(x, y), ImVec2(w, h), any_on ? Look::Selected : Look::Normal,
                                   "access.more"))
                    act([](KioskState& st) {
                        while (st.find<LanguageScreen>()) st.pop();
                        st.push(std::make_unique<AccessScreen>());
                        st.announce = st.t("access.label");
                        if (st.flow->screen() == Screen::IdleWarning) st.flow->carry_on();
                        else st.flow->touch();
                    });
            } else if (ui.icon_button(items[i].label, items[i].icon, ImVec2(x, y), ImVec2(w, h),
                                      items[i].on ? Look::Selected : Look::Normal, items[i].id)) {
                act(toggle(i, items[i].name));
            }
            x += w + gap;
        }
        y += h + gap;
    }
    (void)folded;
    if (!problem.empty()) ui.text(problem, ImVec2(m, y - gap + m * 0.5f), avail, nullptr, ui.theme.danger);
    ui.silent = false;
    ui.top = bar_h;
}

void LanguageScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    float y = ui.top + m;
    // Close sits at the top right, in line with the title, so the languages have the rest of the screen.
    const float close_h = std::max(ui.target(1.6f), std::min(ui.px(ui.m.button_h), 96.f));
    const float bw = std::min((W - 2 * m) * 0.4f, std::max(ui.px(6), ui.measure(s.t("access.close"), 0).x + ui.px(1.5f)));
    if (ui.button(s.t("access.close"), ImVec2(W - m - bw, y), ImVec2(bw, close_h), Look::Normal, true, "language.close"))
        act([](KioskState& st) { st.pop(); });
    const float title_h = ui.text(s.t("access.language_title"), ImVec2(m, y), W - 3 * m - bw, ui.fonts.heading);
    y += std::max(title_h, close_h) + ui.px(0.6f);
    const float list_h = H - m - y;
    const auto& langs = s.survey->languages;
    const float gap = ui.px(0.4f);
    // Languages in columns (each about 6 em or more, never so narrow that a name breaks), rows of equal height;
    // a list taller than the room scrolls (drag or the Up/Down buttons).
    auto lay_out = [&](float width, int& cols, float& row_h) {
        cols = std::max(1, std::min(3, static_cast<int>((width + gap) / (ui.px(6) + gap))));
        for (;; --cols) {
            const float cw = (width - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
            bool whole = true;
            row_h = 0;
            for (const auto& l : langs) {
                whole = whole && !ui.breaks_word(s.language_name(l), ui.fonts.body, ui.fonts.body->FontSize,
                                                 ui.option_text_width(cw));
                row_h = std::max(row_h, ui.option_height(s.language_name(l), cw));
            }
            if (whole || cols == 1) break;
        }
        const std::size_t rows = (langs.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols);
        return static_cast<float>(rows) * (row_h + gap) - gap;
    };
    float width = W - 2 * m;
    int cols = 1;
    float row_h = 0;
    if (lay_out(width, cols, row_h) > list_h) {
        width -= ui.target(2.6f) + ui.px(0.6f);
        lay_out(width, cols, row_h);
    }
    const float cw = (width - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    ScrollList list{"languages", ImVec2(m, y), ImVec2(width, list_h), &scroll_};
    const ImVec2 o = list.begin(ui);
    float bottom = o.y;
    for (std::size_t i = 0; i < langs.size(); ++i) {
        const std::string& l = langs[i];
        const ImVec2 at(o.x + static_cast<float>(i % static_cast<std::size_t>(cols)) * (cw + gap),
                        o.y + static_cast<float>(i / static_cast<std::size_t>(cols)) * (row_h + gap));
        float rh = 0;
        if (ui.option(s.language_name(l), l == s.flow->language(), false, at, cw, &rh, row_h))
            act([l](KioskState& st) {
                st.choose_language(l);
                st.pop();
                // Typing when the language changed: the keys and the title follow it.
                if (auto* kb = st.find<KeyboardScreen>()) kb->language_changed(st, l);
            });
        ui.widgets.back().id = "language." + l;
        bottom = std::max(bottom, at.y + rh);
    }
    list.end(ui, bottom - o.y);
}

}  // namespace engage::ui
