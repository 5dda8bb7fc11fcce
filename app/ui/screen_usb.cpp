// Save to a USB stick: the facilitator picks a mounted drive; every response the hub has not acknowledged is
// sealed into a bundle there (core/bundle), on a background thread, with a progress bar.
#include <algorithm>
#include <cstdio>

#include "ui/screens.h"

namespace engage::ui {
namespace {

std::string size_words(std::uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / (1ull << 30));
    else std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(bytes) / (1ull << 20));
    return buf;
}

}  // namespace

std::string draw_save_to_usb(KioskState& s, Ui& ui) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    float y = m;
    y += ui.text(s.t("usb.title"), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    y += ui.text(s.t("usb.help"), ImVec2(m, y), inner, nullptr, ui.theme.muted) + ui.px(0.6f);
    const bool busy = s.usb_busy();
    if (busy) {
        const std::int64_t done = s.usb_done->load(), total = s.usb_total->load();
        y += ui.text(s.strings.fmt("usb.saving", {{"done", std::to_string(done)}, {"total", std::to_string(total)}}),
                     ImVec2(m, y), inner) + ui.px(0.2f);
        const float frac = total > 0 ? static_cast<float>(done) / static_cast<float>(total) : 0.f;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + ui.px(0.5f)), ui.theme.button, ui.px(0.25f));
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner * frac, y + ui.px(0.5f)), ui.theme.accent, ui.px(0.25f));
        y += ui.px(1.0f);
    }
    if (!s.usb_message.empty())
        y += ui.text(s.usb_message, ImVec2(m, y), inner, nullptr, s.usb_error ? ui.theme.danger : ui.theme.ok) + ui.px(0.4f);

    const float bh = ui.target(ui.m.button_h);
    const float bottom = H - m - bh;
    if (s.drives.empty()) {
        ui.text(s.t("usb.none"), ImVec2(m, y), inner, ui.fonts.heading);
    } else {
        const float room = bottom - ui.px(0.6f) - y;
        const float gap = ui.px(0.4f);
        const float row = ui.target(ui.m.button_h);
        const float content = static_cast<float>(s.drives.size()) * (row + gap);
        const float w = content > room ? inner - ui.target(2.6f) - ui.px(0.6f) : inner;
        ScrollList list{"drives", ImVec2(m, y), ImVec2(w, room), &s.list_scroll["##drives"]};
        float ly = list.begin(ui).y;
        for (const auto& d : s.drives) {
            const std::string label = d.label + " — " +
                                      (d.writable ? s.strings.fmt("usb.free", {{"free", size_words(d.free_bytes)}})
                                                  : s.t("usb.read_only"));
            if (ui.button(label, ImVec2(m, ly), ImVec2(w, row), Look::Normal, d.writable && !busy, d.path.c_str()))
                s.save_to_drive(d);
            ly += row + gap;
        }
        list.end(ui, content);
    }
    const float bw = std::min((inner - ui.px(0.6f)) / 2, ui.px(12));
    if (ui.button(s.t("usb.back"), ImVec2(m, bottom), ImVec2(bw, bh), Look::Primary)) s.mode = Mode::Facilitator;
    if (ui.button(s.t("usb.refresh"), ImVec2(W - m - bw, bottom), ImVec2(bw, bh), Look::Normal, !busy)) s.begin_usb();
    return "save_to_usb";
}

}  // namespace engage::ui
