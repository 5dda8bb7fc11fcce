#include "ui/ui.h"

#include "ui/shaped.h"

#include "engage/glyphs.h"

#include <imgui_internal.h>

#include <algorithm>
#include <cmath>

namespace engage::ui {

static ImU32 col(Rgb c) { return IM_COL32(c.r, c.g, c.b, 0xFF); }

Theme theme_from(const ThemeColours& c) {
    Theme t{};
    t.bg = col(c.bg);
    t.panel = col(c.panel);
    t.text = col(c.text);
    t.muted = col(c.muted);
    t.accent = col(c.accent);
    t.on_accent = col(c.on_accent);
    t.button = col(c.button);
    t.on_button = col(c.on_button);
    t.border = col(c.border);
    t.selected_edge = col(c.selected_edge);
    t.focus = col(c.focus);
    t.focus_halo = col(c.focus_halo);
    t.danger = col(c.danger);
    t.on_danger = col(c.on_danger);
    t.ok = col(c.ok);
    for (int i = 0; i < 5; ++i) t.faces[i] = col(c.faces[i]);
    return t;
}

Theme default_theme() { return theme_from(standard_theme()); }

void Ui::record_rect(const std::string& label, ImVec2 pos, ImVec2 sz, const std::string& id) {
    // Visible: wholly inside the window and inside the list being drawn (a scroll list clips it).
    const float x0 = std::max(0.f, clip_min.x), y0 = std::max(0.f, clip_min.y);
    const float x1 = std::min(size.x, clip_max.x), y1 = std::min(size.y, clip_max.y);
    const bool visible = pos.x >= x0 - 0.5f && pos.y >= y0 - 0.5f && pos.x + sz.x <= x1 + 0.5f && pos.y + sz.y <= y1 + 0.5f;
    widgets.push_back({label, std::round(pos.x), std::round(pos.y), std::round(sz.x), std::round(sz.y), id, visible, false});
    if (!silent && !label.empty()) spoken.push_back(label);
}

namespace {
// The languages ImGui cannot draw (ui/shaped.h) take the shaped path for the fonts it stands in for.
// Only text with letters of that script: Latin text (an English string the translation lacks, a number) keeps
// ImGui's path, so it looks exactly as it does in every other language.
bool shaped_font(const ImFont* f, std::string_view s) {
    return shaped_text().takes(f, s);
}

ImVec2 text_size(ImFont* f, float size, const std::string& s, float wrap) {
    if (shaped_font(f, s)) return shaped_text().measure(f, s, wrap, size / f->FontSize);  // size: smaller on a key
    return f->CalcTextSizeA(size, FLT_MAX, wrap, s.c_str(), s.c_str() + s.size());
}
}  // namespace

bool Ui::breaks_word(const std::string& s, ImFont* f, float font_size, float width) const {
    // Words are runs between spaces; in Chinese and Japanese every character may start a line, so each one
    // stands on its own (a line of them wrapping is not a broken word).
    auto lead = [&](std::size_t i) {  // the code point starting at byte i, and its length
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        return std::pair<std::size_t, std::size_t>(n, std::min(n, s.size() - i));
    };
    std::size_t start = 0;
    auto too_wide = [&](std::size_t end) {
        return end > start && text_size(f, font_size, s.substr(start, end - start), 0).x > width + 1;
    };
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = lead(i).second;
        if (s[i] == ' ' || s[i] == '\n') {
            if (too_wide(i)) return true;
            start = i + 1;
        } else if (n >= 3 && is_cjk(utf8_codepoints(std::string_view(s).substr(i, n)).front())) {
            if (too_wide(i)) return true;
            start = i + n;  // the character itself is narrower than any option's text
        }
        i += n;
    }
    return too_wide(s.size());
}

void Ui::focus_ring(ImVec2 a, ImVec2 b) {
    // Two tones, so that one of them stands out against whatever the widget is filled with.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float t = std::max(4.f, em * 0.16f), h = std::max(2.f, em * 0.07f);
    const float r = px(0.45f);
    dl->AddRect(ImVec2(a.x - t / 2 - h, a.y - t / 2 - h), ImVec2(b.x + t / 2 + h, b.y + t / 2 + h), theme.focus_halo, r, 0, h * 2);
    dl->AddRect(ImVec2(a.x - t / 2, a.y - t / 2), ImVec2(b.x + t / 2, b.y + t / 2), theme.focus, r, 0, t);
    dl->AddRect(ImVec2(a.x + t / 2 + h / 2, a.y + t / 2 + h / 2), ImVec2(b.x - t / 2 - h / 2, b.y - t / 2 - h / 2),
                theme.focus_halo, r, 0, h);
}

bool Ui::focusable(const std::string& key, const std::string& label, ImVec2 pos, ImVec2 sz) {
    if (!nav) return false;
    nav->add(key, FocusRect{pos.x, pos.y, sz.x, sz.y});
    if (!nav->is_focused(key)) return false;
    focused_label = label;
    ++focus_serial;
    focused_min = pos;
    focused_max = ImVec2(pos.x + sz.x, pos.y + sz.y);
    focus_ring(focused_min, focused_max);
    return nav->take_activation(key);
}

void Ui::record(const std::string& label, const std::string& id) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    record_rect(label, a, ImVec2(b.x - a.x, b.y - a.y), id);
}

ImVec2 Ui::measure(const std::string& s, float wrap, ImFont* font) const {
    ImFont* f = font ? font : fonts.body;
    return text_size(f, f->FontSize, s, wrap);
}

bool Ui::shaped(const std::string& s, ImFont* font) const { return shaped_font(font ? font : fonts.body, s); }

float Ui::text(const std::string& s, ImVec2 pos, float wrap, ImFont* font, ImU32 col) {
    ImFont* f = font ? font : fonts.body;
    draw_label(ImGui::GetWindowDrawList(), f, f->FontSize, pos, col ? col : theme.text, s, wrap);
    const ImVec2 sz = measure(s, wrap, f);
    record_text(s, pos, sz);
    return sz.y;
}

void Ui::draw_label(ImDrawList* dl, ImFont* f, float font_size, ImVec2 pos, ImU32 col, const std::string& s, float wrap,
                    bool centre) {
    const int v0 = dl->VtxBuffer.Size;
    if (shaped_font(f, s)) shaped_text().draw(dl, f, pos, col, s, wrap, centre, mirror, caret, font_size / f->FontSize);
    else dl->AddText(f, font_size, pos, col, s.c_str(), s.c_str() + s.size(), wrap);
    if (dl->VtxBuffer.Size > v0) runs.push_back({v0, dl->VtxBuffer.Size});
}

void Ui::mirror_frame(ImDrawList* dl, int v0) {
    const float W = size.x;
    std::vector<bool> in_run(static_cast<std::size_t>(dl->VtxBuffer.Size), false);
    for (const TextRun& r : runs) {
        if (r.v0 < v0 || r.v1 > dl->VtxBuffer.Size) continue;
        float lo = FLT_MAX, hi = -FLT_MAX;
        for (int i = r.v0; i < r.v1; ++i) {
            lo = std::min(lo, dl->VtxBuffer[i].pos.x);
            hi = std::max(hi, dl->VtxBuffer[i].pos.x);
        }
        const float dx = (W - hi) - lo;  // the block moves to its mirrored place, unflipped
        for (int i = r.v0; i < r.v1; ++i) {
            dl->VtxBuffer[i].pos.x += dx;
            in_run[static_cast<std::size_t>(i)] = true;
        }
    }
    for (int i = v0; i < dl->VtxBuffer.Size; ++i)
        if (!in_run[static_cast<std::size_t>(i)]) dl->VtxBuffer[i].pos.x = W - dl->VtxBuffer[i].pos.x;
    for (auto& cmd : dl->CmdBuffer) {
        const float x1 = cmd.ClipRect.x, x2 = cmd.ClipRect.z;
        cmd.ClipRect.x = W - x2;
        cmd.ClipRect.z = W - x1;
    }
    for (auto* list : {&widgets, &texts, &images})
        for (auto& w : *list) w.x = W - w.x - w.w;
    const float fx0 = focused_min.x, fx1 = focused_max.x;
    focused_min.x = W - fx1;
    focused_max.x = W - fx0;
}

void Ui::record_text(const std::string& s, ImVec2 pos, ImVec2 sz) {
    if (s.empty()) return;
    if (!silent) spoken.push_back(s);
    // Inside a scroll list only the part that shows counts (the rest is scrolled away, not cut off).
    const float y0 = std::max(pos.y, clip_min.y), y1 = std::min(pos.y + sz.y, clip_max.y);
    if (y1 <= y0) return;
    texts.push_back({secret ? "<typed>" : s, std::round(pos.x), std::round(y0), std::round(sz.x), std::round(y1 - y0), "", true, false});
}

float Ui::text_centered(const std::string& s, float y, ImFont* font, ImU32 col) {
    ImFont* f = font ? font : fonts.body;
    const float wrap = size.x - 2 * edge();
    if (shaped_font(f, s)) {
        const ImVec2 sz = text_size(f, f->FontSize, s, wrap);
        draw_label(ImGui::GetWindowDrawList(), f, f->FontSize, ImVec2(edge(), y), col ? col : theme.text, s, wrap, true);
        record_text(s, ImVec2(std::round((size.x - sz.x) / 2), y), sz);
        return sz.y;
    }
    // Centre each wrapped line on its own.
    const char* p = s.c_str();
    const char* end = p + s.size();
    float yy = y;
    while (p < end) {
        const char* line_end = f->CalcWordWrapPositionA(1.0f, p, end, wrap);
        if (line_end == p) line_end = p + 1;
        const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(line_end - p)));
        if (nl) line_end = nl;
        const ImVec2 ls = f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, p, line_end);
        draw_label(ImGui::GetWindowDrawList(), f, f->FontSize, ImVec2(std::round((size.x - ls.x) / 2), yy),
                   col ? col : theme.text, std::string(p, line_end), 0);
        record_text(std::string(p, line_end), ImVec2(std::round((size.x - ls.x) / 2), yy), ls);
        yy += f->FontSize * 1.15f;
        p = line_end;
        while (p < end && (*p == ' ' || *p == '\n')) ++p;
    }
    return yy - y;
}

static void colours_for(const Theme& t, Look look, bool enabled, ImU32& fill, ImU32& ink, ImU32& edge) {
    switch (look) {
        case Look::Primary: fill = t.accent; ink = t.on_accent; edge = t.accent; break;
        case Look::Selected: fill = t.accent; ink = t.on_accent; edge = t.selected_edge; break;
        case Look::Danger: fill = t.danger; ink = t.on_danger; edge = t.danger; break;
        case Look::Quiet: fill = t.bg; ink = t.accent; edge = t.border; break;
        case Look::Normal: fill = t.button; ink = t.on_button; edge = t.border; break;
    }
    if (!enabled) {
        fill = t.bg;
        ink = t.muted;
        edge = t.muted;
    }
}

bool Ui::button(const std::string& label, ImVec2 pos, ImVec2 sz, Look look, bool enabled, const char* id, ImFont* font) {
    ImFont* f = font ? font : fonts.body;
    sz.x = std::max(sz.x, m.min_target_px);
    sz.y = std::max(sz.y, m.min_target_px);
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(id ? id : label.c_str());
    const bool clicked = ImGui::InvisibleButton("##b", sz) && !drag_active;
    bool tapped = clicked && enabled;
    if (clicked && !enabled) tapped_disabled = true;
    const bool pressed = ImGui::IsItemActive() && enabled && !drag_active;
    const std::string key = std::to_string(ImGui::GetItemID());
    ImGui::PopID();
    record(label, id ? id : "");
    ImU32 fill = 0, ink = 0, edge = 0;
    colours_for(theme, look, enabled, fill, ink, edge);
    if (pressed) std::swap(fill, ink);  // feedback while the finger is down, gone when it lifts
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), edge, r, 0, border());
    const float pad = button_pad(sz.x);
    // One word that is wider than a narrow key ("?123" at 200 % in portrait) is drawn smaller rather than
    // broken or cut; anything else wraps.
    float font_size = f->FontSize;
    const ImVec2 one_line = text_size(f, font_size, label, 0);
    if (one_line.x > sz.x - 2 * pad && label.find(' ') == std::string::npos)
        font_size *= std::max(0.55f, (sz.x - 2 * pad) / one_line.x);
    const ImVec2 ts = text_size(f, font_size, label, sz.x - 2 * pad);
    const float tx = ts.x < sz.x - 2 * pad ? pos.x + (sz.x - ts.x) / 2 : pos.x + pad;
    if (shaped_font(f, label))
        draw_label(dl, f, font_size, ImVec2(pos.x + pad, std::round(pos.y + (sz.y - ts.y) / 2)), ink, label, sz.x - 2 * pad, true);
    else
        draw_label(dl, f, font_size, ImVec2(std::round(tx), std::round(pos.y + (sz.y - ts.y) / 2)), ink, label, sz.x - 2 * pad);
    if (!label.empty() && (ts.y > sz.y + 1 || breaks_word(label, f, font_size, sz.x - 2 * pad))) overflow.push_back(label);
    if (enabled && focusable(key, label, pos, sz)) tapped = true;
    return tapped;
}

float Ui::icon_button_width(const std::string& label, bool show_label) const {
    if (!show_label) return std::max(m.min_target_px, px(0.6f) * 2 + px(1.2f));
    return measure(label, 0).x + px(0.5f) * 2 + px(1.2f) + px(0.4f);
}

bool Ui::icon_button(const std::string& label, Icon icon, ImVec2 pos, ImVec2 sz, Look look, const char* id,
                     bool show_label) {
    sz.x = std::max(sz.x, m.min_target_px);
    sz.y = std::max(sz.y, m.min_target_px);
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(id ? id : label.c_str());
    bool tapped = ImGui::InvisibleButton("##i", sz) && !drag_active;
    const bool pressed = ImGui::IsItemActive() && !drag_active;
    const std::string key = std::to_string(ImGui::GetItemID());
    ImGui::PopID();
    record(label, id ? id : "");
    ImU32 fill = 0, ink = 0, edge = 0;
    colours_for(theme, look, true, fill, ink, edge);
    if (pressed) std::swap(fill, ink);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), edge, r, 0, border());
    const float pad = px(0.5f), icon_w = px(1.2f), gap = show_label ? px(0.4f) : 0.f;
    const float text_w = sz.x - 2 * pad - icon_w - gap;
    const ImVec2 ts = show_label ? measure(label, text_w) : ImVec2(0, 0);
    const float group = icon_w + gap + ts.x;
    const float x0 = pos.x + std::max(pad, (sz.x - group) / 2);
    if (icon) icon(dl, ImVec2(x0 + icon_w / 2, pos.y + sz.y / 2), icon_w * 0.45f, ink);
    if (show_label)
        draw_label(dl, fonts.body, fonts.body->FontSize, ImVec2(std::round(x0 + icon_w + gap), std::round(pos.y + (sz.y - ts.y) / 2)),
                   ink, label, shaped_font(fonts.body, label) ? ts.x : text_w);
    if (ts.y > sz.y + 1 || (show_label && breaks_word(label, fonts.body, fonts.body->FontSize, text_w))) overflow.push_back(label);
    if (focusable(key, label, pos, sz)) tapped = true;
    return tapped;
}

float Ui::option_height(const std::string& label, float width, ImFont* font) const {
    return std::max({target(1.9f), measure(label, option_text_width(width), font).y + px(0.9f),
                     option_picture > 0 ? option_picture + px(0.5f) : 0.f});
}

float Ui::option_text_width(float tile_w) const {
    return tile_w - px(1.2f) - px(1.8f) - (option_picture > 0 ? option_picture + px(0.5f) : 0.f);
}

ImVec2 Ui::picture(const Image& img, const std::string& alt, const std::string& id, ImVec2 pos, ImVec2 box) {
    const Pictures::Texture* t = pictures.find(img.file);
    if (!t || t->w <= 0 || t->h <= 0 || box.x < 1 || box.y < 1) return ImVec2(0, 0);
    const float scale = std::min(box.x / static_cast<float>(t->w), box.y / static_cast<float>(t->h));
    const ImVec2 sz(std::floor(static_cast<float>(t->w) * scale), std::floor(static_cast<float>(t->h) * scale));
    const ImVec2 p0(std::round(pos.x + (box.x - sz.x) / 2), std::round(pos.y + (box.y - sz.y) / 2));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const int v0 = dl->VtxBuffer.Size;
    dl->AddImage(t->id, p0, ImVec2(p0.x + sz.x, p0.y + sz.y));
    if (dl->VtxBuffer.Size > v0) runs.push_back({v0, dl->VtxBuffer.Size});  // mirrored screens move it, never flip it
    if (!silent) spoken.push_back(alt);
    const float y0 = std::max(p0.y, clip_min.y), y1 = std::min(p0.y + sz.y, clip_max.y);
    images.push_back({alt, p0.x, std::round(y0), sz.x, std::round(std::max(0.f, y1 - y0)), id, y1 - y0 >= sz.y - 0.5f,
                      false});
    return sz;
}

// The marker: a square (any of) or a circle (one of), ticked / dotted when selected.
static void draw_marker(Ui& ui, ImDrawList* dl, ImVec2 b0, float box, bool multi, bool selected) {
    const ImVec2 b1(b0.x + box, b0.y + box);
    const float lw = std::max(2.f, ui.em * 0.1f);
    if (multi) {
        dl->AddRectFilled(b0, b1, ui.theme.panel, ui.px(0.15f));
        dl->AddRect(b0, b1, ui.theme.text, ui.px(0.15f), 0, lw);
        if (selected) {
            const ImVec2 p1(b0.x + box * 0.2f, b0.y + box * 0.52f), p2(b0.x + box * 0.42f, b0.y + box * 0.75f),
                p3(b0.x + box * 0.8f, b0.y + box * 0.25f);
            dl->AddLine(p1, p2, ui.theme.accent, lw * 1.6f);
            dl->AddLine(p2, p3, ui.theme.accent, lw * 1.6f);
        }
    } else {
        const ImVec2 c((b0.x + b1.x) / 2, (b0.y + b1.y) / 2);
        dl->AddCircleFilled(c, box / 2, ui.theme.panel, 32);
        dl->AddCircle(c, box / 2, ui.theme.text, 32, lw);
        if (selected) dl->AddCircleFilled(c, box * 0.27f, ui.theme.accent, 32);
    }
}

Ui::Tile Ui::tile(const std::string& label, const std::string& id, ImVec2 pos, ImVec2 sz, bool selected) {
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(id.c_str());
    bool tapped = ImGui::InvisibleButton("##t", sz) && !drag_active;
    const bool pressed = ImGui::IsItemActive() && !drag_active;
    const std::string key = std::to_string(ImGui::GetItemID());
    ImGui::PopID();
    record(label, id);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = px(0.4f);
    dl->AddRectFilled(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), selected ? theme.accent : (pressed ? theme.button : theme.panel), r);
    dl->AddRect(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), selected ? theme.selected_edge : theme.border, r, 0,
                selected ? std::max(3.f, em * 0.14f) : std::max(2.f, em * 0.07f));
    if (focusable(key, label, pos, sz)) tapped = true;
    return Tile{tapped};
}

bool Ui::option(const std::string& label, const std::string& id, bool selected, bool multi, ImVec2 pos, ImVec2 sz,
                ImFont* font) {
    ImFont* f = font ? font : fonts.body;
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(id.c_str());
    bool tapped = ImGui::InvisibleButton("##o", sz) && !drag_active;
    const bool pressed = ImGui::IsItemActive() && !drag_active;
    const std::string key = std::to_string(ImGui::GetItemID());
    ImGui::PopID();
    record(label, id);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 fill = selected ? theme.accent : (pressed ? theme.button : theme.panel);
    const ImU32 ink = selected ? theme.on_accent : theme.text;
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + sz.x, pos.y + sz.y), selected ? theme.selected_edge : theme.border, r, 0,
                selected ? std::max(3.f, em * 0.12f) : border());
    const float box = px(1.2f);
    draw_marker(*this, dl, ImVec2(pos.x + px(0.6f), pos.y + (sz.y - box) / 2), box, multi, selected);
    float tx = pos.x + px(0.6f) + box + px(0.6f);
    if (option_picture > 0) {  // the picture's square between the marker and the words
        if (option_image)
            picture(*option_image, option_alt, "image." + id, ImVec2(tx, pos.y + (sz.y - option_picture) / 2),
                    ImVec2(option_picture, option_picture));
        tx += option_picture + px(0.5f);
    }
    const float tw = option_text_width(sz.x);
    const ImVec2 ts = measure(label, tw, f);
    draw_label(dl, f, f->FontSize, ImVec2(tx, std::round(pos.y + (sz.y - ts.y) / 2)), ink, label, tw);
    if (ts.y > sz.y + 1 || breaks_word(label, f, f->FontSize, tw)) overflow.push_back(label);
    if (focusable(key, label, pos, sz)) tapped = true;
    return tapped;
}

float Ui::text_centred_in(const std::string& s, ImVec2 pos, float width, ImFont* font, ImU32 col, bool) {
    ImFont* f = font ? font : fonts.body;
    if (shaped_font(f, s)) {
        const ImVec2 sz = text_size(f, f->FontSize, s, width);
        draw_label(ImGui::GetWindowDrawList(), f, f->FontSize, pos, col ? col : theme.text, s, width, true);
        record_text(s, ImVec2(std::round(pos.x + (width - sz.x) / 2), pos.y), sz);
        return sz.y;
    }
    const char* p = s.c_str();
    const char* end = p + s.size();
    float yy = pos.y;
    while (p < end) {
        const char* line_end = f->CalcWordWrapPositionA(1.0f, p, end, width);
        if (line_end == p) line_end = p + 1;
        const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(line_end - p)));
        if (nl) line_end = nl;
        const ImVec2 ls = f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, p, line_end);
        const ImVec2 at(std::round(pos.x + (width - ls.x) / 2), yy);
        draw_label(ImGui::GetWindowDrawList(), f, f->FontSize, at, col ? col : theme.text, std::string(p, line_end), 0);
        record_text(std::string(p, line_end), at, ls);
        yy += f->FontSize;
        p = line_end;
        while (p < end && (*p == ' ' || *p == '\n')) ++p;
    }
    return yy - pos.y;
}

bool Ui::option(const std::string& label, bool selected, bool multi, ImVec2 pos, float width, float* out_h, float min_h) {
    const float h = std::max(min_h, option_height(label, width));
    if (out_h) *out_h = h;
    ImGui::SetCursorScreenPos(pos);
    ImGui::PushID(label.c_str());
    bool tapped = ImGui::InvisibleButton("##o", ImVec2(width, h)) && !drag_active;
    const bool pressed = ImGui::IsItemActive() && !drag_active;
    const std::string key = std::to_string(ImGui::GetItemID());
    ImGui::PopID();
    record(label);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 fill = selected ? theme.accent : (pressed ? theme.button : theme.panel);
    const ImU32 ink = selected ? theme.on_accent : theme.text;
    const float r = px(0.35f);
    dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + h), fill, r);
    dl->AddRect(pos, ImVec2(pos.x + width, pos.y + h), selected ? theme.selected_edge : theme.border, r, 0,
                selected ? std::max(3.f, em * 0.12f) : border());
    // The marker: a square (any of) or a circle (one of), ticked / dotted when selected.
    const float box = px(1.2f);
    const ImVec2 b0(pos.x + px(0.6f), pos.y + (h - box) / 2);
    const ImVec2 b1(b0.x + box, b0.y + box);
    const float lw = std::max(2.f, em * 0.1f);
    if (multi) {
        dl->AddRectFilled(b0, b1, theme.panel, px(0.15f));
        dl->AddRect(b0, b1, theme.text, px(0.15f), 0, lw);
        if (selected) {
            const ImVec2 p1(b0.x + box * 0.2f, b0.y + box * 0.52f), p2(b0.x + box * 0.42f, b0.y + box * 0.75f),
                p3(b0.x + box * 0.8f, b0.y + box * 0.25f);
            dl->AddLine(p1, p2, theme.accent, lw * 1.6f);
            dl->AddLine(p2, p3, theme.accent, lw * 1.6f);
        }
    } else {
        const ImVec2 c((b0.x + b1.x) / 2, (b0.y + b1.y) / 2);
        dl->AddCircleFilled(c, box / 2, theme.panel, 32);
        dl->AddCircle(c, box / 2, theme.text, 32, lw);
        if (selected) dl->AddCircleFilled(c, box * 0.27f, theme.accent, 32);
    }
    const float tx = b1.x + px(0.6f);
    const float tw = pos.x + width - tx - px(0.6f);
    const ImVec2 ts = measure(label, tw);
    draw_label(dl, fonts.body, fonts.body->FontSize, ImVec2(tx, std::round(pos.y + (h - ts.y) / 2)), ink, label, tw);
    if (ts.y > h + 1 || breaks_word(label, fonts.body, fonts.body->FontSize, tw)) overflow.push_back(label);
    if (focusable(key, label, pos, ImVec2(width, h))) tapped = true;
    return tapped;
}

void draw_face(ImDrawList* dl, ImVec2 c, float r, int mood, ImU32 line, ImU32 fill) {
    const float lw = std::max(2.f, r * 0.08f);
    dl->AddCircleFilled(c, r, fill, 48);
    dl->AddCircle(c, r, line, 48, lw);
    // Eyes
    const float ex = r * 0.35f, ey = r * 0.25f, er = r * 0.09f;
    dl->AddCircleFilled(ImVec2(c.x - ex, c.y - ey), er, line, 16);
    dl->AddCircleFilled(ImVec2(c.x + ex, c.y - ey), er, line, 16);
    // Mouth: a curve whose bend goes from frown (1) to big smile (5).
    const float bend = (static_cast<float>(mood) - 3.f) * 0.5f;  // -1 .. 1
    const float mw = r * 0.5f, my = c.y + r * 0.35f;
    const ImVec2 a(c.x - mw, my - bend * r * 0.12f), b(c.x + mw, my - bend * r * 0.12f);
    const ImVec2 ctrl(c.x, my + bend * r * 0.45f);
    dl->PathLineTo(a);
    dl->PathBezierQuadraticCurveTo(ctrl, b, 24);
    dl->PathStroke(line, 0, lw * 1.3f);
}

}  // namespace engage::ui
