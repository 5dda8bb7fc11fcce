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
    std::string label;
    Ui::Icon icon;
    bool on;
    const char* id;
};

}  // namespace

float draw_access_bar(KioskState& s, Ui& ui) {
    Flow& f = *s.flow;
    AccessChoices& a = f.access();
    const float W = ui.size.x;
    const float m = std::min(ui.px(0.4f), 16.f), gap = std::min(ui.px(0.4f), 16.f);
    const float h = ui.target(2.0f);
    const BarItem items[] = {
        {s.language_name(f.language()), icon_globe, s.language_picker, "access-language"},
        {s.t(size_key(a.text_percent)), icon_text_size, a.text_percent > 100, "access-size"},
        {s.t("access.contrast"), icon_contrast, a.high_contrast, "access-contrast"},
        {s.t("access.easy_font"), icon_easy_font, a.easy_font, "access-font"},
        {s.t("access.read_aloud"), icon_speaker, a.read_aloud, "access-read"},
        {s.t("access.more_time"), icon_clock, f.more_time(), "access-time"},
    };
    constexpr std::size_t n = std::size(items);
    // Layouts, tried in order until one fits the width and leaves most of the screen to the question:
    // every label on one row; labels on two rows; icons (but the language's name) on one row; icons on two.
    const float avail = W - 2 * m;
    struct Layout {
        bool labels;
        std::size_t rows;
    };
    const Layout layouts[] = {{true, 1}, {true, 2}, {false, 1}, {false, 2}};
    auto shows_label = [](const Layout& l, std::size_t i) { return l.labels || i == 0; };
    auto row_of = [&](const Layout& l, std::size_t i) { return l.rows == 1 ? 0 : (i < (n + 1) / 2 ? 0 : 1); };
    auto fits = [&](const Layout& l, bool height_budget) {
        float used[2] = {0, 0};
        for (std::size_t i = 0; i < n; ++i) used[row_of(l, i)] += ui.icon_button_width(items[i].label, shows_label(l, i)) + gap;
        const float height = static_cast<float>(l.rows) * (h + gap) + 2 * m;
        return used[0] - gap <= avail && used[1] - gap <= avail && (!height_budget || height <= ui.size.y * 0.2f);
    };
    Layout layout = layouts[3];  // when nothing fits the budget: the most compact that fits the width
    bool found = false;
    for (const auto& l : layouts)
        if (fits(l, true)) {
            layout = l;
            found = true;
            break;
        }
    if (!found && fits(layouts[2], false)) layout = layouts[2];
    std::vector<std::vector<std::size_t>> rows(layout.rows);
    for (std::size_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(row_of(layout, i))].push_back(i);
    const std::string problem = a.read_aloud ? s.read_aloud_problem() : "";
    const float msg_h = problem.empty() ? 0 : ui.measure(problem, avail).y + ui.px(0.3f);
    const float bar_h = m + static_cast<float>(rows.size()) * (h + gap) - gap + m + msg_h;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(0, 0), ImVec2(W, bar_h), ui.theme.panel);
    dl->AddLine(ImVec2(0, bar_h - 1), ImVec2(W, bar_h - 1), ui.theme.border, std::max(2.f, ui.px(0.06f)));

    ui.silent = true;  // read aloud speaks the screen, not the bar (each button speaks when focused or tapped)
    int tapped = -1;
    float y = m;
    for (const auto& row : rows) {
        float natural = 0;
        for (std::size_t i : row) natural += ui.icon_button_width(items[i].label, shows_label(layout, i));
        const float extra = std::max(0.f, (avail - natural - gap * static_cast<float>(row.size() - 1)) / static_cast<float>(row.size()));
        float x = m;
        for (std::size_t i : row) {
            const float w = std::min(avail, ui.icon_button_width(items[i].label, shows_label(layout, i)) + extra);
            if (ui.icon_button(items[i].label, items[i].icon, ImVec2(x, y), ImVec2(w, h),
                               items[i].on ? Look::Selected : Look::Normal, items[i].id, shows_label(layout, i)))
                tapped = static_cast<int>(i);
            x += w + gap;
        }
        y += h + gap;
    }
    if (!problem.empty()) ui.text(problem, ImVec2(m, y - gap + m * 0.5f), avail, nullptr, ui.theme.danger);
    ui.silent = false;

    auto on_off = [&](const std::string& what, bool on) {
        s.announce = what + ": " + s.t(on ? "access.on" : "access.off");
    };
    switch (tapped) {
        case 0:
            s.language_picker = !s.language_picker;
            s.announce = s.t("access.language_title");
            break;
        case 1:
            a.text_percent = next_text_percent(a.text_percent);
            s.announce = s.t(size_key(a.text_percent));
            break;
        case 2: a.high_contrast = !a.high_contrast; on_off(s.t("access.contrast"), a.high_contrast); break;
        case 3: a.easy_font = !a.easy_font; on_off(s.t("access.easy_font"), a.easy_font); break;
        case 4:
            a.read_aloud = !a.read_aloud;
            on_off(s.t("access.read_aloud"), a.read_aloud);
            if (!a.read_aloud && s.speaker) s.speaker->stop();
            break;
        case 5:
            f.set_more_time(!f.more_time());
            on_off(s.t("access.more_time"), f.more_time());
            break;
        default: break;
    }
    if (tapped >= 0) {
        if (f.screen() == Screen::IdleWarning) f.carry_on();  // whoever taps the bar is still there
        else f.touch();
    }
    ui.top = bar_h;
    return bar_h;
}

std::string draw_language_picker(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    float y = ui.top + m;
    y += ui.text(s.t("access.language_title"), ImVec2(m, y), W - 2 * m, ui.fonts.heading) + ui.px(0.6f);
    const float close_h = ui.target(ui.m.button_h);
    const float list_h = H - m - close_h - ui.px(0.6f) - y;
    const auto& langs = s.survey->languages;
    const float gap = ui.px(0.4f);
    float width = W - 2 * m;
    float content = 0;
    for (const auto& l : langs) content += ui.option_height(s.language_name(l), width) + gap;
    if (content > list_h) width -= ui.target(2.6f) + ui.px(0.6f);
    ScrollList list{"languages", ImVec2(m, y), ImVec2(width, list_h), &s.list_scroll["##languages"]};
    const ImVec2 o = list.begin(ui);
    float ly = o.y;
    std::string chosen;
    for (const auto& l : langs) {
        float rh = 0;
        if (ui.option(s.language_name(l), l == s.flow->language(), false, ImVec2(o.x, ly), width, &rh)) chosen = l;
        ly += rh + gap;
    }
    list.end(ui, ly - o.y);
    const float bw = std::min(W - 2 * m, ui.px(10));
    if (ui.button(s.t("access.close"), ImVec2(W - m - bw, H - m - close_h), ImVec2(bw, close_h), Look::Normal,
                  true, "language-close"))
        s.language_picker = false;
    if (!chosen.empty()) s.choose_language(chosen);
    return "language";
}

}  // namespace engage::ui
