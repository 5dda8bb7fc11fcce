// Facilitator screens: PIN pad, the panel (with sync status and pairing), starting a session, choosing the survey.
#include <algorithm>
#include <cmath>

#include "ui/screens.h"

namespace engage::ui {

std::string draw_pin(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    float y = m;
    const bool setup = s.mode == Mode::PinSetup;
    y += ui.text_centered(setup ? s.t("pin.setup_title") : s.t("pin.title"), y, ui.fonts.heading);
    // Dots for the digits typed so far.
    const float dot = ui.px(0.45f);
    const float dots_w = static_cast<float>(kPinMaxDigits) * dot * 3;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    y += ui.px(0.6f);
    for (int i = 0; i < kPinMaxDigits; ++i) {
        const ImVec2 c((W - dots_w) / 2 + (static_cast<float>(i) + 0.5f) * dot * 3, y + dot);
        if (i < static_cast<int>(s.pin_entry.size())) dl->AddCircleFilled(c, dot, ui.theme.text, 24);
        else dl->AddCircle(c, dot, ui.theme.border, 24, ui.px(0.06f));
    }
    y += dot * 2 + ui.px(0.5f);
    std::string msg = s.pin_message;
    const bool locked = !setup && s.pin_guard.locked();
    if (locked) {
        const int secs = static_cast<int>(std::ceil(s.pin_guard.lock_left().count() / 1000.0));
        msg = s.strings.fmt("pin.locked_for", {{"n", std::to_string(secs)}});
    }
    y += ui.text_centered(msg.empty() ? " " : msg, y, nullptr, locked ? ui.theme.danger : ui.theme.muted);
    y += ui.px(0.5f);

    // 3 x 4 pad: 1-9, then Delete 0 OK
    const float bottom = H - m - ui.target(ui.m.button_h);
    const float key = std::max(ui.m.min_target_px, std::min(ui.px(3.6f), (bottom - y - ui.px(1)) / 4 - ui.px(0.3f)));
    const float gap = ui.px(0.3f);
    const float pad_w = 3 * key + 2 * gap;
    const float x0 = (W - pad_w) / 2;
    const char* labels[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", ""};
    for (int i = 0; i < 12; ++i) {
        const ImVec2 p(x0 + static_cast<float>(i % 3) * (key + gap), y + static_cast<float>(i / 3) * (key + gap));
        if (i == 9) {
            if (ui.button(s.t("pin.delete"), p, ImVec2(key, key), Look::Normal, !locked, "pin-del")) s.pin_delete();
        } else if (i == 11) {
            if (ui.button(s.t("pin.ok"), p, ImVec2(key, key), Look::Primary, !locked && !s.pin_entry.empty(), "pin-ok"))
                s.pin_submit();
        } else {
            if (ui.button(labels[i], p, ImVec2(key, key), Look::Normal, !locked)) s.pin_digit(labels[i][0]);
        }
    }
    if (ui.button(s.t("pin.cancel"), ImVec2(m, H - m - ui.target(ui.m.button_h)), ImVec2(ui.px(8), ui.target(ui.m.button_h)),
                  Look::Quiet))
        s.leave_facilitator();
    return setup ? "pin_setup" : "pin";
}

// Pairing with the hub: the address and the code on the on-screen keyboard; pairing runs in the background.
static std::string draw_pair(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("pair.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.t("pair.help"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.5f);
    const bool busy = s.pairing_busy();
    auto field = [&](const std::string& label, std::string& value, std::size_t max, const char* id) {
        y += ui.text(label, ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        const float h = ui.target(ui.m.button_h);
        if (ui.button(value.empty() ? s.t("text.tap_to_type") : value, ImVec2(m, y), ImVec2(inner, h), Look::Normal,
                      !busy, id))
            s.open_keyboard(label, value, max, false, [&value](const std::string& t) { value = t; });
        ui.widgets.back().label = label;
        y += h + ui.px(0.5f);
    };
    field(s.t("pair.hub"), s.pair_url, 200, "pair-hub");
    field(s.t("pair.code"), s.pair_code, 64, "pair-code");
    if (!s.pair_message.empty())
        ui.text(s.pair_message, ImVec2(m, y), inner, nullptr, busy ? ui.theme.muted : ui.theme.danger);
    const float bh = ui.target(ui.m.button_h), bottom = H - m - bh;
    const float bw = std::min(ui.px(10), inner / 2 - ui.px(0.5f));
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Normal, !busy)) s.cancel_pair();
    if (ui.button(s.t("pair.confirm"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Primary,
                  !busy && !s.pair_url.empty() && !s.pair_code.empty()))
        s.confirm_pair();
    return "pair_hub";
}

std::string draw_facilitator(KioskState& s, Ui& ui) {
    if (s.pair_open) return draw_pair(s, ui);
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("facilitator.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);

    // Status
    std::string session = s.t("facilitator.no_session");
    if (s.session)
        session = s.strings.fmt("facilitator.session",
                                {{"event", s.session->event}, {"venue", s.session->venue.empty() ? "—" : s.session->venue}});
    y += ui.text(session, ImVec2(m, y), inner) + ui.px(0.3f);
    if (s.survey)
        y += ui.text(s.strings.fmt("facilitator.survey", {{"title", s.survey->title.get("en", s.survey->default_language())},
                                                          {"version", std::to_string(s.survey->version)}}),
                     ImVec2(m, y), inner) + ui.px(0.3f);

    // Counts as three big tiles
    const float gap = ui.px(ui.m.gap);
    const float tile_w = (inner - 2 * gap) / 3, tile_h = ui.px(3.6f);
    const std::pair<std::string, long long> tiles[3] = {{s.t("facilitator.count_session"), s.counts.this_session},
                                                        {s.t("facilitator.count_today"), s.counts.today},
                                                        {s.t("facilitator.count_waiting"), s.counts.waiting_sync}};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int i = 0; i < 3; ++i) {
        const ImVec2 p(m + static_cast<float>(i) * (tile_w + gap), y);
        dl->AddRectFilled(p, ImVec2(p.x + tile_w, p.y + tile_h), ui.theme.panel, ui.px(0.3f));
        dl->AddRect(p, ImVec2(p.x + tile_w, p.y + tile_h), ui.theme.border, ui.px(0.3f), 0, ui.px(0.06f));
        const std::string n = std::to_string(tiles[i].second);
        ui.text(n, ImVec2(p.x + ui.px(0.5f), p.y + ui.px(0.2f)), 0, ui.fonts.huge);
        ui.text(tiles[i].first, ImVec2(p.x + ui.px(0.5f), p.y + tile_h - ui.px(1.4f)), tile_w - ui.px(1), nullptr, ui.theme.muted);
    }
    y += tile_h + ui.px(0.3f);

    // Sync: the hub, what the thread is doing (a bar while sending), sent count and last success, set-aside records
    {
        const float pw = std::min(ui.px(8), inner / 3), ph = ui.target(ui.m.button_h * 0.8f);
        if (ui.button(s.t("sync.pair"), ImVec2(m + inner - pw, y), ImVec2(pw, ph), Look::Normal, s.store != nullptr))
            s.begin_pair();
        const float th = ui.text(s.sync_hub_line(), ImVec2(m, y), inner - pw - gap, nullptr, s.hub_url.empty() ? ui.theme.muted : 0);
        y += std::max(th, ph) + ui.px(0.2f);
    }
    if (s.sync_status.phase == SyncPhase::Sending && s.sync_status.pass.total > 0) {
        const float frac = std::min(1.f, static_cast<float>(s.sync_status.pass.sent) / static_cast<float>(s.sync_status.pass.total));
        const float bar_h = ui.px(0.4f);
        dl->AddRectFilled(ImVec2(m, y + ui.px(0.1f)), ImVec2(m + inner, y + ui.px(0.1f) + bar_h), ui.theme.panel, bar_h / 2);
        dl->AddRectFilled(ImVec2(m, y + ui.px(0.1f)), ImVec2(m + inner * frac, y + ui.px(0.1f) + bar_h), ui.theme.accent, bar_h / 2);
        y += bar_h + ui.px(0.3f);
    }
    if (const std::string line = s.sync_state_line(); !line.empty())
        y += ui.text(line, ImVec2(m, y), inner, nullptr, s.sync_is_error() ? ui.theme.danger : 0) + ui.px(0.1f);
    if (!s.hub_url.empty()) y += ui.text(s.sync_sent_line(), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.1f);
    if (const std::string q = s.sync_quarantine_line(); !q.empty())
        y += ui.text(q, ImVec2(m, y), inner, nullptr, ui.theme.danger) + ui.px(0.1f);
    y += ui.px(0.2f);

    // Problems the facilitator must know about
    for (const auto& p : s.facilitator_problems())
        y += ui.text(p, ImVec2(m, y), inner, nullptr, ui.theme.danger) + ui.px(0.2f);
    if (!s.facilitator_message.empty())
        y += ui.text(s.facilitator_message, ImVec2(m, y), inner, nullptr, ui.theme.ok) + ui.px(0.2f);

    // Actions: two rows of buttons at the bottom
    const float bh = ui.target(ui.m.button_h);
    const float bw = (inner - 2 * gap) / 3;
    const float row2 = H - m - bh, row1 = row2 - gap - bh, row0 = row1 - gap - bh;
    auto col = [&](int i) { return m + static_cast<float>(i) * (bw + gap); };
    const bool has_store = s.store != nullptr;
    const bool open = has_store && s.session.has_value();
    if (ui.button(s.t("facilitator.results"), ImVec2(col(0), row0), ImVec2(bw, bh), Look::Normal, open && s.survey))
        s.open_results();
    if (ui.button(s.t("facilitator.usb"), ImVec2(col(1), row0), ImVec2(bw, bh), Look::Normal, has_store)) s.begin_usb();
    if (ui.button(s.t("facilitator.start"), ImVec2(col(0), row1), ImVec2(bw, bh), Look::Normal, has_store)) s.begin_start_session();
    if (ui.button(s.t("facilitator.end"), ImVec2(col(1), row1), ImVec2(bw, bh), Look::Normal, open)) s.end_session();
    if (ui.button(s.t("facilitator.choose_survey"), ImVec2(col(2), row1), ImVec2(bw, bh))) s.begin_choose_survey();
    if (ui.button(s.t("facilitator.back"), ImVec2(col(0), row2), ImVec2(bw, bh), Look::Primary)) s.leave_facilitator();
    if (ui.button(s.t("sync.now"), ImVec2(col(1), row2), ImVec2(bw, bh), Look::Normal, s.sync != nullptr)) s.sync_now();
    if (ui.button(s.t("facilitator.exit"), ImVec2(col(2), row2), ImVec2(bw, bh), Look::Danger)) s.quit = true;
    return "facilitator";
}

std::string draw_start_session(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("facilitator.start_title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);
    auto field = [&](const std::string& label, std::string& value, const char* id) {
        y += ui.text(label, ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        const float h = ui.target(ui.m.button_h);
        const std::string shown = value.empty() ? s.t("text.tap_to_type") : value;
        if (ui.button(shown, ImVec2(m, y), ImVec2(inner, h), Look::Normal, true, id))
            s.open_keyboard(label, value, 80, false, [&value](const std::string& t) { value = t; });
        ui.widgets.back().label = label;
        y += h + ui.px(0.5f);
    };
    field(s.t("facilitator.event"), s.session_event, "event");
    field(s.t("facilitator.venue"), s.session_venue, "venue");

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (!s.recent_places.empty()) {
        y += ui.text(s.t("facilitator.earlier"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        for (const auto& [event, venue] : s.recent_places) {
            const float h = ui.target(ui.m.button_h * 0.8f);
            if (y + h > bottom - ui.px(0.5f)) break;
            const std::string label = venue.empty() ? event : event + " — " + venue;
            if (ui.button(label, ImVec2(m, y), ImVec2(inner, h), Look::Quiet)) {
                s.session_event = event;
                s.session_venue = venue;
            }
            y += h + ui.px(0.3f);
        }
    }
    const float bw = std::min(ui.px(10), inner / 2 - ui.px(0.5f));
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(bw, bh))) s.mode = Mode::Facilitator;
    if (ui.button(s.t("facilitator.start_confirm"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Primary,
                  !s.session_event.empty()))
        s.confirm_start_session();
    return "start_session";
}

std::string draw_choose_survey(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("facilitator.choose_title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);
    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    float content = 0;
    std::vector<std::string> labels;
    for (const auto& c : s.survey_choices) {
        std::string l = c.title + "\n" + c.path;
        if (!c.problem.empty()) l += "\n" + s.t("facilitator.survey_invalid") + " " + c.problem;
        labels.push_back(l);
        content += ui.option_height(l, inner - ui.target(3.2f)) + ui.px(0.4f);
    }
    const float width = content > bottom - y - ui.px(0.5f) ? inner - ui.target(3.2f) : inner;
    ScrollList list{"surveys", ImVec2(m, y), ImVec2(width, bottom - y - ui.px(0.5f)), &s.list_scroll["choose-survey"]};
    ImVec2 p = list.begin(ui);
    for (std::size_t i = 0; i < s.survey_choices.size(); ++i) {
        float h = 0;
        const bool current = s.survey_choices[i].path == s.survey_path;
        if (ui.option(labels[i], current, false, p, width, &h) && s.survey_choices[i].problem.empty()) {
            s.choose_survey(s.survey_choices[i]);
            break;
        }
        p.y += h + ui.px(0.4f);
    }
    list.end(ui, content);
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(std::min(ui.px(10), inner / 2), bh)))
        s.mode = Mode::Facilitator;
    return "choose_survey";
}

}  // namespace engage::ui
