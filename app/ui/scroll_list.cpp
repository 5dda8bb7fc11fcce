// A list that scrolls by dragging (ImGui 1.86 has no drag scrolling) and with big Up/Down buttons.
#include <algorithm>

#include "ui/screens.h"

namespace engage::ui {

ImVec2 ScrollList::begin(Ui& ui) {
    const ImVec2 a = pos, b(pos.x + size.x, pos.y + size.y);
    const bool started_inside = ui.drag_from.x >= a.x && ui.drag_from.x < b.x && ui.drag_from.y >= a.y && ui.drag_from.y < b.y;
    // Followed event by event by the input router: a flick that came within one slow frame still scrolls, and
    // the lift at its end is not a tap on whatever it ended over.
    if (ui.dragging && started_inside && can_scroll) {
        ui.drag_active = true;
        *scroll -= ui.drag_dy;
    }
    // Clipped above and below; at the sides only a border's width out, so the edges of what it holds show whole.
    ImGui::PushClipRect(ImVec2(a.x - ui.border(), a.y), ImVec2(b.x + ui.border(), b.y), true);
    first_widget = ui.widgets.size();
    focus_serial = ui.focus_serial;
    saved_clip_min = ui.clip_min;
    saved_clip_max = ui.clip_max;
    ui.clip_min = a;
    ui.clip_max = b;
    return ImVec2(pos.x, pos.y - *scroll);
}

void ScrollList::end(Ui& ui, float content_h) {
    ImGui::PopClipRect();
    ui.clip_min = saved_clip_min;
    ui.clip_max = saved_clip_max;
    const float max_scroll = std::max(0.f, content_h - size.y);
    // Keyboard or switch focus moved to an item out of sight: scroll it into view (next frame draws it there).
    if (ui.focus_moved && ui.focus_serial != focus_serial) {
        const float before = *scroll;
        if (ui.focused_min.y < pos.y) *scroll -= pos.y - ui.focused_min.y + ui.px(0.3f);
        else if (ui.focused_max.y > pos.y + size.y) *scroll += ui.focused_max.y - (pos.y + size.y) + ui.px(0.3f);
        *scroll = std::clamp(*scroll, 0.f, max_scroll);
        if (*scroll != before) ui.want_frame = true;
    }
    *scroll = std::clamp(*scroll, 0.f, max_scroll);
    // Only what can be seen can be tapped: clip recorded widgets to the list.
    auto& w = ui.widgets;
    for (std::size_t i = first_widget; i < w.size();) {
        const float top = std::max(w[i].y, pos.y), bottom = std::min(w[i].y + w[i].h, pos.y + size.y);
        // Mostly scrolled away: not a target until it shows at least a finger's height (or all of itself).
        if (bottom - top < std::min(ui.m.min_target_px, w[i].h) - 0.5f) {
            w.erase(w.begin() + static_cast<long>(i));
        } else {
            if (top > w[i].y + 0.5f || bottom < w[i].y + w[i].h - 0.5f) w[i].visible = false;  // partly scrolled away
            w[i].y = top;
            w[i].h = bottom - top;
            ++i;
        }
    }
    if (max_scroll <= 0) return;
    // Up / Down at the right edge, and a bar showing where we are.
    // Big Up / Down buttons; on a short list they share its height (never below the minimum target).
    const float bw = std::max(ui.m.min_target_px, std::min(ui.target(2.6f), (size.y - ui.px(0.3f)) / 2));
    const float x = pos.x + size.x + ui.px(0.4f);
    const float step = size.y * 0.7f;
    ImGui::PushID(id);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    auto arrow = [&](float y, bool up, bool enabled) {
        const ImVec2 c(x + bw / 2, y + bw / 2);
        const float r = bw * 0.25f, d = up ? -1.f : 1.f;
        dl->AddTriangleFilled(ImVec2(c.x - r, c.y - d * r * 0.6f), ImVec2(c.x + r, c.y - d * r * 0.6f),
                              ImVec2(c.x, c.y + d * r * 0.8f), enabled ? ui.theme.text : ui.theme.muted);
    };
    int serial = ui.focus_serial;
    if (ui.button("", ImVec2(x, pos.y), ImVec2(bw, bw), Look::Normal, *scroll > 0, "list.scroll_up"))
        *scroll = std::max(0.f, *scroll - step);
    ui.widgets.back().label = "Scroll up";
    if (ui.focus_serial != serial) ui.focused_label = ui.words_scroll_up;  // an arrow: named for speech
    arrow(pos.y, true, *scroll > 0);
    const float down_y = pos.y + size.y - bw;
    serial = ui.focus_serial;
    if (ui.button("", ImVec2(x, down_y), ImVec2(bw, bw), Look::Normal, *scroll < max_scroll, "list.scroll_down"))
        *scroll = std::min(max_scroll, *scroll + step);
    ui.widgets.back().label = "Scroll down";
    if (ui.focus_serial != serial) ui.focused_label = ui.words_scroll_down;
    arrow(down_y, false, *scroll < max_scroll);
    ImGui::PopID();
    const float track_top = pos.y + bw + ui.px(0.3f), track_h = size.y - 2 * bw - ui.px(0.6f);
    if (track_h < ui.px(1)) return;
    const float thumb_h = std::max(ui.px(1), track_h * size.y / content_h);
    const float thumb_y = track_top + (track_h - thumb_h) * (*scroll / max_scroll);
    const float cx = x + bw / 2;
    dl->AddRectFilled(ImVec2(cx - ui.px(0.15f), track_top), ImVec2(cx + ui.px(0.15f), track_top + track_h),
                      ui.theme.button, ui.px(0.15f));
    dl->AddRectFilled(ImVec2(cx - ui.px(0.25f), thumb_y), ImVec2(cx + ui.px(0.25f), thumb_y + thumb_h), ui.theme.border,
                      ui.px(0.25f));
}

}  // namespace engage::ui
