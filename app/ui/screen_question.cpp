// One question per screen: progress, the prompt, the answers laid out to fill the room between the header and
// Back/Next, and Back and Next. Answers never scroll: when they cannot all be shown at the person's text size
// they are split into pages with a large "More answers (2 of 3)" control. A long prompt may scroll on its own.
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engage/textcheck.h"
#include "ui/layout.h"
#include "ui/screens.h"

namespace engage::ui {
namespace {

struct Ctx {
    KioskState& s;
    Ui& ui;
    Actions& act;
    const Question& q;
    const Answer& a;
};

std::string option_id_label(const KioskState& s, const Question& q, const Option& o) { return s.option_label(q, o); }

// Announces a tap for read aloud.
// An arrow pointing left: "Previous answers" where its words would not fit.
void icon_previous(ImDrawList* dl, ImVec2 c, float r, ImU32 ink) {
    const float t = std::max(2.f, r * 0.28f);
    dl->AddLine(ImVec2(c.x + r, c.y), ImVec2(c.x - r * 0.7f, c.y), ink, t);
    dl->AddTriangleFilled(ImVec2(c.x - r, c.y), ImVec2(c.x - r * 0.2f, c.y - r * 0.75f), ImVec2(c.x - r * 0.2f, c.y + r * 0.75f), ink);
}

void say_selected(Ctx& c, const std::string& label, bool on, const Recordings* audio = nullptr) {
    c.s.announce = c.s.strings.fmt(on ? "speech.option_selected" : "speech.option_not_selected", {{"option", label}});
    // The option's recording in the person's language, when it has one, plays instead (read aloud only).
    if (audio)
        if (auto it = audio->find(c.s.flow->language()); it != audio->end() && on) c.s.announce_recording = it->second;
}

// ---- smiley: five faces, side by side (face over its word) or as five rows (face beside its word) --------
float draw_smileys(Ctx& c, const std::vector<Option>& opts, ImVec2 pos, ImVec2 room) {
    std::vector<std::string> words;
    for (const auto& o : opts) words.push_back(option_id_label(c.s, c.q, o));
    const SmileyPlan p = plan_smileys(c.ui, words, room);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < opts.size() && i < 5; ++i) {
        const int mood = static_cast<int>(i) + 1;
        const ImVec2 at(pos.x + p.cell[i].x, pos.y + p.cell[i].y);
        const bool selected = c.a.number && *c.a.number == mood;
        const std::string& word = words[i];
        const std::string id = "option." + opts[i].id;
        const Ui::Tile t = c.ui.tile(word, id, at, p.tile, selected);
        c.ui.widgets.back().selected = selected;
        const ImU32 ink = selected ? c.ui.theme.on_accent : c.ui.theme.text;
        ImFont* f = p.font;
        if (p.rows) {
            draw_face(dl, ImVec2(at.x + c.ui.px(0.4f) + p.face / 2, at.y + p.tile.y / 2), p.face * 0.46f, mood,
                      c.ui.theme.text, c.ui.theme.faces[mood - 1]);
            const float tx = at.x + p.face + c.ui.px(1.0f), tw = p.tile.x - p.face - c.ui.px(1.6f);
            const ImVec2 ws = c.ui.measure(word, tw, f);
            c.ui.draw_label(dl, f, f->FontSize, ImVec2(tx, std::round(at.y + (p.tile.y - ws.y) / 2)), ink, word, tw);
        } else {
            draw_face(dl, ImVec2(at.x + p.tile.x / 2, at.y + c.ui.px(0.3f) + p.face / 2), p.face * 0.46f, mood,
                      c.ui.theme.text, c.ui.theme.faces[mood - 1]);
            const float tw = p.tile.x - c.ui.px(0.4f);
            c.ui.text_centred_in(word, ImVec2(at.x + c.ui.px(0.2f), at.y + p.face + c.ui.px(0.5f)), tw, f, ink, false);
        }
        if (t.tapped) {
            c.act([mood](KioskState& s) { s.flow->choose(std::to_string(mood)); });
            say_selected(c, word, true);
        }
    }
    return p.face;
}

// ---- scale 0..10: a grid of numbers, the end labels under it ---------------------------------------------
void draw_scale(Ctx& c, ImVec2 pos, ImVec2 room) {
    const std::string lo = c.s.tr(c.q.low_label), hi = c.s.tr(c.q.high_label);
    const ScalePlan p = plan_scale(c.ui, lo, hi, room);
    for (int v = 0; v <= 10; ++v) {
        const int row = v / p.cols, col = v % p.cols;
        const ImVec2 at(pos.x + p.x0 + static_cast<float>(col) * (p.cell.x + p.gap),
                        pos.y + static_cast<float>(row) * (p.cell.y + p.gap));
        const bool selected = c.a.number && *c.a.number == v;
        const std::string n = std::to_string(v);
        const bool tapped = c.ui.button(n, at, p.cell, selected ? Look::Selected : Look::Normal, true, ("option." + n).c_str(), p.font);
        c.ui.widgets.back().selected = selected;
        if (tapped) {
            c.act([n](KioskState& s) { s.flow->choose(n); });
            say_selected(c, n, true);
        }
    }
    const float y = pos.y + p.grid_h + c.ui.px(0.4f);
    const float half = p.grid_w / 2 - p.gap;
    c.ui.text(lo, ImVec2(pos.x + p.x0, y), half, nullptr, c.ui.theme.muted);
    const ImVec2 hs = c.ui.measure(hi, half);
    c.ui.text(hi, ImVec2(pos.x + p.x0 + p.grid_w - std::min(hs.x, half), y), half, nullptr, c.ui.theme.muted);
}

// ---- text: a big box; a tap opens the keyboard titled with the question ------------------------------------
void draw_text_answer(Ctx& c, ImVec2 pos, ImVec2 room) {
    Ui& ui = c.ui;
    const float w = room.x, h = std::max(ui.target(ui.m.button_h), std::min(ui.px(6), room.y));
    const std::string shown = c.a.text.empty() ? c.s.t("text.tap_to_type") : c.a.text;
    const int serial = ui.focus_serial;
    if (ui.button("", pos, ImVec2(w, h), Look::Normal, true, "text.box")) {
        const std::string qid = c.q.id;
        KeyboardRequest r;
        r.title = c.s.tr(c.q.prompt);
        r.title_again = [qid](const KioskState& s) {
            for (const auto& q : s.survey->questions)
                if (q.id == qid) return s.tr(q.prompt);
            return std::string();
        };
        r.initial = c.a.text;
        r.max_chars = static_cast<std::size_t>(c.q.max_length);
        r.check_personal = true;
        r.for_respondent = true;
        r.commit = [qid](KioskState& s, const std::string& t) {
            if (s.flow && s.flow->screen() == Screen::Question && s.flow->question().id == qid) s.flow->answer().text = t;
        };
        c.act([r](KioskState& s) { open_keyboard(s, r); });
    }
    ui.widgets.back().label = c.s.t("text.tap_to_type");
    if (ui.focus_serial != serial) ui.focused_label = c.s.t("text.tap_to_type");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, ImVec2(pos.x + w, pos.y + h), ui.theme.panel, ui.px(0.35f));
    dl->AddRect(pos, ImVec2(pos.x + w, pos.y + h), ui.theme.border, ui.px(0.35f), 0, ui.px(0.08f));
    if (ui.focus_serial != serial) ui.focus_ring(pos, ImVec2(pos.x + w, pos.y + h));
    // The text shows inside the box only (the end of a long text is cut by the box, as in any text field).
    const ImVec2 saved_min = ui.clip_min, saved_max = ui.clip_max;
    ui.clip_min = ImVec2(pos.x, std::max(pos.y, saved_min.y));
    ui.clip_max = ImVec2(pos.x + w, std::min(pos.y + h, saved_max.y));
    ImGui::PushClipRect(pos, ImVec2(pos.x + w, pos.y + h), true);
    ui.secret = !c.a.text.empty();  // the automation file is on disk: never what someone typed
    ui.text(shown, ImVec2(pos.x + ui.px(0.6f), pos.y + ui.px(0.5f)), w - ui.px(1.2f), nullptr,
            c.a.text.empty() ? ui.theme.muted : ui.theme.text);
    ui.secret = false;
    ImGui::PopClipRect();
    ui.clip_min = saved_min;
    ui.clip_max = saved_max;
}

// ---- choice, agree (one of), multi and needs (any of): tiles in a grid, paged when they cannot all fit ----
std::vector<std::string> option_labels(const Ctx& c, const std::vector<Option>& opts, bool with_typed) {
    std::vector<std::string> out;
    for (const auto& o : opts) {
        std::string label = option_id_label(c.s, c.q, o);
        if (with_typed && o.id == "other" && !c.a.text.empty()) label += ": " + c.a.text;
        out.push_back(label);
    }
    return out;
}

void draw_options(Ctx& c, const std::vector<Option>& opts, const GridPlan& p, int page, ImVec2 pos) {
    const bool multi = c.q.type == QuestionType::Multi || c.q.type == QuestionType::Needs;
    const auto labels = option_labels(c, opts, true);
    const auto& pg = p.pages[static_cast<std::size_t>(page)];
    for (std::size_t k = 0; k < pg.items.size(); ++k) {
        const std::size_t i = pg.items[k];
        const ImVec2 at(pos.x + pg.cells[k].x, pos.y + pg.cells[k].y);
        const std::string& id = opts[i].id;
        const bool selected = std::find(c.a.selected.begin(), c.a.selected.end(), id) != c.a.selected.end();
        const std::string plain = option_id_label(c.s, c.q, opts[i]);
        c.ui.option_image = opts[i].image ? &*opts[i].image : nullptr;
        c.ui.option_alt = opts[i].image ? c.s.tr(opts[i].image->alt) : std::string();
        const bool tapped = c.ui.option(labels[i], "option." + id, selected, multi, at, pg.sizes[k], p.font);
        c.ui.option_image = nullptr;
        c.ui.widgets.back().label = plain;  // never the typed text: the automation file is on disk
        c.ui.widgets.back().selected = selected;
        if (!tapped) continue;
        if (id == "other" && !selected) {
            // "Other" is ticked only once something is typed, so Cancel or an empty Done never blocks Next.
            const std::string qid = c.q.id;
            KeyboardRequest r;
            r.title = c.s.tr(c.q.prompt) + "\n" + plain;
            const Option other = opts[i];
            r.title_again = [qid, other](const KioskState& s) {
                for (const auto& q : s.survey->questions)
                    if (q.id == qid) return s.tr(q.prompt) + "\n" + s.option_label(q, other);
                return std::string();
            };
            r.initial = c.a.text;
            r.max_chars = 200;
            r.check_personal = true;
            r.for_respondent = true;
            r.commit = [qid](KioskState& s, const std::string& t) {
                if (!(s.flow && s.flow->screen() == Screen::Question && s.flow->question().id == qid)) return;
                Answer& ans = s.flow->answer();
                ans.text = t;
                auto& chosen = ans.selected;
                chosen.erase(std::remove(chosen.begin(), chosen.end(), "other"), chosen.end());
                if (!t.empty()) {
                    if (s.flow->question().type == QuestionType::Multi || s.flow->question().type == QuestionType::Needs)
                        chosen.push_back("other");
                    else
                        chosen = {"other"};
                }
            };
            c.act([r](KioskState& s) { open_keyboard(s, r); });
            continue;
        }
        if (!multi) {
            c.act([id](KioskState& s) { s.flow->choose(id); });
            say_selected(c, plain, true, &opts[i].audio);
        } else {
            c.act([id, selected](KioskState& s) {
                Answer& ans = s.flow->answer();
                auto& sel = ans.selected;
                if (selected) {
                    sel.erase(std::remove(sel.begin(), sel.end(), id), sel.end());
                    if (id == "other") ans.text.clear();
                } else {
                    sel.push_back(id);
                }
                s.flow->touch();
            });
            say_selected(c, plain, !selected, &opts[i].audio);
        }
    }
}

}  // namespace

void RespondentScreen::draw_question(KioskState& s, Ui& ui, Actions& act) {
    Flow& f = *s.flow;
    const Question& q = f.question();
    const Answer& a = f.answer();
    const float W = ui.size.x, H = ui.size.y;
    const float m = ui.edge();
    const float inner = W - 2 * m;
    ImDrawList* dl = ImGui::GetWindowDrawList();

    // The bottom bar: Back, the "please answer" hint, Next.
    // Back and Next take the heading font when their words fit a third of the width on one line ("Air adhart"
    // at 200 % in portrait does not), else the body font (the person's text size), wrapping if they must.
    auto widest_nav = [&](ImFont* font) {
        float w = 0;
        for (const char* key : {"nav.back", "nav.next", "nav.finish"}) w = std::max(w, ui.measure(s.t(key), 0, font).x);
        return w + ui.px(1.5f);
    };
    const float nav_cap = inner * (widest_nav(ui.fonts.body) <= inner * 0.32f ? 0.32f : 0.4f);
    ImFont* nav_font = widest_nav(ui.fonts.heading) <= nav_cap ? ui.fonts.heading : ui.fonts.body;
    const float nav_w_full = std::min(std::max(ui.px(ui.m.nav_w), widest_nav(nav_font)), nav_cap);
    auto nav_text_h = [&](float nav_w) {
        float h = 0;
        for (const char* key : {"nav.back", "nav.next", "nav.finish"})
            h = std::max(h, ui.measure(s.t(key), nav_w - 2 * std::min(ui.px(0.5f), nav_w * 0.1f), nav_font).y);
        return h;
    };
    const float bar_h0 = std::max({ui.target(1.6f), std::min(ui.px(ui.m.button_h), 96.f), nav_text_h(nav_w_full) + ui.px(0.6f)});
    const auto opts = s.options_of(q);
    const bool grid_type = q.type != QuestionType::Smiley && q.type != QuestionType::Scale && q.type != QuestionType::Text;
    std::vector<std::string> labels;
    for (const auto& o : opts) {
        std::string label = s.option_label(q, o);
        if (o.id == "other" && !a.text.empty()) label += ": " + a.text;
        labels.push_back(label);
    }
    // Pictures on the answers (Easy Read): a square before each tile's words, sized with the text; every tile of
    // the question keeps it so the words line up. As large as it can be (6 em down to 2.2 em; a quarter of the
    // width at most) without the answers taking more pages than with the smallest, in the room they will about have.
    ui.option_picture = 0;
    if (grid_type && std::any_of(opts.begin(), opts.end(), [&](const Option& o) {
            return o.image && ui.pictures.find(o.image->file);
        })) {
        const ImVec2 about(inner, (H - ui.top - 2 * m) * 0.6f);
        const float sides[] = {ui.px(6), ui.px(4.5f), ui.px(3.2f), ui.px(2.2f)};
        ui.option_picture = std::min(sides[3], inner * 0.25f);
        const std::size_t fewest = plan_grid(ui, labels, about, 0.f).pages.size();
        for (float side : sides) {
            ui.option_picture = std::min(side, inner * 0.25f);
            if (plan_grid(ui, labels, about, 0.f).pages.size() <= fewest) break;
        }
    }
    // "More answers": large, but no taller than the nav bar's buttons, so a page keeps room for its answers.
    // Taller only when its words need two lines (long words at 200 %: "Barrachd fhreagairtean (2 à 5)"). The
    // first page has "More answers" across the width; the pages after it "Previous answers" beside it; the last
    // "Back to the first answers", beside "Previous answers" when there are more than two pages and it fits.
    const std::string pager_prev = s.t("question.previous_answers");
    const std::map<std::string, std::string> eights = {{"page", "8"}, {"pages", "8"}};
    // "Previous answers" in words when they fit a third of the width on one line, else an arrow (still spoken).
    const float prev_words_w = ui.measure(pager_prev, 0).x + ui.px(1.5f);
    const bool prev_words = prev_words_w <= inner * 0.34f;
    const float pager_prev_w = prev_words ? prev_words_w : std::max(ui.target(1.6f), ui.px(2.2f));
    const float pager_rest_w = inner - pager_prev_w - ui.px(0.5f);
    auto pager_words = [&](const std::string& t, float w) { return ui.measure(t, w - ui.px(1.0f)).y + ui.px(0.4f); };
    const float pager_words_h = std::max({prev_words ? pager_words(pager_prev, pager_prev_w) : 0.f,
                                          pager_words(s.strings.fmt("question.more_answers", eights), pager_rest_w),
                                          pager_words(s.strings.fmt("question.first_answers", eights), inner)});
    const float pager_h_under = std::max({ui.target(1.6f), std::min(ui.px(ui.m.button_h * 0.8f), 96.f), pager_words_h});
    // When the answers will be in pages and Back and Next, narrowed to their words, leave room between them,
    // the pager goes there (an arrow and "More answers (2 of 3)", on up to two lines): the answers keep the
    // row it would take under them. Whether they will be in pages is judged with half the screen for them.
    const bool grid = grid_type;
    const float bar_gap = ui.px(0.5f);
    const float arrow_w = std::max(ui.target(1.6f), ui.px(2.2f));
    const float nav_w_tight = std::min(nav_w_full, std::max(widest_nav(nav_font), ui.target(2.6f)));
    const float tight_room_w = inner - 2 * nav_w_tight - 2 * bar_gap;
    const float bar_more_h = pager_words(s.strings.fmt("question.more_answers", eights), tight_room_w - arrow_w - bar_gap);
    const float bar_first_h = pager_words(s.strings.fmt("question.first_answers", eights), tight_room_w);
    const bool pager_in_bar =
        grid && labels.size() > 1 && tight_room_w - arrow_w - bar_gap >= ui.px(5) &&
        std::max(bar_more_h, bar_first_h) <= std::max(bar_h0, 2 * ui.fonts.body->FontSize + ui.px(0.4f)) &&
        plan_grid(ui, labels, ImVec2(inner, (H - ui.top - 2 * m - bar_h0) * 0.5f), 0.f).pages.size() > 1;
    const float nav_w = pager_in_bar ? nav_w_tight : nav_w_full;
    const float bar_h = pager_in_bar ? std::max({bar_h0, bar_more_h, bar_first_h, nav_text_h(nav_w) + ui.px(0.6f)}) : bar_h0;
    const float bar_room_w = inner - 2 * nav_w - 2 * bar_gap;
    const float pager_h = pager_in_bar ? bar_h : pager_h_under;
    const float pager_room = pager_in_bar ? 0.f : pager_h + ui.px(0.4f);  // kept free under the answers
    const float bar_y = H - m - bar_h;
    const bool can = f.can_next();
    const std::string hint = can ? "" : (a.empty() ? s.t("question.needs_answer") : s.t("question.needs_other"));
    const float hw = inner - 2 * nav_w - ui.px(1.2f);
    const bool hint_between = !hint.empty() && ui.measure(hint, hw).y <= bar_h;
    // A hint too long for the room between Back and Next shows only once the person has tapped the greyed-out
    // Next (which is when they need to know why), as a note over the foot of the answers until their next tap:
    // it never takes room from the answers, so they do not move or change pages under the person's finger.
    if (!tried_next_.empty() && ImGui::IsMouseReleased(ImGuiMouseButton_Left)) {
        act([this](KioskState&) { tried_next_.clear(); });  // any tap puts the note away (Next may bring it back)
    }
    const float body_bottom = bar_y - std::min(ui.px(0.4f), 20.f);

    // The header: "Question 2 of 7", the prompt (as large as reads from a step back), its help. Tried from the
    // roomiest to the most compact until the answers fit well below it: the prompt steps down to the heading
    // and then the person's own size, and the progress words give way to a thin bar (the words are still
    // read aloud). A prompt too long even then scrolls on its own; the answers never share its scroll.
    const Progress pr = f.progress();
    const std::string prog = s.strings.fmt("question.progress", {{"n", std::to_string(pr.step)},
                                                                  {"total", std::to_string(pr.total)}});
    const std::string prompt = s.tr(q.prompt);
    const std::string help = q.help.empty() ? "" : s.tr(q.help);
    const std::string optional = q.required || q.type == QuestionType::Note ? "" : s.t("question.optional");
    const float top = ui.top + std::min(m, ui.px(0.4f));
    const float thin = std::max(6.f, ui.px(0.18f));
    // The question's picture (Easy Read) stands before the prompt: at most a fifth of the room high with the large
    // prompt, an eighth with the compact one, and 30 % of the width, so the answers keep their room.
    const Image* qpic = q.image && ui.pictures.find(q.image->file) ? &*q.image : nullptr;
    const float pic_gap = ui.px(0.6f);
    auto pic_size = [&](ImFont* font) {
        if (!qpic) return ImVec2(0, 0);
        const float aspect = static_cast<float>(qpic->width) / static_cast<float>(std::max(1, qpic->height));
        const float h = std::min(ui.px(7), (body_bottom - top) * (font == ui.fonts.body ? 0.125f : 0.2f));
        const float w = std::min(h * aspect, inner * 0.3f);
        return ImVec2(std::floor(w), std::floor(w / aspect));
    };
    auto header_h = [&](bool words, ImFont* font, float w) {
        float h = words ? ui.measure(prog, inner).y + ui.px(0.3f) : thin + ui.px(0.4f);
        const ImVec2 pic = pic_size(font);
        if (pic.x > 0) w -= pic.x + pic_gap;
        float t = ui.measure(prompt, w, font).y + ui.px(0.2f);
        if (!help.empty()) t += ui.measure(help, w).y;
        if (!optional.empty()) t += ui.measure(optional, w).y;
        return h + std::max(t, pic.y) + ui.px(0.4f);
    };
    const float min_face = 120.f * std::min(1.f, std::min(W, H) / 800.f);
    auto fits_well = [&](float room_h) {
        const ImVec2 r(inner, room_h);
        switch (q.type) {
            case QuestionType::Smiley: {
                std::vector<std::string> words(labels.begin(), labels.begin() + std::min<std::size_t>(5, labels.size()));
                return plan_smileys(ui, words, r).face >= min_face;
            }
            case QuestionType::Scale:
                return plan_scale(ui, s.tr(q.low_label), s.tr(q.high_label), r).cell.y >= std::max(ui.m.min_target_px, ui.px(1.6f));
            case QuestionType::Text: return room_h >= ui.target(ui.m.button_h * 1.5f);
            case QuestionType::Note: return true;  // words only
            default: return plan_grid(ui, labels, r, pager_room).pages.size() == 1;
        }
    };
    struct HeadTry {
        bool words;
        ImFont* font;
    };
    // A note is not "Question N of M": the bar only, with its words as large as fit.
    const std::vector<HeadTry> tries =
        pr.note ? std::vector<HeadTry>{{false, ui.fonts.huge}, {false, ui.fonts.heading}, {false, ui.fonts.body}}
                : std::vector<HeadTry>{{true, ui.fonts.huge}, {true, ui.fonts.heading}, {false, ui.fonts.heading}, {false, ui.fonts.body}};
    HeadTry head = tries.back();
    for (const auto& t : tries)
        if (header_h(t.words, t.font, inner) <= (body_bottom - top) * 0.45f && fits_well(body_bottom - top - header_h(t.words, t.font, inner))) {
            head = t;
            break;
        }
    float y = top;
    if (head.words) {
        const ImVec2 ps = ui.measure(prog, inner);
        ui.text(prog, ImVec2(m, y), inner, nullptr, ui.theme.muted);
        const float bar_x = m + ps.x + ui.px(0.8f);
        if (inner - (bar_x - m) >= ui.px(3)) {
            const float by = y + ps.y / 2 - ui.px(0.2f);
            const float frac = static_cast<float>(std::clamp(pr.fraction, 0.0, 1.0));
            dl->AddRectFilled(ImVec2(bar_x, by), ImVec2(m + inner, by + ui.px(0.4f)), ui.theme.button, ui.px(0.2f));
            dl->AddRectFilled(ImVec2(bar_x, by), ImVec2(bar_x + (m + inner - bar_x) * frac, by + ui.px(0.4f)), ui.theme.accent,
                              ui.px(0.2f));
        }
        y += ps.y + ui.px(0.3f);
    } else {
        const float frac = static_cast<float>(std::clamp(pr.fraction, 0.0, 1.0));
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner, y + thin), ui.theme.button, thin / 2);
        dl->AddRectFilled(ImVec2(m, y), ImVec2(m + inner * frac, y + thin), ui.theme.accent, thin / 2);
        if (!pr.note) ui.spoken.push_back(prog);
        y += thin + ui.px(0.4f);
    }
    const float room_all = body_bottom - top;
    // The header takes at most 45 % of the room, less when the answers' pages would otherwise not hold their
    // tallest row and the pager; never so little that a scrolled prompt loses its Up/Down buttons.
    float head_max = room_all * 0.45f;
    float need = 0;  // a page's tallest row and the pager
    if (grid) {
        const GridPlan tight = plan_grid(ui, labels, ImVec2(inner, 1.f), pager_room);
        need = tight.tallest + pager_room + ui.px(0.4f);
        const float scroll_min = (y - top) + std::max(2 * ui.m.min_target_px + ui.px(0.3f), ui.px(2.2f));
        head_max = std::max(scroll_min, std::min(head_max, room_all - need));
    }
    // A question a little over 45 % is shown whole (nobody should have to scroll to read what is asked) when the
    // answers still fit one page below it, or are in pages anyway and showing it whole adds at most one page.
    const float whole = header_h(head.words, head.font, inner);
    auto pages_below = [&](float header) {
        return plan_grid(ui, labels, ImVec2(inner, room_all - header), pager_room).pages.size();
    };
    if (whole > head_max && whole <= room_all * 0.6f &&
        (fits_well(room_all - whole) ||
         (grid && whole <= room_all - need && pages_below(whole) <= pages_below(head_max) + 1)))
        head_max = whole;
    const ImVec2 pic = pic_size(head.font);
    const float tx = pic.x > 0 ? m + pic.x + pic_gap : m;  // the prompt's left edge, after the picture
    if (header_h(head.words, head.font, inner) > head_max) {
        const float w = inner - ui.target(2.6f) - ui.px(0.6f);
        const float box = head_max - (y - top);
        const float content = header_h(head.words, head.font, w) - (y - top);
        const float tw = w - (tx - m);
        ScrollList list{"prompt", ImVec2(tx, y), ImVec2(tw, box), &prompt_scroll_[q.id]};
        float py = list.begin(ui).y;
        py += ui.text(prompt, ImVec2(tx, py), tw, head.font) + ui.px(0.2f);
        if (!help.empty()) py += ui.text(help, ImVec2(tx, py), tw, nullptr, ui.theme.muted);
        if (!optional.empty()) ui.text(optional, ImVec2(tx, py), tw, nullptr, ui.theme.muted);
        list.end(ui, content);
        if (qpic) ui.picture(*qpic, s.tr(qpic->alt), "image.question", ImVec2(m, y), ImVec2(pic.x, std::min(pic.y, box)));
        y += box + ui.px(0.4f);
    } else {
        const float y0 = y, tw = inner - (tx - m);
        y += ui.text(prompt, ImVec2(tx, y), tw, head.font) + ui.px(0.2f);
        if (!help.empty()) y += ui.text(help, ImVec2(tx, y), tw, nullptr, ui.theme.muted);
        if (!optional.empty()) y += ui.text(optional, ImVec2(tx, y), tw, nullptr, ui.theme.muted);
        if (qpic) ui.picture(*qpic, s.tr(qpic->alt), "image.question", ImVec2(m, y0), pic);
        y = std::max(y, y0 + pic.y) + ui.px(0.4f);
    }

    // The answers fill what is left.
    const ImVec2 room(inner, std::max(ui.m.min_target_px, body_bottom - y));
    Ctx c{s, ui, act, q, a};
    pages_ = 1;
    switch (q.type) {
        case QuestionType::Smiley: face_px_ = draw_smileys(c, opts, ImVec2(m, y), room); break;
        case QuestionType::Scale: draw_scale(c, ImVec2(m, y), room); break;
        case QuestionType::Text: draw_text_answer(c, ImVec2(m, y), room); break;
        case QuestionType::Note: break;  // words only: the prompt and help above, then Next
        default: {
            GridPlan p = plan_grid(ui, labels, room, pager_room);
            pages_ = static_cast<int>(p.pages.size());
            int& page = page_[q.id];
            page = std::clamp(page, 0, pages_ - 1);
            draw_options(c, opts, p, page, ImVec2(m, y));
            if (pages_ > 1) {
                // The pager: a large control under the answers (or between Back and Next), never a hidden
                // scroll. "Previous answers" shows from the second page on; "More answers (2 of 3)" goes round to
                // the first after the last.
                const float px0 = pager_in_bar ? m + nav_w + bar_gap : m;
                const float pw = pager_in_bar ? bar_room_w : inner;
                const float py = pager_in_bar ? bar_y : y + room.y - pager_h;
                const float gap = ui.px(0.5f);
                const bool words = prev_words && !pager_in_bar;
                const float prev_w = words ? pager_prev_w : arrow_w;
                const bool last = page + 1 >= pages_;
                const std::map<std::string, std::string> nums = {{"page", std::to_string(page + 1)},
                                                                  {"pages", std::to_string(pages_)}};
                const std::string more = s.strings.fmt(last ? "question.first_answers" : "question.more_answers", nums);
                const bool with_prev = page > 0 && (!last || (pages_ > 2 && pager_words(more, pw - prev_w - gap) <= pager_h));
                const float more_x = with_prev ? px0 + prev_w + gap : px0;
                const float more_w = px0 + pw - more_x;
                auto pager_font = [&](const std::string& t, float w) {  // the heading size when it fits
                    return ui.measure(t, w - ui.px(1.0f), ui.fonts.heading).y + ui.px(0.4f) <= pager_h ? ui.fonts.heading
                                                                                                      : ui.fonts.body;
                };
                const bool prev_tapped =
                    with_prev && (words ? ui.button(pager_prev, ImVec2(px0, py), ImVec2(prev_w, pager_h), Look::Normal, true,
                                                    "answers.previous", pager_font(pager_prev, prev_w))
                                        : ui.icon_button(pager_prev, icon_previous, ImVec2(px0, py), ImVec2(prev_w, pager_h),
                                                         Look::Normal, "answers.previous", false));
                if (prev_tapped) {
                    const std::string qid = q.id;
                    act([this, qid](KioskState& st) { --page_[qid]; st.flow->touch(); });
                }
                if (ui.button(more, ImVec2(more_x, py), ImVec2(more_w, pager_h), Look::Primary, true, "answers.more",
                              pager_font(more, more_w))) {
                    const std::string qid = q.id;
                    const int n = pages_;
                    act([this, qid, n](KioskState& st) {
                        page_[qid] = (page_[qid] + 1) % n;
                        st.flow->touch();
                    });
                }
                ui.spoken.push_back(s.strings.fmt("question.answers_page", {{"page", std::to_string(page + 1)},
                                                                            {"pages", std::to_string(pages_)}}));
            }
        }
    }
    // With the pager between Back and Next, the hint is a note too.
    const bool hint_in_bar = hint_between && !(pager_in_bar && pages_ > 1);
    const bool hint_note = !hint.empty() && !hint_in_bar && tried_next_ == q.id;
    if (hint_note) {
        const float pad = ui.px(0.5f);
        const float th = ui.measure(hint, inner - 2 * pad).y + 2 * pad;
        const ImVec2 p0(m, bar_y - ui.px(0.3f) - th), p1(m + inner, bar_y - ui.px(0.3f));
        dl->AddRectFilled(p0, p1, ui.theme.panel, ui.px(0.35f));
        dl->AddRect(p0, p1, ui.theme.accent, ui.px(0.35f), 0, ui.border());
        const std::size_t before = ui.texts.size();
        ui.text(hint, ImVec2(m + pad, p0.y + pad), inner - 2 * pad);
        if (ui.texts.size() > before) ui.texts.back().id = "question.note";  // over the answers on purpose
    }

    if (ui.button(s.t("nav.back"), ImVec2(m, bar_y), ImVec2(nav_w, bar_h), Look::Normal, true, "nav.back", nav_font))
        act([](KioskState& st) { st.flow->back(); });  // may leave for Attract and clear the answers
    const std::string next_label = f.is_last() ? s.t("nav.finish") : s.t("nav.next");
    if (hint_in_bar) {
        const ImVec2 hs = ui.measure(hint, hw);
        ui.text(hint, ImVec2(m + nav_w + ui.px(0.6f) + (hw - hs.x) / 2, bar_y + (bar_h - hs.y) / 2), hw, nullptr,
                ui.theme.muted);
    }
    ui.tapped_disabled = false;
    if (ui.button(next_label, ImVec2(W - m - nav_w, bar_y), ImVec2(nav_w, bar_h), Look::Primary, can, "nav.next",
                  nav_font))
        act([](KioskState& st) { st.flow->next(); });  // the loop saves when the flow reaches Saving
    if (ui.tapped_disabled) {
        const std::string qid = q.id;
        act([this, qid](KioskState& st) {
            tried_next_ = qid;
            st.flow->touch();
        });
    }
}

}  // namespace engage::ui
