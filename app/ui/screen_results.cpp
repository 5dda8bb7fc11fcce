// Live results for the room: this session's totals, large enough to read from across a room, a headline per
// question and percentages beside counts. The small-number rule holds here too: a count from fewer than 5
// responses shows as "fewer than 5" with no bar and no percentage, and with fewer than 5 responses in all no
// question is broken down. Written answers are never shown.
#include <algorithm>

#include "engage/log.h"
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

const Question* question_of(const KioskState& s, const std::string& id) {
    for (const auto& q : s.survey->questions)
        if (q.id == id) return &q;
    return nullptr;
}

}  // namespace

ResultsScreen::ResultsScreen(KioskState& s) {
    if (!s.store || !s.survey) return;
    s.refresh_counts();
    try {
        // Counts kept as each response was saved: the answers themselves may be sealed to the hub.
        const LiveCounts c = s.session ? s.store->session_counts(s.session->id, s.survey->id) : LiveCounts{};
        live_ = results::tally_from_counts(c.responses, c.rows, &*s.survey);
    } catch (const std::exception& e) {
        s.notices.push_back(std::string("Could not read this session's results: ") + e.what());
        log_error(s.notices.back());
        return;
    }
    ok_ = true;
    log_info("Live results opened: " + std::to_string(live_.responses) + " responses in this session");
}

void ResultsScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    const int min = min_;
    float y = m;
    // The title names the session: its event and venue, or today when there is none (the kiosk's own drop-in).
    std::string title = s.t("results.title_today");
    if (s.session && !(s.session->event == "Drop-in" && s.session->venue.empty()))
        title = s.session->venue.empty()
                    ? s.strings.fmt("results.title_event_only", {{"event", s.session->event}})
                    : s.strings.fmt("results.title_event", {{"event", s.session->event}, {"venue", s.session->venue}});
    y += ui.text(title, ImVec2(m, y), inner, ui.fonts.huge) + ui.px(0.2f);
    y += ui.text(s.strings.fmt("results.responses", {{"n", std::to_string(live_.responses)}}), ImVec2(m, y), inner,
                 ui.fonts.heading, ui.theme.muted) + ui.px(0.5f);

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    const std::string fewer = s.strings.fmt("results.fewer_than", {{"min", std::to_string(results::clamp_min_count(min))}});
    if (results::suppressed(live_.responses, min) || live_.responses == 0) {
        ui.text(s.strings.fmt("results.too_few", {{"min", std::to_string(results::clamp_min_count(min))}}), ImVec2(m, y),
                inner, ui.fonts.heading);
    } else {
        // Every question in one list that scrolls: the prompt, a headline, then one bar per answer.
        const float room = bottom - ui.px(0.6f) - y;
        const float w = inner - ui.target(2.6f) - ui.px(0.6f);
        ImFont* big = ui.fonts.heading;
        const float label_w = std::min(w * 0.38f, ui.px(16));
        const float bar_h = ui.px(2.0f), gap = ui.px(0.5f);
        ScrollList list{"results", ImVec2(m, y), ImVec2(w, room), &scroll_};
        const float top = list.begin(ui).y;
        float ly = top;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        for (const auto& qt : live_.questions) {
            const Question* q = question_of(s, qt.id);
            ly += ui.text(q ? s.tr(q->prompt) : qt.id, ImVec2(m, ly), w, big) + ui.px(0.2f);
            if (qt.counts.empty()) {  // a text question: how many wrote something, never what
                ly += ui.text(s.strings.fmt("results.written", {{"n", results::shown_count(qt.answered, min)}}),
                              ImVec2(m, ly), w, big, ui.theme.muted) + gap;
                ly += ui.px(1.0f);
                continue;
            }
            // The headline: the most chosen answer and its share (none under the small-number rule).
            if (const results::Headline head = results::headline(qt, min)) {
                std::string answers;
                for (std::size_t i = 0; i < head.ids.size(); ++i)
                    answers += (i ? s.t("results.list_join") : "") + bar_label(s, q, head.ids[i]);
                ly += ui.text(s.strings.fmt(head.ids.size() > 1 ? "results.headline_tie" : "results.headline",
                                            {{"answer", answers}, {"answers", answers}, {"percent", std::to_string(head.percent)}}),
                              ImVec2(m, ly), w, big, ui.theme.accent) + ui.px(0.3f);
            }
            const auto rows = results::rows(qt, min);
            std::int64_t most = 1;
            for (const auto& r : rows)
                if (!r.hidden) most = std::max(most, r.n);
            for (const auto& r : rows) {
                const std::string label = bar_label(s, q, r.id);
                const float lh = ui.measure(label, label_w, big).y;
                const float row_h = std::max(bar_h, lh);
                ui.text(label, ImVec2(m, ly + (row_h - lh) / 2), label_w, big);
                const std::string n = r.hidden ? fewer
                                      : r.percent ? s.strings.fmt("results.count_percent", {{"count", std::to_string(r.n)},
                                                                                            {"percent", std::to_string(*r.percent)}})
                                                  : std::to_string(r.n);
                const float bx = m + label_w + ui.px(0.6f);
                const float count_w = ui.measure(n, 0, big).x;
                const float bar_max = std::max(ui.px(1), w - label_w - ui.px(1.4f) - count_w);
                float bw = 0;
                if (!r.hidden && r.n > 0) {
                    bw = std::max(ui.px(0.3f), bar_max * static_cast<float>(r.n) / static_cast<float>(most));
                    dl->AddRectFilled(ImVec2(bx, ly + (row_h - bar_h) / 2 + ui.px(0.15f)),
                                      ImVec2(bx + bw, ly + (row_h + bar_h) / 2 - ui.px(0.15f)), ui.theme.accent, ui.px(0.2f));
                }
                ui.text(n, ImVec2(bx + bw + ui.px(0.4f), ly + (row_h - big->FontSize) / 2), 0, big,
                        r.hidden ? ui.theme.muted : ui.theme.text);
                ly += row_h + gap;
            }
            ly += ui.px(1.0f);
        }
        list.end(ui, ly - top);
    }
    if (ui.button(s.t("results.back"), ImVec2(m, bottom), ImVec2(std::min(inner, ui.px(12)), bh), Look::Primary, true,
                  "results.back"))
        act([](KioskState& st) { st.pop(); });
}

}  // namespace engage::ui
