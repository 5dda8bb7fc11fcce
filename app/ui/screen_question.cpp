// One question per screen: progress, the prompt, the answer widgets for its type, Back and Next.
#include <imgui_internal.h>

#include <algorithm>

#include "engage/textcheck.h"
#include "ui/screens.h"

namespace engage::ui {
namespace {

struct SmileyLayout {
    bool rows = false;  // five rows (face, then the word) instead of five tiles side by side
    float tile_w = 0, face = 0, word_h = 0, row_h = 0, h = 0;
};

// Tiles side by side: the words set the height of the tiles' lower part, and the faces shrink (never the
// words) when the text is large or the screen short. When a word is wider than a tile (large text on a narrow
// screen) the five become rows, the face beside its word, so no word is ever broken.
SmileyLayout smiley_layout(const KioskState& s, const Ui& ui, const Question& q, float width, float max_h) {
    const float gap = ui.px(ui.m.gap);
    SmileyLayout l{};
    l.tile_w = std::min((width - 4 * gap) / 5, ui.px(7));
    const auto opts = s.options_of(q);
    for (const auto& o : opts) {
        const std::string word = s.option_label(q, o);
        for (std::size_t i = 0; i < word.size();) {  // each word of the label must fit a tile on its own
            std::size_t j = word.find(' ', i);
            if (j == std::string::npos) j = word.size();
            if (ui.measure(word.substr(i, j - i), 0).x > l.tile_w - ui.px(0.4f)) l.rows = true;
            i = j + 1;
        }
    }
    if (l.rows) {
        l.face = std::max(ui.m.min_target_px, ui.px(1.8f));
        float text_h = 0;
        for (const auto& o : opts)
            text_h = std::max(text_h, ui.measure(s.option_label(q, o), width - l.face - ui.px(1.6f)).y);
        l.row_h = std::max(l.face + ui.px(0.4f), text_h + ui.px(0.6f));
        l.tile_w = width;
        l.h = 5 * l.row_h + 4 * gap;
        return l;
    }
    for (const auto& o : opts) l.word_h = std::max(l.word_h, ui.measure(s.option_label(q, o), l.tile_w - ui.px(0.4f)).y);
    l.face = std::max(ui.m.min_target_px, std::min(l.tile_w * 0.72f, max_h - l.word_h - ui.px(1.0f)));
    l.h = l.face + l.word_h + ui.px(1.0f);
    l.row_h = l.h;
    return l;
}

float draw_smileys(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, ImVec2 area) {
    const float width = area.x;
    const float gap = ui.px(ui.m.gap);
    const auto opts = s.options_of(q);
    const SmileyLayout l = smiley_layout(s, ui, q, width, area.y);
    const float tile_w = l.tile_w, face = l.face, h = l.row_h;
    const float total = l.rows ? width : 5 * tile_w + 4 * gap;
    const float x0 = pos.x + (width - total) / 2;
    for (int i = 0; i < 5; ++i) {
        // The value saved is the option's id ("1".."5", checked by the loader), whatever order the survey lists them in.
        const int mood = std::stoi(opts[static_cast<std::size_t>(i)].id);
        const std::string word = s.option_label(q, opts[static_cast<std::size_t>(i)]);
        const float fi = static_cast<float>(i);
        const ImVec2 p = l.rows ? ImVec2(pos.x, pos.y + fi * (h + gap)) : ImVec2(x0 + fi * (tile_w + gap), pos.y);
        const bool selected = a.number && *a.number == mood;
        ImGui::SetCursorScreenPos(p);
        ImGui::PushID(mood);
        bool tapped = ImGui::InvisibleButton("##face", ImVec2(tile_w, h)) && !ui.drag_active;
        const bool pressed = ImGui::IsItemActive() && !ui.drag_active;
        const std::string key = std::to_string(ImGui::GetItemID());
        ImGui::PopID();
        ui.record(word);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(p, ImVec2(p.x + tile_w, p.y + h), selected ? ui.theme.accent : (pressed ? ui.theme.button : ui.theme.panel),
                          ui.px(0.4f));
        dl->AddRect(p, ImVec2(p.x + tile_w, p.y + h), selected ? ui.theme.selected_edge : ui.theme.border, ui.px(0.4f), 0,
                    selected ? ui.px(0.14f) : ui.px(0.07f));
        const ImU32 ink = selected ? ui.theme.on_accent : ui.theme.text;
        if (l.rows) {
            draw_face(dl, ImVec2(p.x + ui.px(0.4f) + face / 2, p.y + h / 2), face * 0.46f, mood, ui.theme.text,
                      ui.theme.faces[mood - 1]);
            const float tx = p.x + face + ui.px(1.0f), tw = tile_w - face - ui.px(1.6f);
            const ImVec2 ws = ui.measure(word, tw);
            dl->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(tx, std::round(p.y + (h - ws.y) / 2)), ink,
                        word.c_str(), word.c_str() + word.size(), tw);
        } else {
            draw_face(dl, ImVec2(p.x + tile_w / 2, p.y + ui.px(0.3f) + face / 2), face * 0.46f, mood, ui.theme.text,
                      ui.theme.faces[mood - 1]);
            const ImVec2 ws = ui.measure(word, tile_w - ui.px(0.4f));
            const float wx = ws.x < tile_w - ui.px(0.4f) ? p.x + (tile_w - ws.x) / 2 : p.x + ui.px(0.2f);
            dl->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(wx, p.y + face + ui.px(0.5f)), ink, word.c_str(),
                        word.c_str() + word.size(), tile_w - ui.px(0.4f));
        }
        if (ui.focusable(key, word, p, ImVec2(tile_w, h))) tapped = true;
        if (tapped) {
            a.number = mood;
            s.announce = s.strings.fmt("speech.option_selected", {{"option", word}});
        }
    }
    return l.h;
}

// The gap between the 11 numbers narrows before a number gets smaller than a finger.
float scale_gap(const Ui& ui, float width) {
    return std::clamp((width - 11 * ui.m.min_target_px) / 10, 4.f, ui.px(0.3f));
}

float scale_cell(const Ui& ui, float width) {
    return std::max(ui.m.min_target_px, std::min((width - 10 * scale_gap(ui, width)) / 11, ui.px(3.2f)));
}

float scale_height(const KioskState& s, const Ui& ui, const Question& q, float width) {
    const float cell = scale_cell(ui, width);
    const float half = (11 * cell + 10 * scale_gap(ui, width)) / 2 - scale_gap(ui, width);
    return cell + ui.px(0.4f) + std::max(ui.measure(s.tr(q.low_label), half).y, ui.measure(s.tr(q.high_label), half).y);
}

float draw_scale(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, float width) {
    const float gap = scale_gap(ui, width);
    const float cell = scale_cell(ui, width);
    const float total = 11 * cell + 10 * gap;
    const float x0 = pos.x + std::max(0.f, (width - total) / 2);
    for (int v = 0; v <= 10; ++v) {
        const bool selected = a.number && *a.number == v;
        if (ui.button(std::to_string(v), ImVec2(x0 + static_cast<float>(v) * (cell + gap), pos.y), ImVec2(cell, cell),
                      selected ? Look::Selected : Look::Normal)) {
            a.number = v;
            s.announce = s.strings.fmt("speech.option_selected", {{"option", std::to_string(v)}});
        }
    }
    float y = pos.y + cell + ui.px(0.4f);
    const std::string lo = s.tr(q.low_label), hi = s.tr(q.high_label);
    const float half = total / 2 - gap;
    float h = ui.text(lo, ImVec2(x0, y), half, nullptr, ui.theme.muted);
    const ImVec2 hs = ui.measure(hi, half);
    ui.text(hi, ImVec2(x0 + total - std::min(hs.x, half), y), half, nullptr, ui.theme.muted);
    return cell + ui.px(0.4f) + std::max(h, hs.y);
}

float text_answer_height(const Ui& ui, float room) { return std::max(ui.target(ui.m.button_h), std::min(ui.px(5), room)); }

float draw_text_answer(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, float width, float room) {
    const float h = text_answer_height(ui, room);
    const std::string shown = a.text.empty() ? s.t("text.tap_to_type") : a.text;
    const int serial = ui.focus_serial;
    if (ui.button("", pos, ImVec2(width, h), Look::Normal, true, "text-box")) {
        const std::string qid = q.id;
        s.open_keyboard(s.tr(q.prompt), a.text, static_cast<std::size_t>(q.max_length), true,
                        [&s, qid](const std::string& t) {
                            if (s.flow && s.flow->screen() == Screen::Question && s.flow->question().id == qid)
                                s.flow->answer().text = t;
                        });
        s.edit_title_source = [&s, &q] { return s.tr(q.prompt); };  // q lives in the survey, which outlives typing
    }
    ui.widgets.back().label = s.t("text.tap_to_type");
    if (ui.focus_serial != serial) ui.focused_label = s.t("text.tap_to_type");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + h), ui.theme.panel, ui.px(0.35f));
    dl->AddRect(pos, ImVec2(pos.x + width, pos.y + h), ui.theme.border, ui.px(0.35f), 0, ui.px(0.08f));
    if (ui.focus_serial != serial) ui.focus_ring(pos, ImVec2(pos.x + width, pos.y + h));  // over the box just drawn
    // The text shows inside the box only (the end of a long text is cut by the box, as in any text field).
    const ImVec2 saved_min = ui.clip_min, saved_max = ui.clip_max;
    ui.clip_min = ImVec2(pos.x, std::max(pos.y, saved_min.y));
    ui.clip_max = ImVec2(pos.x + width, std::min(pos.y + h, saved_max.y));
    ImGui::PushClipRect(pos, ImVec2(pos.x + width, pos.y + h), true);
    ui.secret = !a.text.empty();  // the automation file is on disk: never what someone typed
    ui.text(shown, ImVec2(pos.x + ui.px(0.6f), pos.y + ui.px(0.5f)), width - ui.px(1.2f), nullptr,
            a.text.empty() ? ui.theme.muted : ui.theme.text);
    ui.secret = false;
    ImGui::PopClipRect();
    ui.clip_min = saved_min;
    ui.clip_max = saved_max;
    return h;
}

// choice, agree (one of) and multi, needs (any of): rows of options, two columns on a wide screen.
struct OptionsLayout {
    std::vector<std::string> labels;
    std::vector<float> row_h;
    int cols = 1;
    float h = 0;
};

OptionsLayout options_layout(const KioskState& s, const Ui& ui, const Question& q, const Answer& a, float width) {
    OptionsLayout l;
    for (const auto& o : s.options_of(q)) {
        std::string label = s.option_label(q, o);
        if (o.id == "other" && !a.text.empty()) label += ": " + a.text;
        l.labels.push_back(label);
    }
    const float gap = ui.px(0.4f);
    l.cols = (width >= ui.px(36) && l.labels.size() > 3) ? 2 : 1;
    const auto cols = static_cast<std::size_t>(l.cols);
    l.row_h.assign((l.labels.size() + cols - 1) / cols, 0.f);
    const float cw = (width - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    for (std::size_t i = 0; i < l.labels.size(); ++i)
        l.row_h[i / cols] = std::max(l.row_h[i / cols], ui.option_height(l.labels[i], cw));
    for (float r : l.row_h) l.h += r + gap;
    return l;
}

float draw_options(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, float width) {
    const bool multi = q.type == QuestionType::Multi || q.type == QuestionType::Needs;
    const auto opts = s.options_of(q);
    const OptionsLayout l = options_layout(s, ui, q, a, width);
    const auto& labels = l.labels;
    const auto& row_h = l.row_h;
    const int cols = l.cols;
    const float gap = ui.px(0.4f);
    const ImVec2 origin = pos;
    const float col_w = (width - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    float row_y = origin.y;
    for (std::size_t i = 0; i < opts.size(); ++i) {
        const std::size_t row = i / static_cast<std::size_t>(cols), col = i % static_cast<std::size_t>(cols);
        if (col == 0 && row > 0) row_y += row_h[row - 1] + gap;
        const ImVec2 p(origin.x + static_cast<float>(col) * (col_w + gap), row_y);
        const std::string& id = opts[i].id;
        auto& sel = a.selected;
        const bool selected = std::find(sel.begin(), sel.end(), id) != sel.end();
        const bool tapped = ui.option(labels[i], selected, multi, p, col_w, nullptr, row_h[row]);
        ui.widgets.back().label = s.option_label(q, opts[i]);  // never the typed text: the automation file is on disk
        if (!tapped) continue;
        if (id == "other" && !selected) {
            // "Other" is ticked only once something is typed, so Cancel or an empty Done never blocks Next.
            const std::string qid = q.id;
            s.open_keyboard(s.option_label(q, opts[i]), a.text, 200, true, [&s, qid](const std::string& t) {
                if (!(s.flow && s.flow->screen() == Screen::Question && s.flow->question().id == qid)) return;
                Answer& ans = s.flow->answer();
                ans.text = t;
                auto& chosen = ans.selected;
                chosen.erase(std::remove(chosen.begin(), chosen.end(), "other"), chosen.end());
                if (!t.empty()) chosen.push_back("other");
            });
            const Option other = opts[i];
            s.edit_title_source = [&s, &q, other] { return s.option_label(q, other); };
        } else if (!multi) {
            sel = {id};
        } else if (selected) {
            sel.erase(std::remove(sel.begin(), sel.end(), id), sel.end());
            if (id == "other") a.text.clear();
        } else {
            sel.push_back(id);
        }
        const bool now = std::find(sel.begin(), sel.end(), id) != sel.end();
        if (s.mode == Mode::Respondent) s.announce = s.strings.fmt(now ? "speech.option_selected" : "speech.option_not_selected",
                                   {{"option", s.option_label(q, opts[i])}});
    }
    return l.h;
}

}  // namespace

std::string draw_question(KioskState& s, Ui& ui) {
    Flow& f = *s.flow;
    const Question& q = f.question();
    Answer& a = f.answer();
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // Progress: "Question 2 of 7" and a bar beside it.
    float y = ui.top + m;
    const std::string prog = s.strings.fmt("question.progress", {{"n", std::to_string(f.position())},
                                                                  {"total", std::to_string(f.shown_count())}});
    const ImVec2 ps = ui.measure(prog, inner);
    ui.text(prog, ImVec2(m, y), inner, nullptr, ui.theme.muted);
    const float frac = static_cast<float>(f.position()) / static_cast<float>(std::max(1, f.shown_count()));
    const float bar_x = m + ps.x + ui.px(0.8f);
    if (inner - (bar_x - m) >= ui.px(3)) {
        const float by = y + ps.y / 2 - ui.px(0.2f);
        dl->AddRectFilled(ImVec2(bar_x, by), ImVec2(m + inner, by + ui.px(0.4f)), ui.theme.button, ui.px(0.2f));
        dl->AddRectFilled(ImVec2(bar_x, by), ImVec2(bar_x + (m + inner - bar_x) * frac, by + ui.px(0.4f)), ui.theme.accent,
                          ui.px(0.2f));
    }
    y += ps.y + ui.px(0.5f);

    // Bottom bar, and the "please answer" hint: between Back and Next, or above them when it needs more room.
    const float bar_h = std::max(ui.target(2.2f), std::min(ui.px(ui.m.button_h * 1.15f), 100.f));
    const float bar_y = H - m - bar_h;
    const float nav_w = std::min(ui.px(ui.m.nav_w), inner * 0.3f);
    const bool can = f.can_next();
    const std::string hint = can ? "" : (a.empty() ? s.t("question.needs_answer") : s.t("question.needs_other"));
    const float hw = inner - 2 * nav_w - ui.px(1.2f);
    const bool hint_between = !hint.empty() && ui.measure(hint, hw).y <= bar_h;
    const float hint_above_h = (hint.empty() || hint_between) ? 0.f : ui.measure(hint, inner).y + ui.px(0.4f);
    const float body_bottom = bar_y - ui.px(0.6f) - hint_above_h;

    // The body: prompt, help and answers. When it does not all fit (large text, a long list, a short screen)
    // it scrolls as one, with big Up / Down buttons beside it.
    const float room = body_bottom - y;
    auto prompt_height = [&](float w) {
        float h = ui.measure(s.tr(q.prompt), w, ui.fonts.heading).y + ui.px(0.3f);
        if (!q.help.empty()) h += ui.measure(s.tr(q.help), w).y;
        if (!q.required) h += ui.measure(s.t("question.optional"), w).y;
        return h + ui.px(0.6f);
    };
    auto answer_height = [&](float w, float left) {
        switch (q.type) {
            case QuestionType::Smiley: return smiley_layout(s, ui, q, w, left).h;
            case QuestionType::Scale: return scale_height(s, ui, q, w);
            case QuestionType::Text: return text_answer_height(ui, left);
            default: return options_layout(s, ui, q, a, w).h;
        }
    };
    float w = inner;
    float content = prompt_height(w) + answer_height(w, room - prompt_height(w));
    const bool scrolls = content > room + 0.5f;
    if (scrolls) {
        w = inner - ui.target(2.6f) - ui.px(0.6f);
        content = prompt_height(w) + answer_height(w, room - prompt_height(w));
    }
    ScrollList list{"question", ImVec2(m, y), ImVec2(w, std::max(room, ui.m.min_target_px)), &s.list_scroll[q.id]};
    if (scrolls) y = list.begin(ui).y;
    y += ui.text(s.tr(q.prompt), ImVec2(m, y), w, ui.fonts.heading) + ui.px(0.3f);
    if (!q.help.empty()) y += ui.text(s.tr(q.help), ImVec2(m, y), w, nullptr, ui.theme.muted);
    if (!q.required) y += ui.text(s.t("question.optional"), ImVec2(m, y), w, nullptr, ui.theme.muted);
    y += ui.px(0.6f);
    const float left = room - prompt_height(w);
    switch (q.type) {
        case QuestionType::Choice:
        case QuestionType::Agree:
        case QuestionType::Multi:
        case QuestionType::Needs: draw_options(s, ui, q, a, ImVec2(m, y), w); break;
        case QuestionType::Smiley: draw_smileys(s, ui, q, a, ImVec2(m, y), ImVec2(w, left)); break;
        case QuestionType::Scale: draw_scale(s, ui, q, a, ImVec2(m, y), w); break;
        case QuestionType::Text: draw_text_answer(s, ui, q, a, ImVec2(m, y), w, left); break;
    }
    if (scrolls) list.end(ui, content);
    if (hint_above_h > 0) ui.text(hint, ImVec2(m, bar_y - hint_above_h), inner, nullptr, ui.theme.muted);

    if (ui.button(s.t("nav.back"), ImVec2(m, bar_y), ImVec2(nav_w, bar_h), Look::Normal)) {
        f.back();           // may leave for Attract and clear the answers: `a` is gone
        return "question";  // the next frame draws wherever Back led
    }
    const std::string next_label = f.is_last() ? s.t("nav.finish") : s.t("nav.next");
    if (hint_between) {
        const ImVec2 hs = ui.measure(hint, hw);
        ui.text(hint, ImVec2(m + nav_w + ui.px(0.6f) + (hw - hs.x) / 2, bar_y + (bar_h - hs.y) / 2), hw, nullptr,
                ui.theme.muted);
    }
    if (ui.button(next_label, ImVec2(W - m - nav_w, bar_y), ImVec2(nav_w, bar_h), Look::Primary, can)) {
        if (f.next() && f.screen() == Screen::Saving) s.finish();
    }
    return "question";
}

}  // namespace engage::ui
