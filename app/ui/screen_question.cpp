// One question per screen: progress, the prompt, the answer widgets for its type, Back and Next.
#include <algorithm>

#include "engage/textcheck.h"
#include "ui/screens.h"

namespace engage::ui {
namespace {

struct SmileyLayout {
    float tile_w, face, word_h, h;
};

// The words set the height of the tiles' lower part; the faces shrink (never the words) when the text is
// large or the screen short.
SmileyLayout smiley_layout(const KioskState& s, const Ui& ui, const Question& q, float width, float max_h) {
    const float gap = ui.px(ui.m.gap);
    SmileyLayout l{};
    l.tile_w = std::min((width - 4 * gap) / 5, ui.px(7));
    const auto opts = s.options_of(q);
    for (const auto& o : opts) l.word_h = std::max(l.word_h, ui.measure(s.option_label(q, o), l.tile_w - ui.px(0.4f)).y);
    l.face = std::max(ui.m.min_target_px, std::min(l.tile_w * 0.72f, max_h - l.word_h - ui.px(1.0f)));
    l.h = l.face + l.word_h + ui.px(1.0f);
    return l;
}

float draw_smileys(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, ImVec2 area) {
    const float width = area.x;
    const float gap = ui.px(ui.m.gap);
    const ImU32 fills[6] = {0, IM_COL32(0xF4, 0x9A, 0x8C, 0xFF), IM_COL32(0xF7, 0xBE, 0x8A, 0xFF),
                            IM_COL32(0xF5, 0xDD, 0x8C, 0xFF), IM_COL32(0xC5, 0xE1, 0x8F, 0xFF),
                            IM_COL32(0x9F, 0xD8, 0x9B, 0xFF)};  // by mood 1..5
    const auto opts = s.options_of(q);
    const SmileyLayout l = smiley_layout(s, ui, q, width, area.y);
    const float tile_w = l.tile_w, face = l.face, h = l.h;
    const float total = 5 * tile_w + 4 * gap;
    const float x0 = pos.x + (width - total) / 2;
    for (int i = 0; i < 5; ++i) {
        // The value saved is the option's id ("1".."5", checked by the loader), whatever order the survey lists them in.
        const int mood = std::stoi(opts[static_cast<std::size_t>(i)].id);
        const std::string word = s.option_label(q, opts[static_cast<std::size_t>(i)]);
        const ImVec2 p(x0 + static_cast<float>(i) * (tile_w + gap), pos.y);
        const bool selected = a.number && *a.number == mood;
        ImGui::SetCursorScreenPos(p);
        ImGui::PushID(mood);
        const bool tapped = ImGui::InvisibleButton("##face", ImVec2(tile_w, h)) && !ui.drag_active;
        const bool pressed = ImGui::IsItemActive() && !ui.drag_active;
        ImGui::PopID();
        ui.record(word);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(p, ImVec2(p.x + tile_w, p.y + h), selected ? ui.theme.accent : (pressed ? ui.theme.button : ui.theme.panel),
                          ui.px(0.4f));
        dl->AddRect(p, ImVec2(p.x + tile_w, p.y + h), selected ? ui.theme.text : ui.theme.border, ui.px(0.4f), 0,
                    selected ? ui.px(0.14f) : ui.px(0.07f));
        draw_face(dl, ImVec2(p.x + tile_w / 2, p.y + ui.px(0.3f) + face / 2), face * 0.46f, mood, ui.theme.text, fills[mood]);
        const ImVec2 ws = ui.measure(word, tile_w - ui.px(0.4f));
        const float wx = ws.x < tile_w - ui.px(0.4f) ? p.x + (tile_w - ws.x) / 2 : p.x + ui.px(0.2f);
        dl->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(wx, p.y + face + ui.px(0.5f)),
                    selected ? ui.theme.on_accent : ui.theme.text, word.c_str(), word.c_str() + word.size(),
                    tile_w - ui.px(0.4f));
        if (tapped) a.number = mood;
    }
    return h;
}

float scale_cell(const Ui& ui, float width) {
    return std::max(ui.m.min_target_px, std::min((width - 10 * ui.px(0.3f)) / 11, ui.px(3.2f)));
}

float scale_height(const KioskState& s, const Ui& ui, const Question& q, float width) {
    const float cell = scale_cell(ui, width);
    const float half = (11 * cell + 10 * ui.px(0.3f)) / 2 - ui.px(0.3f);
    return cell + ui.px(0.4f) + std::max(ui.measure(s.tr(q.low_label), half).y, ui.measure(s.tr(q.high_label), half).y);
}

float draw_scale(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, float width) {
    const float gap = ui.px(0.3f);
    const float cell = scale_cell(ui, width);
    const float total = 11 * cell + 10 * gap;
    const float x0 = pos.x + std::max(0.f, (width - total) / 2);
    for (int v = 0; v <= 10; ++v) {
        const bool selected = a.number && *a.number == v;
        if (ui.button(std::to_string(v), ImVec2(x0 + static_cast<float>(v) * (cell + gap), pos.y), ImVec2(cell, cell),
                      selected ? Look::Selected : Look::Normal))
            a.number = v;
    }
    float y = pos.y + cell + ui.px(0.4f);
    const std::string lo = s.tr(q.low_label), hi = s.tr(q.high_label);
    const float half = total / 2 - gap;
    float h = ui.text(lo, ImVec2(x0, y), half, nullptr, ui.theme.muted);
    const ImVec2 hs = ui.measure(hi, half);
    ui.text(hi, ImVec2(x0 + total - std::min(hs.x, half), y), half, nullptr, ui.theme.muted);
    return cell + ui.px(0.4f) + std::max(h, hs.y);
}

float draw_text_answer(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, ImVec2 area) {
    const float width = area.x;
    const float h = std::max(ui.target(ui.m.button_h), std::min(ui.px(5), area.y));
    const std::string shown = a.text.empty() ? s.t("text.tap_to_type") : a.text;
    if (ui.button("", pos, ImVec2(width, h), Look::Normal, true, "text-box")) {
        const std::string qid = q.id;
        s.open_keyboard(s.tr(q.prompt), a.text, static_cast<std::size_t>(q.max_length), true,
                        [&s, qid](const std::string& t) {
                            if (s.flow && s.flow->screen() == Screen::Question && s.flow->question().id == qid)
                                s.flow->answer().text = t;
                        });
    }
    ui.widgets.back().label = s.t("text.tap_to_type");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + h), ui.theme.panel, ui.px(0.35f));
    dl->AddRect(pos, ImVec2(pos.x + width, pos.y + h), ui.theme.border, ui.px(0.35f), 0, ui.px(0.08f));
    ImGui::PushClipRect(pos, ImVec2(pos.x + width, pos.y + h), true);
    ui.text(shown, ImVec2(pos.x + ui.px(0.6f), pos.y + ui.px(0.5f)), width - ui.px(1.2f), nullptr,
            a.text.empty() ? ui.theme.muted : ui.theme.text);
    ImGui::PopClipRect();
    return h;
}

// choice, agree (one of) and multi, needs (any of), in a list that scrolls.
void draw_options(KioskState& s, Ui& ui, const Question& q, Answer& a, ImVec2 pos, ImVec2 area) {
    const bool multi = q.type == QuestionType::Multi || q.type == QuestionType::Needs;
    const auto opts = s.options_of(q);
    std::vector<std::string> labels;
    for (const auto& o : opts) {
        std::string l = s.option_label(q, o);
        if (o.id == "other" && !a.text.empty()) l += ": " + a.text;
        labels.push_back(l);
    }
    const float gap = ui.px(0.4f);
    // Two columns when the screen is wide enough, so a long checklist needs less scrolling.
    auto layout = [&](float w, int cols, std::vector<float>& row_h) {
        row_h.assign((labels.size() + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols), 0.f);
        const float cw = (w - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
        for (std::size_t i = 0; i < labels.size(); ++i)
            row_h[i / static_cast<std::size_t>(cols)] = std::max(row_h[i / static_cast<std::size_t>(cols)], ui.option_height(labels[i], cw));
        float h = 0;
        for (float r : row_h) h += r + gap;
        return h;
    };
    const int cols = (area.x >= ui.px(36) && labels.size() > 3) ? 2 : 1;
    std::vector<float> row_h;
    float width = area.x;
    float content = layout(width, cols, row_h);
    if (content > area.y) {
        width = area.x - ui.target(2.6f) - ui.px(0.6f);
        content = layout(width, cols, row_h);
    }
    const float col_w = (width - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    ScrollList list{"options", pos, ImVec2(width, area.y), &s.list_scroll[q.id]};
    const ImVec2 origin = list.begin(ui);
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
        } else if (!multi) {
            sel = {id};
        } else if (selected) {
            sel.erase(std::remove(sel.begin(), sel.end(), id), sel.end());
            if (id == "other") a.text.clear();
        } else {
            sel.push_back(id);
        }
    }
    list.end(ui, content);
}

}  // namespace

std::string draw_question(KioskState& s, Ui& ui) {
    Flow& f = *s.flow;
    const Question& q = f.question();
    Answer& a = f.answer();
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.px(ui.m.margin);
    const float inner = W - 2 * m;
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // Progress
    float y = m;
    const std::string prog = s.strings.fmt("question.progress", {{"n", std::to_string(f.position())},
                                                                  {"total", std::to_string(f.shown_count())}});
    ui.text(prog, ImVec2(m, y), inner, nullptr, ui.theme.muted);
    y += ui.fonts.body->FontSize + ui.px(0.3f);
    const float frac = static_cast<float>(f.position()) / static_cast<float>(std::max(1, f.shown_count()));
    dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + ui.px(0.4f)), ui.theme.button, ui.px(0.2f));
    dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner * frac, y + ui.px(0.4f)), ui.theme.accent, ui.px(0.2f));
    y += ui.px(1.0f);

    // Prompt and help
    y += ui.text(s.tr(q.prompt), ImVec2(m, y), inner, ui.fonts.heading) + ui.px(0.3f);
    if (!q.help.empty()) y += ui.text(s.tr(q.help), ImVec2(m, y), inner, nullptr, ui.theme.muted);
    if (!q.required) y += ui.text(s.t("question.optional"), ImVec2(m, y), inner, nullptr, ui.theme.muted);
    y += ui.px(0.6f);

    // Bottom bar
    const float bar_h = ui.target(ui.m.button_h * 1.15f);
    const float bar_y = H - m - bar_h;
    const ImVec2 area(inner, bar_y - ui.px(0.6f) - y);

    switch (q.type) {
        case QuestionType::Choice:
        case QuestionType::Agree:
        case QuestionType::Multi:
        case QuestionType::Needs: draw_options(s, ui, q, a, ImVec2(m, y), area); break;
        case QuestionType::Smiley:
        case QuestionType::Scale:
        case QuestionType::Text: {
            // One row of answers; if even that does not fit (large text, short screen) it scrolls.
            auto height = [&](float w) {
                if (q.type == QuestionType::Smiley) return smiley_layout(s, ui, q, w, area.y).h;
                if (q.type == QuestionType::Scale) return scale_height(s, ui, q, w);
                return ui.target(ui.m.button_h);
            };
            float w = inner;
            if (height(w) > area.y) w = inner - ui.target(2.6f) - ui.px(0.6f);
            ScrollList list{"answer", ImVec2(m, y), ImVec2(w, area.y), &s.list_scroll[q.id]};
            const ImVec2 p = list.begin(ui);
            float h = 0;
            if (q.type == QuestionType::Smiley) h = draw_smileys(s, ui, q, a, p, ImVec2(w, area.y));
            else if (q.type == QuestionType::Scale) h = draw_scale(s, ui, q, a, p, w);
            else h = draw_text_answer(s, ui, q, a, p, ImVec2(w, area.y));
            list.end(ui, h);
            break;
        }
    }

    const float nav_w = std::min(ui.px(ui.m.nav_w), inner * 0.3f);
    if (ui.button(s.t("nav.back"), ImVec2(m, bar_y), ImVec2(nav_w, bar_h), Look::Normal)) {
        f.back();           // may leave for Attract and clear the answers: `a` is gone
        return "question";  // the next frame draws wherever Back led
    }
    const bool can = f.can_next();
    const std::string next_label = f.is_last() ? s.t("nav.finish") : s.t("nav.next");
    if (!can) {
        const std::string hint = a.empty() ? s.t("question.needs_answer") : s.t("question.needs_other");
        const float hw = inner - 2 * nav_w - ui.px(1.2f);
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
