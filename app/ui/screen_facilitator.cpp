// Facilitator screens: PIN pad, the panel (with sync status), Exit's confirmation, pairing, starting a session,
// choosing the survey.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engage/log.h"
#include "engage/pin_reset.h"
#include "engage/published.h"
#include "engage/textcheck.h"
#include "pair_reply.h"
#include "ui/screens.h"

namespace fs = std::filesystem;

namespace engage::ui {

PinScreen::PinScreen(const KioskState& s, Purpose p) : purpose_(p) {
    if (p == Purpose::Choose) message_ = s.t("pin.choose");
}

std::string PinScreen::name(const KioskState&) const {
    return purpose_ == Purpose::Choose ? "pin_setup" : purpose_ == Purpose::ResetCode ? "pin_reset" : "pin";
}

void PinScreen::automation(const KioskState& s, nlohmann::json& j) const {
    j["message"] = message_;
    j["locked"] = s.pin_guard.locked();
}

void PinScreen::submit(KioskState& s) {
    if (purpose_ == Purpose::ResetCode) {
        PinResetResult r = PinResetResult::Wrong;
        try {
            r = use_pin_reset_code(*s.store, s.pin_guard, entry_);
        } catch (const std::exception& e) {
            message_ = e.what();
            log_error(std::string("PIN reset: ") + e.what());
        }
        s.save_pin_guard();
        entry_.clear();
        switch (r) {
            case PinResetResult::Reset:  // the PIN is gone: choose a new one now
                purpose_ = Purpose::Choose;
                first_.clear();
                message_ = s.t("pin.choose");
                break;
            case PinResetResult::NoKey: message_ = s.t("pin.reset_no_key"); break;
            case PinResetResult::Locked: message_ = s.t("pin.locked"); break;
            case PinResetResult::Wrong:
                message_ = s.pin_guard.locked() ? s.t("pin.locked") : s.t("pin.reset_bad");
                break;
        }
        return;
    }
    if (purpose_ == Purpose::Choose) {
        if (!pin_is_well_formed(entry_)) {
            message_ = s.t("pin.rule");
        } else if (first_.empty()) {
            first_ = entry_;
            message_ = s.t("pin.again");
        } else if (first_ != entry_) {
            first_.clear();
            message_ = s.t("pin.mismatch");
        } else {
            try {
                s.store->set_setting("pin_hash", hash_pin(entry_));
                log_info("Facilitator PIN set");
                s.refresh_counts();
                s.pop();
                s.push(std::make_unique<FacilitatorScreen>());
            } catch (const std::exception& e) {
                message_ = e.what();
                log_error(std::string("Could not store the PIN: ") + e.what());
            }
            first_.clear();
        }
        entry_.clear();
        return;
    }
    if (s.pin_guard.locked()) {
        entry_.clear();
        return;
    }
    std::optional<std::string> hash;
    try {
        if (s.store) hash = s.store->setting("pin_hash");
    } catch (const std::exception& e) {
        log_error(std::string("Could not read the PIN: ") + e.what());
    }
    const bool ok = hash && s.pin_guard.attempt(*hash, entry_);
    s.save_pin_guard();
    entry_.clear();
    if (ok) {
        s.facilitator_message.clear();
        s.refresh_counts();
        log_info("Facilitator panel opened");
        s.pop();
        s.push(std::make_unique<FacilitatorScreen>());
    } else if (s.pin_guard.locked()) {
        message_ = s.t("pin.locked");
        log_warn("Facilitator PIN: too many wrong tries, locked for 60 s");
    } else {
        message_ = s.strings.fmt("pin.wrong", {{"n", std::to_string(s.pin_guard.tries_left())}});
    }
}

void PinScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    float y = m;
    const bool setup = purpose_ == Purpose::Choose;
    y += ui.text_centered(setup ? s.t("pin.setup_title") : purpose_ == Purpose::ResetCode ? s.t("pin.reset_title") : s.t("pin.title"),
                          y, ui.fonts.heading);
    // Dots for the digits typed so far.
    const float dot = ui.px(0.45f);
    const float dots_w = static_cast<float>(kPinMaxDigits) * dot * 3;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    y += ui.px(0.6f);
    for (int i = 0; i < kPinMaxDigits; ++i) {
        const ImVec2 c((W - dots_w) / 2 + (static_cast<float>(i) + 0.5f) * dot * 3, y + dot);
        if (i < static_cast<int>(entry_.size())) dl->AddCircleFilled(c, dot, ui.theme.text, 24);
        else dl->AddCircle(c, dot, ui.theme.border, 24, ui.px(0.06f));
    }
    y += dot * 2 + ui.px(0.5f);
    std::string msg = message_;
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
            if (ui.button(s.t("pin.delete"), p, ImVec2(key, key), Look::Normal, !locked, "pin.delete"))
                act([this](KioskState&) {
                    if (!entry_.empty()) entry_.pop_back();
                });
        } else if (i == 11) {
            if (ui.button(s.t("pin.ok"), p, ImVec2(key, key), Look::Primary, !locked && !entry_.empty(), "pin.ok"))
                act([this](KioskState& st) { submit(st); });
        } else {
            const char d = labels[i][0];
            if (ui.button(labels[i], p, ImVec2(key, key), Look::Normal, !locked))
                act([this, d](KioskState&) {
                    if (entry_.size() < kPinMaxDigits) entry_.push_back(d);
                });
        }
    }
    const float bh = ui.target(ui.m.button_h);
    if (ui.button(s.t("pin.cancel"), ImVec2(m, H - m - bh), ImVec2(ui.px(8), bh), Look::Quiet, true, "pin.cancel"))
        act([](KioskState& st) { st.leave_facilitator(); });
    // A forgotten PIN: a one-time code from the organiser's hub (or the device's own command line, docs/access.md).
    if (purpose_ == Purpose::Enter) {
        const float fw = std::min(W - 2 * m - ui.px(8.5f), ui.measure(s.t("pin.forgot"), 0).x + ui.px(1.6f));
        if (ui.button(s.t("pin.forgot"), ImVec2(W - m - fw, H - m - bh), ImVec2(fw, bh), Look::Quiet, !locked, "pin.forgot"))
            act([this](KioskState& st) {
                purpose_ = Purpose::ResetCode;
                entry_.clear();
                message_ = st.t("pin.reset_help");
            });
    }
}

PairScreen::PairScreen(const KioskState& s) : url_(s.hub_url) {}

void PairScreen::automation(const KioskState&, nlohmann::json& j) const {
    j["message"] = message_;
    j["hub_address"] = url_;  // an address, never a secret (the code is not written)
}

void PairScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("pair.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.t("pair.help"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.5f);
    const bool busy = pairing_.valid();
    auto field = [&](const std::string& label, std::string& value, std::size_t max, const char* id, bool address) {
        y += ui.text(label, ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        const float h = ui.target(ui.m.button_h);
        if (ui.button(value.empty() ? s.t("text.tap_to_type") : value, ImVec2(m, y), ImVec2(inner, h), Look::Normal,
                      !busy, id)) {
            KeyboardRequest r;
            r.title = label;
            r.initial = value;
            r.max_chars = max;
            r.address = address;
            std::string* target = &value;  // this screen stays under the keyboard until it commits
            r.commit = [target](KioskState&, const std::string& t) { *target = t; };
            act([r](KioskState& st) { open_keyboard(st, r); });
        }
        ui.widgets.back().label = label;
        y += h + ui.px(0.5f);
    };
    field(s.t("pair.hub"), url_, 200, "pair.hub", true);
    field(s.t("pair.code"), code_, 64, "pair.code", false);
    if (!message_.empty()) ui.text(message_, ImVec2(m, y), inner, nullptr, busy ? ui.theme.muted : ui.theme.danger);
    const float bh = ui.target(ui.m.button_h), bottom = H - m - bh;
    const float bw = std::min(ui.px(10), inner / 2 - ui.px(0.5f));
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Normal, !busy, "pair.cancel"))
        act([](KioskState& st) { st.pop(); });
    if (ui.button(s.t("pair.confirm"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Primary,
                  !busy && !url_.empty() && !code_.empty(), "pair.confirm"))
        act([this](KioskState& st) { confirm(st); });
}

void PairScreen::confirm(KioskState& s) {
    if (pairing_.valid() || !s.store) return;
    const std::string url = normalise_hub_url(url_), code = trim(code_);
    if (const std::string why = check_hub_url(url); !why.empty()) {
        message_ = s.strings.fmt("pair.bad_address", {{"why", why}});
        return;
    }
    if (code.empty()) return;
    std::string ca = s.config.ca_file;
    try {
        if (ca.empty()) ca = s.store->setting(kSettingCaFile).value_or("");
    } catch (const std::exception&) {
    }
    hub_ = url;
    message_ = s.t("pair.busy");
    // On its own thread with its own curl handle: poll() takes the result and the UI never waits.
    pairing_ = std::async(std::launch::async, [url, code, ca, kiosk = s.store->kiosk_id()] {
        Result r;
        try {
            SyncSettings settings;
            settings.ca_file = ca;
            auto curl = make_curl_transport(settings);
            KeepReply reply(*curl);  // the reply also carries the USB bundle key
            r.token = pair_with_hub(reply, url, code, kiosk, r.error);
            if (!r.token.empty()) r.bundle_key = bundle_key_from_pair_reply(reply.last.body);
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        return r;
    });
}

bool PairScreen::poll(KioskState& s) {
    if (!pairing_.valid()) return false;
    if (pairing_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return true;  // "Pairing..." stays drawn
    const Result r = pairing_.get();
    if (r.token.empty()) {
        message_ = s.strings.fmt("pair.failed", {{"error", r.error}});
        log_warn("Pairing with " + hub_ + " failed: " + r.error);
        return true;
    }
    try {
        s.sync.reset();  // the old thread must not write its status (e.g. "paused") over the new pairing
        save_pairing(*s.store, hub_, r.token,
                     s.config.ca_file.empty() ? s.store->setting(kSettingCaFile).value_or("") : s.config.ca_file);
        if (r.bundle_key) save_bundle_key(*s.store, *r.bundle_key);
        s.facilitator_message = s.strings.fmt("pair.done", {{"hub", hub_}});
        log_info("Paired with the hub " + hub_);
        s.start_sync();
        if (&s.top() == this) s.pop();
    } catch (const std::exception& e) {
        message_ = s.strings.fmt("pair.failed", {{"error", e.what()}});
        s.start_sync();  // carry on with the old settings
    }
    return true;
}

void FacilitatorScreen::automation(const KioskState& s, nlohmann::json& j) const {
    j["problems"] = s.facilitator_problems();
    j["sync"] = {{"hub", s.hub_url},
                 {"state", s.sync_state_line()},
                 {"waiting", s.counts.waiting_sync},
                 {"sent", s.counts.acknowledged},
                 {"quarantined", s.counts.quarantined},
                 {"error", s.sync_is_error() ? s.sync_status.last_error : ""}};
}

void FacilitatorScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    const float gap = ui.px(ui.m.gap);
    float y = m;
    // A label's height in a button this wide; a button as tall as its label needs (large text wraps it), never
    // below `least`.
    const auto label_h = [&](const std::string& label, float w) { return ui.measure(label, w - 2 * ui.button_pad(w)).y; };
    const auto need = [&](const std::string& label, float w, float least) {
        return std::max(least, label_h(label, w) + ui.px(0.8f));
    };
    // Exit is away from the everyday buttons, at the top right, and asks first.
    const float exit_w = std::min(inner * 0.4f, ui.measure(s.t("facilitator.exit"), 0).x + ui.px(1.6f));
    const float exit_h = need(s.t("facilitator.exit"), exit_w, ui.target(1.8f));
    if (ui.button(s.t("facilitator.exit"), ImVec2(W - m - exit_w, y), ImVec2(exit_w, exit_h), Look::Quiet, true,
                  "facilitator.exit"))
        act([](KioskState& st) { st.push(std::make_unique<ConfirmExitScreen>()); });
    y += std::max(exit_h, ui.text(s.t("facilitator.title"), ImVec2(m, y), inner - exit_w - ui.px(0.5f), ui.fonts.heading)) +
         ui.px(0.3f);
    const float button_h = ui.target(ui.m.button_h);
    const bool has_store = s.store != nullptr;
    const bool open = has_store && s.session.has_value();
    struct Button {
        std::string label;
        const char* id;
        bool enabled;
        void (*go)(KioskState&);
    };
    const Button actions[] = {
        {s.t("facilitator.results"), "facilitator.results", has_store && s.survey.has_value(),
         [](KioskState& st) {
             auto r = std::make_unique<ResultsScreen>(st);
             if (r->ok()) st.push(std::move(r));
         }},
        {s.t("facilitator.usb"), "facilitator.usb", has_store, [](KioskState& st) { st.push(std::make_unique<UsbScreen>(st)); }},
        {s.t("facilitator.load_usb"), "facilitator.load_usb", has_store,
         [](KioskState& st) { st.push(std::make_unique<SetupUsbScreen>(st)); }},
        {s.t("facilitator.start"), "facilitator.start", has_store,
         [](KioskState& st) { st.push(std::make_unique<SessionScreen>(st)); }},
        {s.t("facilitator.end"), "facilitator.end", open, [](KioskState& st) { st.end_session(); }},
        {s.t("facilitator.choose_survey"), "facilitator.choose_survey", true,
         [](KioskState& st) { st.push(std::make_unique<ChooseSurveyScreen>(st)); }},
    };

    // The bottom row, always in view: "Back to the kiosk" is the big one.
    int cols = 3;  // two when a label would need more than two lines in a third of the width
    for (const Button& a : actions)
        if (label_h(a.label, (inner - 2 * gap) / 3) > 2.5f * ui.fonts.body->FontSize) cols = 2;
    const float cw = (inner - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    const float back_w = inner - cw - gap;
    const float bottom_h = std::max(need(s.t("facilitator.back"), back_w, button_h), need(s.t("sync.now"), cw, button_h));
    const float bottom_y = H - m - bottom_h;
    if (ui.button(s.t("facilitator.back"), ImVec2(m, bottom_y), ImVec2(back_w, bottom_h), Look::Primary, true,
                  "facilitator.back"))
        act([](KioskState& st) { st.leave_facilitator(); });
    if (ui.button(s.t("sync.now"), ImVec2(m + back_w + gap, bottom_y), ImVec2(cw, bottom_h), Look::Normal,
                  s.sync != nullptr, "sync.now"))
        act([](KioskState& st) { st.sync_now(); });

    // Everything else scrolls between the title and the bottom row when it does not fit.
    const float view_h = std::max(ui.m.min_target_px * 2, bottom_y - gap - y);
    const float lw = scrolls_ ? inner - ui.target(2.6f) - ui.px(0.6f) : inner;
    ScrollList list{"facilitator", ImVec2(m, y), ImVec2(lw, view_h), &scroll_};
    list.can_scroll = scrolls_;  // a slide on a button that does not scroll anything is still a tap
    const ImVec2 o = list.begin(ui);
    float cy = o.y;

    // Status
    std::string session = s.t("facilitator.no_session");
    if (s.session)
        session = s.strings.fmt("facilitator.session",
                                {{"event", s.session->event}, {"venue", s.session->venue.empty() ? "—" : s.session->venue}});
    cy += ui.text(session, ImVec2(m, cy), lw) + ui.px(0.3f);
    if (s.survey) cy += ui.text(s.survey_live_line(), ImVec2(m, cy), lw) + ui.px(0.3f);
    if (const std::string next = s.survey_next_line(); !next.empty()) cy += ui.text(next, ImVec2(m, cy), lw) + ui.px(0.3f);

    // Counts as three big tiles side by side, as tall as their words need; one under another, the number beside
    // its words, where a third of the width would break a word.
    const std::pair<std::string, long long> tiles[3] = {{s.t("facilitator.count_session"), s.counts.this_session},
                                                        {s.t("facilitator.count_today"), s.counts.today},
                                                        {s.t("facilitator.count_waiting"), s.counts.waiting_sync}};
    bool side_by_side = true;
    for (const auto& t : tiles)
        side_by_side = side_by_side && !ui.breaks_word(t.first, ui.fonts.body, ui.fonts.body->FontSize, (lw - 2 * gap) / 3 - ui.px(1));
    const float tile_w = side_by_side ? (lw - 2 * gap) / 3 : lw;
    float number_w = 0;
    for (const auto& t : tiles) number_w = std::max(number_w, ui.measure(std::to_string(t.second), 0, ui.fonts.huge).x);
    const float number_h = ui.measure("0", 0, ui.fonts.huge).y;
    const float words_x = side_by_side ? ui.px(0.5f) : ui.px(0.5f) + number_w + ui.px(0.6f);
    const float words_w = tile_w - words_x - ui.px(0.5f);
    float words_h = 0;
    for (const auto& t : tiles) words_h = std::max(words_h, ui.measure(t.first, words_w).y);
    const float tile_h = side_by_side ? std::max(ui.px(3.6f), ui.px(0.2f) + number_h + words_h + ui.px(0.3f))
                                      : std::max(number_h, words_h) + ui.px(0.4f);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int i = 0; i < 3; ++i) {
        const ImVec2 p = side_by_side ? ImVec2(m + static_cast<float>(i) * (tile_w + gap), cy)
                                      : ImVec2(m, cy + static_cast<float>(i) * (tile_h + gap));
        dl->AddRectFilled(p, ImVec2(p.x + tile_w, p.y + tile_h), ui.theme.panel, ui.px(0.3f));
        dl->AddRect(p, ImVec2(p.x + tile_w, p.y + tile_h), ui.theme.border, ui.px(0.3f), 0, ui.px(0.06f));
        const float number_y = side_by_side ? p.y + ui.px(0.2f) : p.y + (tile_h - number_h) / 2;
        ui.text(std::to_string(tiles[i].second), ImVec2(p.x + ui.px(0.5f), number_y), 0, ui.fonts.huge);
        const float wy = side_by_side ? p.y + tile_h - ui.px(0.3f) - words_h
                                      : p.y + (tile_h - ui.measure(tiles[i].first, words_w).y) / 2;
        ui.text(tiles[i].first, ImVec2(p.x + words_x, wy), words_w, nullptr, ui.theme.muted);
    }
    cy += (side_by_side ? tile_h : 3 * tile_h + 2 * gap) + ui.px(0.3f);

    // Sync: the hub, what the thread is doing (a bar while sending), sent count and last success, set-aside records
    {
        const float pw = std::min(ui.px(8), lw / 3), ph = need(s.t("sync.pair"), pw, ui.target(ui.m.button_h * 0.8f));
        if (ui.button(s.t("sync.pair"), ImVec2(m + lw - pw, cy), ImVec2(pw, ph), Look::Normal, has_store, "facilitator.pair"))
            act([](KioskState& st) { st.push(std::make_unique<PairScreen>(st)); });
        float th = ui.text(s.sync_hub_line(), ImVec2(m, cy), lw - pw - gap, nullptr, s.hub_url.empty() ? ui.theme.muted : 0);
        // Until the hub's key is set the answers lie on this kiosk in the clear: say so beside the way to change it.
        if (!s.answers_protected)
            th += ui.text(s.t("facilitator.not_protected"), ImVec2(m, cy + th), lw - pw - gap, nullptr, ui.theme.danger);
        cy += std::max(th, ph) + ui.px(0.2f);
    }
    if (s.sync_status.phase == SyncPhase::Sending && s.sync_status.pass.total > 0) {
        const float frac = std::min(1.f, static_cast<float>(s.sync_status.pass.sent) / static_cast<float>(s.sync_status.pass.total));
        const float bar_h = ui.px(0.4f);
        dl->AddRectFilled(ImVec2(m, cy + ui.px(0.1f)), ImVec2(m + lw, cy + ui.px(0.1f) + bar_h), ui.theme.panel, bar_h / 2);
        dl->AddRectFilled(ImVec2(m, cy + ui.px(0.1f)), ImVec2(m + lw * frac, cy + ui.px(0.1f) + bar_h), ui.theme.accent, bar_h / 2);
        cy += bar_h + ui.px(0.3f);
    }
    if (const std::string line = s.sync_state_line(); !line.empty())
        cy += ui.text(line, ImVec2(m, cy), lw, nullptr, s.sync_is_error() ? ui.theme.danger : 0) + ui.px(0.1f);
    if (!s.hub_url.empty()) cy += ui.text(s.sync_sent_line(), ImVec2(m, cy), lw, nullptr, ui.theme.muted) + ui.px(0.1f);
    if (const std::string q = s.sync_quarantine_line(); !q.empty())
        cy += ui.text(q, ImVec2(m, cy), lw, nullptr, ui.theme.danger) + ui.px(0.1f);
    cy += ui.px(0.2f);

    // Problems the facilitator must know about
    for (const auto& p : s.facilitator_problems())
        cy += ui.text(p, ImVec2(m, cy), lw, nullptr, ui.theme.danger) + ui.px(0.2f);
    if (!s.facilitator_message.empty())
        cy += ui.text(s.facilitator_message, ImVec2(m, cy), lw, nullptr, ui.theme.ok) + ui.px(0.2f);

    // The other actions in rows, each row as tall as its longest label; at the bottom of the room when it fits.
    const float bw = (lw - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    const std::size_t n = std::size(actions), per = static_cast<std::size_t>(cols);
    std::vector<float> row_h;
    for (std::size_t i = 0; i < n; i += per) {
        float h = 0;
        for (std::size_t j = i; j < std::min(n, i + per); ++j) h = std::max(h, need(actions[j].label, bw, button_h));
        row_h.push_back(h);
    }
    float grid_h = 0;
    for (float h : row_h) grid_h += h + gap;
    float gy = std::max(cy + ui.px(0.2f), o.y + view_h - grid_h + gap);
    for (std::size_t i = 0; i < n; ++i) {
        const Button& a = actions[i];
        const std::size_t row = i / per, c = i % per;
        if (ui.button(a.label, ImVec2(m + static_cast<float>(c) * (bw + gap), gy), ImVec2(bw, row_h[row]), Look::Normal,
                      a.enabled, a.id))
            act(a.go);
        if (c + 1 == per || i + 1 == n) gy += row_h[row] + gap;
    }
    const float content_h = gy - gap - o.y;
    list.end(ui, content_h);
    const bool scrolls = content_h > view_h + 0.5f;
    if (scrolls != scrolls_) {
        scrolls_ = scrolls;
        ui.want_frame = true;  // lay out again with (or without) room for the Up / Down buttons
    }
}

void ConfirmExitScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = H * 0.2f;
    y += ui.text_centered(s.t("exit.title"), y, ui.fonts.heading) + ui.px(0.6f);
    ui.text_centered(s.t("exit.body"), y, nullptr, ui.theme.muted);
    const float bh = ui.target(ui.m.button_h * 1.2f);
    const float bw = std::min(inner / 2 - ui.px(0.5f), ui.px(12));
    const float by = H - m - bh;
    if (ui.button(s.t("exit.keep"), ImVec2(m, by), ImVec2(bw, bh), Look::Primary, true, "exit.keep"))
        act([](KioskState& st) { st.pop(); });
    if (ui.button(s.t("exit.confirm"), ImVec2(W - m - bw, by), ImVec2(bw, bh), Look::Danger, true, "exit.confirm"))
        act([](KioskState& st) {
            log_info("The facilitator exited the app");
            st.quit = true;
        });
}

SessionScreen::SessionScreen(KioskState& s) {
    try {
        if (s.store) recent_ = s.store->recent_places();
    } catch (const std::exception& e) {
        log_warn(std::string("Could not list earlier sessions: ") + e.what());
    }
}

void SessionScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("facilitator.start_title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);
    auto field = [&](const std::string& label, std::string& value, const char* id) {
        y += ui.text(label, ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        const float h = ui.target(ui.m.button_h);
        const std::string shown = value.empty() ? s.t("text.tap_to_type") : value;
        if (ui.button(shown, ImVec2(m, y), ImVec2(inner, h), Look::Normal, true, id)) {
            KeyboardRequest r;
            r.title = label;
            r.initial = value;
            r.max_chars = 80;
            std::string* target = &value;  // this screen stays under the keyboard until it commits
            r.commit = [target](KioskState&, const std::string& t) { *target = t; };
            act([r](KioskState& st) { open_keyboard(st, r); });
        }
        ui.widgets.back().label = label;
        y += h + ui.px(0.5f);
    };
    field(s.t("facilitator.event"), event_, "session.event");
    field(s.t("facilitator.venue"), venue_, "session.venue");

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (!recent_.empty()) {
        y += ui.text(s.t("facilitator.earlier"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.2f);
        for (const auto& [event, venue] : recent_) {
            const float h = ui.target(ui.m.button_h * 0.8f);
            if (y + h > bottom - ui.px(0.5f)) break;
            const std::string label = venue.empty() ? event : event + " — " + venue;
            if (ui.button(label, ImVec2(m, y), ImVec2(inner, h), Look::Quiet))
                act([this, e = event, v = venue](KioskState&) {
                    event_ = e;
                    venue_ = v;
                });
            y += h + ui.px(0.3f);
        }
    }
    const float bw = std::min(ui.px(10), inner / 2 - ui.px(0.5f));
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Normal, true, "session.cancel"))
        act([](KioskState& st) { st.pop(); });
    if (ui.button(s.t("facilitator.start_confirm"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Primary,
                  !trim(event_).empty(), "session.start"))
        act([this](KioskState& st) {
            try {
                const Session ses = st.store->start_session(trim(event_), trim(venue_));
                st.facilitator_message = st.strings.fmt("facilitator.started", {{"event", ses.event}});
                log_info("Session started: " + ses.event + " at " + ses.venue);
            } catch (const std::exception& e) {
                st.facilitator_message = e.what();
                log_error(st.facilitator_message);
            }
            st.refresh_counts();
            st.pop();
        });
}

ChooseSurveyScreen::ChooseSurveyScreen(KioskState& s) {
    // Bundled, local files (<data dir>/surveys) and those published to this kiosk (<data dir>/surveys/hub).
    if (s.store)
        for (const auto& h : held_surveys(*s.store, s.data_dir, s.assets, s.config.survey, s.survey_path))
            choices_.push_back({h.path, h.title.empty() ? fs::path(h.path).filename().string() : h.title, h.problem,
                                s.source_words(h.path)});
    for (const auto& c : choices_) s.extra_glyphs += c.title + c.problem + c.from + " · ";  // other surveys' titles, any script
    s.fonts_dirty = true;
}

void ChooseSurveyScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("facilitator.choose_title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.5f);
    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    float content = 0;
    std::vector<std::string> labels;
    for (const auto& c : choices_) {
        std::string l = c.title + "\n" + c.from + " · " + fs::path(c.path).filename().string();
        if (!c.problem.empty()) l += "\n" + s.t("facilitator.survey_invalid") + " " + c.problem;
        labels.push_back(l);
        content += ui.option_height(l, inner - ui.target(3.2f)) + ui.px(0.4f);
    }
    const float width = content > bottom - y - ui.px(0.5f) ? inner - ui.target(3.2f) : inner;
    ScrollList list{"surveys", ImVec2(m, y), ImVec2(width, bottom - y - ui.px(0.5f)), &scroll_};
    ImVec2 p = list.begin(ui);
    for (std::size_t i = 0; i < choices_.size(); ++i) {
        float h = 0;
        const bool current = choices_[i].path == s.survey_path;
        if (ui.option(labels[i], current, false, p, width, &h) && choices_[i].problem.empty())
            act([c = choices_[i]](KioskState& st) {
                if (st.use_survey(c.path)) st.facilitator_message = st.strings.fmt("facilitator.survey_chosen", {{"title", c.title}});
                else st.facilitator_message = st.survey_problems.empty() ? "" : st.survey_problems.front();
                st.pop();
            });
        p.y += h + ui.px(0.4f);
    }
    list.end(ui, content);
    if (ui.button(s.t("facilitator.cancel"), ImVec2(m, bottom), ImVec2(std::min(ui.px(10), inner / 2), bh), Look::Normal,
                  true, "choose.cancel"))
        act([](KioskState& st) { st.pop(); });
}

}  // namespace engage::ui
