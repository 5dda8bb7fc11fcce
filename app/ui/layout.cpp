#include "ui/layout.h"

#include <algorithm>
#include <cmath>

namespace engage::ui {
namespace {

// Does every word of `s` fit `width` at `f` (so wrapping never breaks a word)?
bool words_fit(const Ui& ui, const std::string& s, ImFont* f, float width) {
    return !ui.breaks_word(s, f, f->FontSize, width);
}

}  // namespace

SmileyPlan plan_smileys(const Ui& ui, const std::vector<std::string>& words, ImVec2 room) {
    const float gap = ui.px(ui.m.gap);
    const std::size_t n = std::max<std::size_t>(1, words.size());
    const float fn = static_cast<float>(n);
    SmileyPlan best;
    best.face = -1;
    for (ImFont* f : {ui.fonts.heading, ui.fonts.body}) {
        // Side by side.
        {
            const float tile_w = std::min((room.x - (fn - 1) * gap) / fn, ui.px(9));
            const float tw = tile_w - ui.px(0.4f);
            bool ok = tile_w >= ui.m.min_target_px;
            float word_h = 0;
            for (const auto& w : words) {
                ok = ok && words_fit(ui, w, f, tw);
                word_h = std::max(word_h, ui.measure(w, tw, f).y);
            }
            const float face = std::min(tile_w - ui.px(0.6f), room.y - word_h - ui.px(0.8f));
            if (ok && face > best.face) {
                best = SmileyPlan{};
                best.rows = false;
                best.font = f;
                best.face = face;
                best.tile = ImVec2(tile_w, face + word_h + ui.px(0.8f));
                const float x0 = (room.x - (fn * tile_w + (fn - 1) * gap)) / 2;
                const float y0 = std::max(0.f, (room.y - best.tile.y) / 3);
                for (std::size_t i = 0; i < n; ++i)
                    best.cell.push_back(ImVec2(x0 + static_cast<float>(i) * (tile_w + gap), y0));
            }
        }
        // Rows.
        {
            const float row_h = std::min((room.y - (fn - 1) * gap) / fn, ui.px(7));
            float face = std::min(row_h - ui.px(0.4f), room.x * 0.3f);
            const float tile_w = std::min(room.x, std::max(ui.px(16), face + ui.px(12)));
            const float tw = tile_w - face - ui.px(1.6f);
            bool ok = row_h >= ui.m.min_target_px && tw > ui.px(2);
            for (const auto& w : words) ok = ok && words_fit(ui, w, f, tw) && ui.measure(w, tw, f).y <= row_h;
            if (ok && face > best.face) {
                best = SmileyPlan{};
                best.rows = true;
                best.font = f;
                best.face = face;
                best.tile = ImVec2(tile_w, row_h);
                const float x0 = (room.x - tile_w) / 2;
                for (std::size_t i = 0; i < n; ++i) best.cell.push_back(ImVec2(x0, static_cast<float>(i) * (row_h + gap)));
            }
        }
        if (best.face >= ui.px(3)) break;  // big enough with the larger words
    }
    if (best.face < 0) {  // nothing fits (a tiny window): rows at the body size, as small as they must be
        best.rows = true;
        best.font = ui.fonts.body;
        best.tile = ImVec2(room.x, std::max(ui.m.min_target_px, (room.y - (fn - 1) * gap) / fn));
        best.face = std::max(ui.m.min_target_px * 0.8f, best.tile.y - ui.px(0.4f));
        for (std::size_t i = 0; i < n; ++i) best.cell.push_back(ImVec2(0, static_cast<float>(i) * (best.tile.y + gap)));
    }
    return best;
}

ScalePlan plan_scale(const Ui& ui, const std::string& low, const std::string& high, ImVec2 room) {
    ScalePlan best;
    float best_cell = -1;
    for (int cols : {11, 6, 4}) {
        const int rows = (11 + cols - 1) / cols;
        const float gap = std::clamp((room.x - static_cast<float>(cols) * ui.m.min_target_px) / static_cast<float>(cols - 1),
                                     4.f, ui.px(0.35f));
        const float cw = std::min((room.x - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols), ui.px(4.5f));
        const float grid_w = static_cast<float>(cols) * cw + static_cast<float>(cols - 1) * gap;
        const float half = grid_w / 2 - gap;
        const float labels_h = std::max(ui.measure(low, half).y, ui.measure(high, half).y) + ui.px(0.4f);
        const float ch = std::min(cw, (room.y - labels_h - static_cast<float>(rows - 1) * gap) / static_cast<float>(rows));
        const float cell = std::min(cw, ch);
        if (cell < ui.m.min_target_px && best_cell >= 0) continue;
        if (cell > best_cell + 1) {
            best_cell = cell;
            best.cols = cols;
            best.gap = gap;
            best.cell = ImVec2(cw, std::max(ui.m.min_target_px, ch));
            best.grid_w = grid_w;
            best.grid_h = static_cast<float>(rows) * best.cell.y + static_cast<float>(rows - 1) * gap;
            best.x0 = std::max(0.f, (room.x - grid_w) / 2);
        }
    }
    best.font = best.cell.y >= ui.fonts.huge->FontSize * 1.4f ? ui.fonts.huge : ui.fonts.heading;
    return best;
}

GridPlan plan_grid(const Ui& ui, const std::vector<std::string>& labels, ImVec2 room, float pager_h) {
    const float gap = ui.px(0.4f);
    const std::size_t n = labels.size();
    auto heights = [&](ImFont* f, int cols, float cw) {
        std::vector<float> row_h((n + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols), 0.f);
        for (std::size_t i = 0; i < n; ++i)
            row_h[i / static_cast<std::size_t>(cols)] = std::max(row_h[i / static_cast<std::size_t>(cols)],
                                                                 ui.option_height(labels[i], cw, f));
        return row_h;
    };
    auto col_w = [&](int cols) { return (room.x - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols); };
    // Every word whole, and no label in a column so narrow that it takes more than three lines.
    auto words_ok = [&](ImFont* f, float cw) {
        const float tw = ui.option_text_width(cw);
        for (const auto& l : labels)
            if (ui.breaks_word(l, f, f->FontSize, tw) || (cw < ui.px(9) && ui.measure(l, tw, f).y > f->FontSize * 3.2f))
                return false;
        return true;
    };
    // As many columns as leave room for a few words a line (words_ok below keeps every word whole).
    const int max_cols = std::max(1, std::min(4, static_cast<int>(room.x / std::max(ui.px(5.5f), 200.f))));
    GridPlan plan;
    auto lay_out = [&](ImFont* f, int cols, const std::vector<float>& natural, float height) {
        // Rows onto pages; each page's rows share the room (grown up to twice their natural height).
        plan.cols = cols;
        plan.font = f;
        plan.pages.clear();
        plan.tallest = natural.empty() ? 0.f : *std::max_element(natural.begin(), natural.end());
        const float cw = col_w(cols);
        std::size_t row = 0;
        const std::size_t rows = natural.size();
        while (row < rows) {
            std::size_t end = row;
            float used = 0;
            while (end < rows && used + natural[end] + (end > row ? gap : 0) <= height + 0.5f) {
                used += natural[end] + (end > row ? gap : 0);
                ++end;
            }
            if (end == row) {  // a single row taller than the room: it gets a page of its own, at its own height
                used = natural[row];
                end = row + 1;
            }
            const float spare = std::max(0.f, height - used);
            float grow = 0;
            for (std::size_t r = row; r < end; ++r) grow += natural[r];
            GridPage page;
            float y = 0;
            for (std::size_t r = row; r < end; ++r) {
                const float h = natural[r] + std::min(natural[r], spare * natural[r] / std::max(1.f, grow));
                for (int c = 0; c < cols; ++c) {
                    const std::size_t i = r * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c);
                    if (i >= n) break;
                    page.items.push_back(i);
                    page.cells.push_back(ImVec2(static_cast<float>(c) * (cw + gap), y));
                    page.sizes.push_back(ImVec2(cw, h));
                }
                y += h + gap;
            }
            plan.pages.push_back(std::move(page));
            row = end;
        }
        if (plan.pages.empty()) plan.pages.push_back({});
    };
    // One page: the larger words first, then the fewest columns that fit.
    for (ImFont* f : {ui.fonts.heading, ui.fonts.body})
        for (int cols = 1; cols <= max_cols; ++cols) {
            if (!words_ok(f, col_w(cols))) break;
            const auto natural = heights(f, cols, col_w(cols));
            float total = 0;
            for (float h : natural) total += h + gap;
            if (total - gap <= room.y + 0.5f) {
                lay_out(f, cols, natural, room.y);
                return plan;
            }
        }
    // Pages: the person's text size, in columns wide enough to read easily (about 9 em) that keep every word
    // whole; more columns (still at least 5.5 em, no label over three lines) only when they save a page, so
    // that a narrow screen at 200 % does not show one answer a page.
    const int easy = std::max(1, std::min(max_cols, static_cast<int>(room.x / ui.px(9))));
    int best_cols = 0;
    std::size_t best_pages = 0;
    for (int cols = 1; cols <= max_cols; ++cols) {
        if (cols > 1 && !words_ok(ui.fonts.body, col_w(cols))) break;
        lay_out(ui.fonts.body, cols, heights(ui.fonts.body, cols, col_w(cols)), room.y - pager_h);
        if (cols > 1 && plan.tallest > room.y - pager_h + 0.5f) continue;  // a row would run into the pager
        const std::size_t pages = plan.pages.size();
        if (best_cols == 0 || pages < best_pages || (pages == best_pages && cols <= easy)) {
            best_cols = cols;
            best_pages = pages;
        }
    }
    lay_out(ui.fonts.body, best_cols, heights(ui.fonts.body, best_cols, col_w(best_cols)), room.y - pager_h);
    return plan;
}

}  // namespace engage::ui
