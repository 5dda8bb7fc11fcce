// The on-screen keyboard (the screen owns the text) and the personal-details warning.
#include <algorithm>

#include "engage/glyphs.h"
#include "engage/log.h"

#include "engage/textcheck.h"
#include "ui/screens.h"

namespace engage::ui {
namespace {

void draw_key_icon(ImDrawList* dl, KeyAction a, ImVec2 c, float r, ImU32 col) {
    const float lw = std::max(2.f, r * 0.16f);
    if (a == KeyAction::Shift) {  // an outlined upward arrow
        const ImVec2 pts[7] = {{c.x, c.y - r}, {c.x + r, c.y}, {c.x + r * 0.45f, c.y}, {c.x + r * 0.45f, c.y + r},
                               {c.x - r * 0.45f, c.y + r}, {c.x - r * 0.45f, c.y}, {c.x - r, c.y}};
        dl->AddPolyline(pts, 7, col, ImDrawFlags_Closed, lw);
    } else if (a == KeyAction::Done) {  // a tick
        dl->AddLine(ImVec2(c.x - r, c.y), ImVec2(c.x - r * 0.3f, c.y + r * 0.7f), col, lw * 1.5f);
        dl->AddLine(ImVec2(c.x - r * 0.3f, c.y + r * 0.7f), ImVec2(c.x + r, c.y - r * 0.7f), col, lw * 1.5f);
    } else if (a == KeyAction::Space) {  // the open box of a space
        const ImVec2 pts[4] = {{c.x - r * 1.5f, c.y - r * 0.3f}, {c.x - r * 1.5f, c.y + r * 0.5f},
                               {c.x + r * 1.5f, c.y + r * 0.5f}, {c.x + r * 1.5f, c.y - r * 0.3f}};
        dl->AddPolyline(pts, 4, col, 0, lw);
    } else {  // backspace: a box with a point on the left and a cross
        const ImVec2 pts[5] = {{c.x - r * 1.3f, c.y}, {c.x - r * 0.6f, c.y - r * 0.8f}, {c.x + r * 1.2f, c.y - r * 0.8f},
                               {c.x + r * 1.2f, c.y + r * 0.8f}, {c.x - r * 0.6f, c.y + r * 0.8f}};
        dl->AddPolyline(pts, 5, col, ImDrawFlags_Closed, lw);
        const float x = r * 0.35f;
        dl->AddLine(ImVec2(c.x + r * 0.3f - x, c.y - x), ImVec2(c.x + r * 0.3f + x, c.y + x), col, lw);
        dl->AddLine(ImVec2(c.x + r * 0.3f - x, c.y + x), ImVec2(c.x + r * 0.3f + x, c.y - x), col, lw);
    }
}

constexpr Millis kRepeatAfter{450};   // Delete held this long starts repeating
constexpr Millis kRepeatEvery{70};

}  // namespace

KeyboardScreen::KeyboardScreen(KeyboardRequest r, const std::string& lang) : req_(std::move(r)), text_(req_.initial) {
    keyboard_.set_language(lang);  // Cyrillic letters for Ukrainian, and so on
    if (req_.address) keyboard_.set_kind(KeyboardKind::Address);
    // A capital only for a fresh text, and only in a script that has capitals.
    keyboard_.set_page(kLetters, req_.initial.empty() && !req_.address && keyboard_.cased());
}

void open_keyboard(KioskState& s, KeyboardRequest r) {
    const std::string lang = r.for_respondent && s.flow ? s.flow->language() : s.ui_language();
    s.extra_glyphs += r.initial;  // typed earlier, in any script
    s.fonts_dirty = true;
    s.push(std::make_unique<KeyboardScreen>(std::move(r), lang));
}

std::string KeyboardScreen::key(const KioskState&) const { return warning_ ? "personal_warning" : "keyboard"; }

void KeyboardScreen::type(KioskState&, const std::string& t) {
    if (utf8_length(text_) + utf8_length(t) <= req_.max_chars) text_ += t;
}

void KeyboardScreen::erase(KioskState&) { utf8_pop_back(text_); }

void KeyboardScreen::enter(KioskState& s) { done(s); }

void KeyboardScreen::language_changed(const KioskState& s, const std::string& lang) {
    keyboard_.set_language(lang);
    keyboard_.set_page(kLetters, keyboard_.shifted() && keyboard_.cased());
    if (req_.title_again) req_.title = req_.title_again(s);
}

void KeyboardScreen::done(KioskState& s) {
    if (req_.check_personal && looks_personal(text_)) {
        warning_ = true;
        return;
    }
    keep(s);
}

void KeyboardScreen::keep(KioskState& s) {
    auto commit = req_.commit;
    const std::string t = trim(text_);
    s.pop();  // this screen is retired, not freed, until the actions have run
    if (commit) commit(s, t);
}

void KeyboardScreen::draw_content(KioskState& s, Ui& ui, Actions& act) {
    if (warning_) draw_warning(s, ui, act);
    else draw_keys(s, ui, act);
}

void KeyboardScreen::draw_keys(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    float y = ui.top + m;

    // Top row: what is being typed, and Cancel on the right.
    const float cancel_h = std::max(ui.target(1.6f), ui.measure(s.t("keyboard.cancel"), 0).y);  // Nastaliq is tall
    const float cancel_w = std::min(inner * 0.5f, std::max(ui.px(5), ui.measure(s.t("keyboard.cancel"), 0).x + ui.px(1.2f)));
    const float title_w = inner - cancel_w - ui.px(0.6f);
    // The title steps down to the body size when it is long, or when its lines are so tall (Urdu's Nastaliq at
    // 200 %) that the box for the text would be squeezed under its minimum above the keys' least height.
    const float title_heading_h = ui.measure(req_.title, title_w, ui.fonts.heading).y;
    const float keys_least = static_cast<float>(keyboard_.rows().size() - 1) *
                             (std::max(ui.m.min_target_px, ui.px(1.3f)) + std::min(ui.px(0.25f), 10.f));
    const float box_least = std::max(ui.m.min_target_px, ui.px(1.6f));
    ImFont* title_font = title_heading_h > ui.fonts.heading->FontSize * 2.5f ||
                                 y + std::max(title_heading_h, cancel_h) + ui.px(0.8f) + box_least + keys_least > H - m
                             ? ui.fonts.body : ui.fonts.heading;
    const float title_h = ui.text(req_.title, ImVec2(m, y), title_w, title_font);
    if (ui.button(s.t("keyboard.cancel"), ImVec2(m + inner - cancel_w, y), ImVec2(cancel_w, cancel_h), Look::Quiet, true,
                  "keyboard.cancel"))
        act([](KioskState& st) { st.pop(); });
    y += std::max(title_h, cancel_h) + ui.px(0.4f);

    // The keys take the bottom part and the text box what is left. Keys are never shorter than a finger or
    // their label; when even that does not fit, the digit row goes (digits stay on the ?123 page).
    auto rows = keyboard_.rows();
    const float gap = std::min(ui.px(0.25f), 10.f);
    const float min_box = std::max(ui.m.min_target_px, ui.px(1.6f));
    const float key_min = std::max(ui.m.min_target_px, ui.px(1.3f));
    const float avail = H - m - y - ui.px(0.4f);
    auto all_digits = [](const std::vector<Key>& row) {  // 0-9, or Bengali's or Gurmukhi's own digits
        for (const auto& k : row) {
            const std::u32string c = utf8_codepoints(k.text);
            if (k.action != KeyAction::Insert || c.size() != 1) return false;
            const char32_t d = c[0];
            if (!((d >= '0' && d <= '9') || (d >= 0x09E6 && d <= 0x09EF) || (d >= 0x0A66 && d <= 0x0A6F))) return false;
        }
        return !row.empty();
    };
    if (rows.size() > 4 && all_digits(rows.front()) &&
        (avail - min_box) / static_cast<float>(rows.size()) - gap < key_min)
        rows.erase(rows.begin());
    const float n = static_cast<float>(rows.size());
    const float key_h = std::clamp(std::min((avail - min_box) / n - gap, (H * 0.55f) / n - gap), key_min, ui.px(2.4f));
    const float kb_h = n * (key_h + gap);
    const float kb_y = H - m - kb_h;
    const float box_h = std::max(min_box, kb_y - ui.px(0.4f) - y);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + box_h), ui.theme.panel, ui.px(0.35f));
    dl->AddRect(ImVec2(m, y), ImVec2(m + inner, y + box_h), ui.theme.accent, ui.px(0.35f), 0, ui.px(0.1f));
    // The count sits in the box's top-right corner; the text shows its end with a caret after it.
    ui.silent = true;  // read aloud: the title and the text so far, not the caret, the count or every key
    const std::string count = std::to_string(utf8_length(text_)) + " / " + std::to_string(req_.max_chars);
    const ImVec2 cs = ui.measure(count, 0);
    ui.text(count, ImVec2(m + inner - cs.x - ui.px(0.4f), y + ui.px(0.2f)), 0, nullptr, ui.theme.muted);
    const float tw = inner - ui.px(1.2f) - cs.x - ui.px(0.6f);
    // Shaped text (Urdu, Arabic, Punjabi, Bengali) is shaped as it is typed and gets a caret where
    // text::caret_x puts the end of the text (the left end of a right-to-left line, after a Latin word inside
    // it as the bidi order puts it); other text shows a "|" after it.
    const bool shaped = ui.shaped(text_);
    const std::string shown = shaped ? text_ : text_ + "|";
    const ImVec2 ts = ui.measure(shown, tw);
    const ImVec2 saved_min = ui.clip_min, saved_max = ui.clip_max;
    ui.clip_min = ImVec2(m, y);
    ui.clip_max = ImVec2(m + inner, y + box_h);
    ImGui::PushClipRect(ImVec2(m, y), ImVec2(m + inner, y + box_h), true);
    const float ty = y + ui.px(0.3f) - std::max(0.f, ts.y - (box_h - ui.px(0.6f)));
    ui.secret = true;
    if (shaped) ui.caret = static_cast<long>(text_.size());
    ui.text(shown, ImVec2(m + ui.px(0.6f), ty), tw);
    ui.caret = -1;
    ui.secret = false;
    ImGui::PopClipRect();
    ui.clip_min = saved_min;
    ui.clip_max = saved_max;
    if (!text_.empty()) ui.spoken.push_back(text_);

    // Keys: every row is scaled to the full width.
    float ky = kb_y;
    int r = 0;
    for (const auto& row : rows) {
        float units = 0;
        for (const auto& k : row) units += k.width;
        const float unit = (inner - gap * static_cast<float>(row.size() - 1)) / units;
        float kx = m;
        int c = 0;
        for (const auto& k : row) {
            // The key's identity is its place, not its label, so the focus stays put when Shift changes the case.
            const std::string place = "key#" + std::to_string(r) + ":" + std::to_string(c++);
            const float kw = unit * k.width;
            std::string label = k.label;
            Look look = Look::Normal;
            switch (k.action) {
                case KeyAction::Shift: label = s.t("keyboard.shift"); look = keyboard_.shifted() ? Look::Selected : Look::Normal; break;
                case KeyAction::Space: label = s.t("keyboard.space"); break;
                case KeyAction::Backspace: label = s.t("keyboard.delete"); break;
                case KeyAction::Done: label = s.t("keyboard.done"); look = Look::Primary; break;
                default: break;
            }
            // Automation labels: "key:a" for characters, the word for the others.
            const std::string id = "key:" + k.label;  // the automation label of a character key
            // Shift and Delete are drawn as the usual symbols (they stay narrow at any text size);
            // their words are the automation labels.
            const bool icon = k.action == KeyAction::Shift || k.action == KeyAction::Backspace ||
                              ((k.action == KeyAction::Done || k.action == KeyAction::Space) &&
                               ui.measure(label, 0).x > kw - ui.px(0.5f));
            const int serial = ui.focus_serial;
            // A mirrored (right-to-left) screen keeps the keys where the X layout has them: drawn at the mirrored
            // place, the mirror puts them back.
            const float at_x = ui.mirror ? W - kx - kw : kx;
            const bool tapped = ui.button(icon ? "" : label, ImVec2(at_x, ky), ImVec2(kw, key_h), look, true, place.c_str());
            const bool held = ImGui::IsItemActive();  // the button just drawn
            if (tapped && !(k.action == KeyAction::Backspace && repeats_ > 0)) {  // a held Delete's lift already deleted
                const Key key = k;
                act([this, key](KioskState& st) {
                    if (keyboard_.press(key, text_, req_.max_chars)) done(st);
                });
            }
            if (k.action == KeyAction::Backspace) {
                // Held down, Delete repeats (a finger on it removes a whole phone number): as many characters
                // as the time held calls for, however slowly frames come.
                if (held) {
                    const TimePoint now = s.time.now();
                    if (!held_) held_ = now, repeats_ = 0;
                    if (now >= *held_ + kRepeatAfter) {
                        const long long due = 1 + (now - *held_ - kRepeatAfter) / kRepeatEvery;
                        if (due > repeats_) {
                            act([this, n = due - repeats_](KioskState&) {
                                for (long long i = 0; i < n; ++i) utf8_pop_back(text_);
                            });
                            repeats_ = due;
                        }
                    }
                    ui.want_frame = true;
                    ui.wake_at(*held_ + kRepeatAfter + kRepeatEvery * repeats_);
                } else {
                    held_.reset();
                    repeats_ = 0;
                }
            }
            ui.widgets.back().label = k.action == KeyAction::Insert ? id : label;
            switch (k.action) {  // stable ids, whatever the language
                case KeyAction::Insert: ui.widgets.back().id = "key." + k.text; break;
                case KeyAction::Shift: ui.widgets.back().id = "key.shift"; break;
                case KeyAction::Space: ui.widgets.back().id = "key.space"; break;
                case KeyAction::Backspace: ui.widgets.back().id = "key.delete"; break;
                case KeyAction::Done: ui.widgets.back().id = "key.done"; break;
                case KeyAction::Page: ui.widgets.back().id = "key.page." + std::to_string(k.page); break;
            }
            if (ui.focus_serial != serial) ui.focused_label = label;  // the symbol keys are spoken by name
            if (icon) draw_key_icon(ImGui::GetWindowDrawList(), k.action, ImVec2(at_x + kw / 2, ky + key_h / 2),
                                    std::min(kw, key_h) * 0.3f, (look == Look::Selected || look == Look::Primary) ? ui.theme.on_accent : ui.theme.text);
            kx += kw + gap;
        }
        ky += key_h + gap;
        ++r;
    }
    ui.silent = false;

}

void KeyboardScreen::draw_warning(KioskState& s, Ui& ui, Actions& act) {
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    const float bw = std::min((W - 3 * m) / 2, ui.px(13));
    const float bh = ui.target(ui.m.button_h * 1.2f);
    const float by = H - m - bh;
    // The words step down a size when the text is large; if they still do not fit, they scroll.
    ImFont* title_font = ui.fonts.huge;
    ImFont* body_font = ui.fonts.heading;
    const float top = ui.top + m;
    const float room = by - ui.px(0.6f) - top;
    const float box_w = std::min(inner, ui.px(30));
    auto height = [&](float w) {
        return ui.measure(s.t("personal.title"), w, title_font).y * 1.15f + ui.px(0.6f) +
               ui.measure(s.t("personal.body"), w, body_font).y * 1.15f + ui.px(1.0f) +
               ui.measure(text_, std::min(w, box_w)).y;
    };
    if (height(inner) > room) title_font = ui.fonts.heading, body_font = ui.fonts.body;
    if (height(inner) > room) title_font = ui.fonts.body;
    const bool scrolls = height(inner) > room;
    const float w = scrolls ? inner - ui.target(2.6f) - ui.px(0.6f) : inner;
    ScrollList list{"personal", ImVec2(m, top), ImVec2(w, room), &warning_scroll_};
    float y = scrolls ? list.begin(ui).y : top + std::max(0.f, (room - height(w)) * 0.3f);
    const float saved_w = ui.size.x;
    ui.size.x = w + 2 * m;  // text_centered centres within the list's width
    y += ui.text_centered(s.t("personal.title"), y, title_font);
    y += ui.px(0.6f);
    y += ui.text_centered(s.t("personal.body"), y, body_font, ui.theme.muted);
    ui.size.x = saved_w;
    y += ui.px(1.0f);
    const float tw = std::min(w, box_w);
    ui.secret = true;
    ui.text(text_, ImVec2(m + (w - tw) / 2, y), tw, nullptr, ui.theme.text);
    ui.secret = false;
    if (scrolls) list.end(ui, height(w) + ui.px(0.2f));
    if (ui.button(s.t("personal.edit"), ImVec2(W / 2 - bw - m / 2, by), ImVec2(bw, bh), Look::Primary, true, "personal.edit"))
        act([this](KioskState&) { warning_ = false; });
    if (ui.button(s.t("personal.keep"), ImVec2(W / 2 + m / 2, by), ImVec2(bw, bh), Look::Normal, true, "personal.keep"))
        act([this](KioskState& st) { keep(st); });
}

}  // namespace engage::ui
