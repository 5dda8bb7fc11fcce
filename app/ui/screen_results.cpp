// Live results for the room: this session's totals as large bar charts, opened from the facilitator panel.
// The small-number rule holds here too: a count from fewer than 5 responses shows as "fewer than 5" and draws
// no bar, and with fewer than 5 responses in all no question is broken down. Written answers are not shown.
#include <algorithm>

#include "ui/screens.h"

namespace engage::ui {
namespace {

// The words for one bar: the option's label in the kiosk's language, or the value itself.
std::string bar_label(const KioskState& s, const Question* q, const std::string& id) {
    if (!q) return id;
    for (const auto& o : s.options_of(*q))
        if (o.id == id) return s.option_label(*q, o);
    return id;
}

}  // namespace

std::string draw_results(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    const int min = s.live_min;
    float y = m;
    std::string title = s.t("results.title");
    if (s.session)
        title += " — " + s.strings.fmt("facilitator.session", {{"event", s.session->event},
                                                               {"venue", s.session->venue.empty() ? "—" : s.session->venue}});
    y += ui.text(title, ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.strings.fmt("results.responses", {{"n", std::to_string(s.live.responses)}}), ImVec2(m, y), inner, nullptr,
                 ui.theme.muted) + ui.px(0.5f);

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (results::suppressed(s.live.responses, min) || s.live.responses == 0) {
        ui.text(s.strings.fmt("results.too_few", {{"min", std::to_string(min)}}), ImVec2(m, y), inner, ui.fonts.heading);
    } else {
        // Every question in one list that scrolls: prompt, then one bar per answer.
        const float room = bottom - ui.px(0.6f) - y;
        const float w = inner - ui.target(2.6f) - ui.px(0.6f);
        const float label_w = std::min(w * 0.4f, ui.px(14));
        const float bar_h = ui.px(1.6f), gap = ui.px(0.4f);
        auto content_height = [&] {
            float h = 0;
            for (const auto& qt : s.live.questions) {
                const Question* q = nullptr;
                for (const auto& sq : s.survey->questions)
                    if (sq.id == qt.id) q = &sq;
                h += ui.measure(q ? s.tr(q->prompt) : qt.id, w, ui.fonts.heading).y + ui.px(0.4f);
                if (qt.counts.empty()) h += ui.fonts.body->FontSize + gap;
                for (const auto& c : qt.counts) h += std::max(bar_h, ui.measure(bar_label(s, q, c.id), label_w).y) + gap;
                h += ui.px(0.8f);
            }
            return h;
        };
        ScrollList list{"results", ImVec2(m, y), ImVec2(w, room), &s.list_scroll["##results"]};
        float ly = list.begin(ui).y;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        for (const auto& qt : s.live.questions) {
            const Question* q = nullptr;
            for (const auto& sq : s.survey->questions)
                if (sq.id == qt.id) q = &sq;
            ly += ui.text(q ? s.tr(q->prompt) : qt.id, ImVec2(m, ly), w, ui.fonts.heading) + ui.px(0.4f);
            if (qt.counts.empty()) {  // a text question: how many wrote something, never what
                ly += ui.text(s.strings.fmt("results.written", {{"n", results::suppressed(qt.answered, min)
                                                                         ? s.strings.fmt("results.fewer_than", {{"min", std::to_string(min)}})
                                                                         : std::to_string(qt.answered)}}),
                              ImVec2(m, ly), w, nullptr, ui.theme.muted) + gap;
            }
            std::int64_t most = 1;
            for (const auto& c : qt.counts)
                if (!results::suppressed(c.n, min)) most = std::max(most, c.n);
            for (const auto& c : qt.counts) {
                const std::string label = bar_label(s, q, c.id);
                const float row_h = std::max(bar_h, ui.measure(label, label_w).y);
                ui.text(label, ImVec2(m, ly + (row_h - ui.measure(label, label_w).y) / 2), label_w);
                const bool hidden = results::suppressed(c.n, min);
                const std::string n = hidden ? s.strings.fmt("results.fewer_than", {{"min", std::to_string(min)}})
                                             : std::to_string(c.n);
                const float bx = m + label_w + ui.px(0.6f);
                const float count_w = ui.measure(n, 0).x;
                const float bar_max = std::max(ui.px(1), w - label_w - ui.px(1.2f) - count_w);
                float bw = 0;
                if (!hidden && c.n > 0) {
                    bw = std::max(ui.px(0.3f), bar_max * static_cast<float>(c.n) / static_cast<float>(most));
                    dl->AddRectFilled(ImVec2(bx, ly + (row_h - bar_h) / 2 + ui.px(0.15f)),
                                      ImVec2(bx + bw, ly + (row_h + bar_h) / 2 - ui.px(0.15f)), ui.theme.accent, ui.px(0.2f));
                }
                ui.text(n, ImVec2(bx + bw + ui.px(0.4f), ly + (row_h - ui.fonts.body->FontSize) / 2), 0, nullptr,
                        hidden ? ui.theme.muted : ui.theme.text);
                ly += row_h + gap;
            }
            ly += ui.px(0.8f);
        }
        list.end(ui, content_height());
    }
    if (ui.button(s.t("results.back"), ImVec2(m, bottom), ImVec2(std::min(inner, ui.px(12)), bh), Look::Primary))
        s.mode = Mode::Facilitator;
    return "results";
}

}  // namespace engage::ui
