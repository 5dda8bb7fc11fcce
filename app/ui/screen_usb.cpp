// Save to a USB stick: the facilitator picks a mounted drive; every response the hub has not acknowledged is
// sealed into a bundle there (core/bundle), on a background thread, with a progress bar. Set up from a USB
// stick: the kiosk's key file from the hub, found on the mounted drives and loaded with a tap.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engage/kiosk_pack.h"
#include "engage/log.h"

#include "ui/screens.h"

namespace fs = std::filesystem;

namespace engage::ui {
namespace {

std::string size_words(std::uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / (1ull << 30));
    else std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(bytes) / (1ull << 20));
    return buf;
}

}  // namespace

UsbScreen::UsbScreen(KioskState&) : drives_(removable_drives()) {}

void UsbScreen::save_to(KioskState& s, const Drive& d) {
    if (job_.valid() || !s.store) return;
    done_->store(0);
    total_->store(0);
    message_.clear();
    error_ = false;
    log_info("Saving the unsent responses to " + d.path);
    // Its own connection on its own thread: the UI keeps drawing (and saving) meanwhile.
    job_ = std::async(std::launch::async, [dir = s.data_dir, path = d.path, done = done_, total = total_, wake_fn = s.wake]() {
        BundleResult r;
        try {
            auto own = Store::open_existing(dir);
            r = write_bundle(*own, path, [&](std::int64_t n, std::int64_t all) {
                done->store(n);
                total->store(all);
                if (wake_fn && (n % 200 == 0 || n == all)) wake_fn();
            });
        } catch (const std::exception& e) {
            r.ok = false;
            r.error = e.what();
        }
        if (wake_fn) wake_fn();
        return r;
    });
}

bool UsbScreen::poll(KioskState& s) {
    if (!job_.valid()) return false;
    if (job_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return true;  // the bar moves
    const BundleResult r = job_.get();
    error_ = !r.ok;
    if (!r.ok) {
        message_ = s.strings.fmt("usb.failed", {{"error", r.error}});
        log_error("USB bundle not written: " + r.error);
    } else if (r.records == 0) {
        message_ = s.t("usb.nothing");
        log_info("USB bundle: nothing was waiting");
    } else {
        message_ = s.strings.fmt("usb.done", {{"n", std::to_string(r.records)}, {"file", fs::path(r.path).filename().string()}});
        log_info("USB bundle written: " + r.path + " (" + std::to_string(r.records) + " responses, " +
                 std::to_string(r.bytes) + " bytes)");
    }
    drives_ = removable_drives();  // free space changed
    s.refresh_counts();
    return true;
}

void UsbScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("usb.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.t("usb.help"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.6f);
    const bool busy = job_.valid();
    if (busy) {
        const std::int64_t done = done_->load(), total = total_->load();
        y += ui.text(s.strings.fmt("usb.saving", {{"done", std::to_string(done)}, {"total", std::to_string(total)}}),
                     ImVec2(m, y), inner) + ui.px(0.2f);
        const float frac = total > 0 ? static_cast<float>(done) / static_cast<float>(total) : 0.f;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + ui.px(0.5f)), ui.theme.button, ui.px(0.25f));
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner * frac, y + ui.px(0.5f)), ui.theme.accent, ui.px(0.25f));
        y += ui.px(1.0f);
    }
    if (!message_.empty())
        y += ui.text(message_, ImVec2(m, y), inner, nullptr, error_ ? ui.theme.danger : ui.theme.ok) + ui.px(0.4f);

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (drives_.empty()) {
        ui.text(s.t("usb.none"), ImVec2(m, y), inner, ui.fonts.heading);
    } else {
        const float room = bottom - ui.px(0.6f) - y;
        const float gap = ui.px(0.4f);
        const float row = ui.target(ui.m.button_h);
        const float content = static_cast<float>(drives_.size()) * (row + gap);
        const float w = content > room ? inner - ui.target(2.6f) - ui.px(0.6f) : inner;
        ScrollList list{"drives", ImVec2(m, y), ImVec2(w, room), &scroll_};
        float ly = list.begin(ui).y;
        for (const auto& d : drives_) {
            const std::string label = d.label + " — " +
                                      (d.writable ? s.strings.fmt("usb.free", {{"free", size_words(d.free_bytes)}})
                                                  : s.t("usb.read_only"));
            if (ui.button(label, ImVec2(m, ly), ImVec2(w, row), Look::Normal, d.writable && !busy, d.path.c_str()))
                act([this, d](KioskState& st) { save_to(st, d); });
            ly += row + gap;
        }
        list.end(ui, content);
    }
    const float bw = std::min((inner - ui.px(0.6f)) / 2, ui.px(12));
    if (ui.button(s.t("usb.back"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Primary, !busy, "usb.back"))
        act([](KioskState& st) { st.pop(); });
    if (ui.button(s.t("usb.refresh"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Normal, !busy, "usb.refresh"))
        act([this](KioskState&) { drives_ = removable_drives(); });
}

// ---- set up from a USB stick

SetupUsbScreen::SetupUsbScreen(KioskState&) { look(); }

void SetupUsbScreen::look() {
    files_.clear();
    drive_labels_.clear();
    for (const auto& d : removable_drives())
        for (auto& f : find_setup_files(d.path)) {
            files_.push_back(std::move(f));
            drive_labels_.push_back(d.label);
        }
}

void SetupUsbScreen::automation(const KioskState&, nlohmann::json& j) const {
    j["setup_files"] = files_.size();
    j["setup_message"] = message_;
    j["setup_error"] = error_;
}

void SetupUsbScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("setup.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.t("setup.help"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.6f);
    if (!message_.empty())
        y += ui.text(message_, ImVec2(m, y), inner, nullptr, error_ ? ui.theme.danger : ui.theme.ok) + ui.px(0.4f);

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (files_.empty()) {
        ui.text(s.t("setup.none"), ImVec2(m, y), inner, ui.fonts.heading);
    } else {
        // One row per file: its name, the kiosk it is for and the drive it is on.
        const float room = bottom - ui.px(0.6f) - y;
        const float gap = ui.px(0.4f);
        std::vector<std::string> labels;
        for (std::size_t i = 0; i < files_.size(); ++i)
            labels.push_back(files_[i].name + (files_[i].kiosk_name.empty() ? "" : " — " + files_[i].kiosk_name) + " (" +
                             drive_labels_[i] + ")");
        auto rows_h = [&](float w) {
            float h = 0;
            for (const auto& l : labels) h += std::max(ui.target(ui.m.button_h), ui.measure(l, w - ui.px(1.0f)).y + ui.px(0.6f)) + gap;
            return h;
        };
        float w = inner;
        if (rows_h(w) > room) w = inner - ui.target(2.6f) - ui.px(0.6f);
        ScrollList list{"setup_files", ImVec2(m, y), ImVec2(w, room), &scroll_};
        float ly = list.begin(ui).y;
        for (std::size_t i = 0; i < files_.size(); ++i) {
            const float row = std::max(ui.target(ui.m.button_h), ui.measure(labels[i], w - ui.px(1.0f)).y + ui.px(0.6f));
            if (ui.button(labels[i], ImVec2(m, ly), ImVec2(w, row), Look::Normal, s.store != nullptr,
                          ("setup.file." + std::to_string(i)).c_str())) {
                const std::string path = files_[i].path;
                act([this, path](KioskState& st) {
                    if (!st.store) return;
                    const std::string err = load_setup_file(*st.store, path);
                    const bool pack = path.size() > 5 && path.compare(path.size() - 5, 5, kPackSuffix) == 0;
                    error_ = !err.empty();
                    message_ = error_ ? err : st.t(pack ? "setup.pack_done" : "setup.done");
                    if (pack) st.survey_check_due = true;  // its new survey goes live at the next welcome screen
                    if (!error_) st.facilitator_message = message_;
                });
            }
            ly += row + gap;
        }
        list.end(ui, rows_h(w));
    }
    const float bw = std::min((inner - ui.px(0.6f)) / 2, ui.px(12));
    if (ui.button(s.t("usb.back"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Primary, true, "setup.back"))
        act([](KioskState& st) { st.pop(); });
    if (ui.button(s.t("usb.refresh"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Normal, true, "setup.refresh"))
        act([this](KioskState&) {
            look();
            message_.clear();
        });
}

}  // namespace engage::ui
