// Fitting a question's answers to the room between its header and Back/Next: columns and rows chosen for the
// screen's shape and the text size, tiles as large as the room allows, words never cut or made smaller than
// the person's text size (they wrap), and pages when everything cannot fit. Sizes in px, from Ui's em.
#pragma once
#include <string>
#include <vector>

#include "ui/ui.h"

namespace engage::ui {

// Five faces: side by side (the face over its word) or five rows (the face beside its word), whichever gives
// the larger faces; never smaller than at 100 % on the same screen.
struct SmileyPlan {
    bool rows = false;
    ImFont* font = nullptr;  // the words: the heading size when it fits, else the body size
    float face = 0;          // the face's diameter
    ImVec2 tile;             // each tile's size
    std::vector<ImVec2> cell;  // each tile's offset from the room's top-left
};
SmileyPlan plan_smileys(const Ui& ui, const std::vector<std::string>& words, ImVec2 room);

// 0..10 in one row, or two or three rows when one row would make the numbers small.
struct ScalePlan {
    int cols = 11;
    ImVec2 cell;
    float gap = 0, x0 = 0, grid_w = 0, grid_h = 0;
    ImFont* font = nullptr;
};
ScalePlan plan_scale(const Ui& ui, const std::string& low, const std::string& high, ImVec2 room);

// Option tiles in a grid. One page when they fit; otherwise pages of whole rows, with `pager_h` kept free
// under them for the page control.
struct GridPage {
    std::vector<std::size_t> items;  // option indexes on this page
    std::vector<ImVec2> cells;       // offsets from the room's top-left
    std::vector<ImVec2> sizes;
};
struct GridPlan {
    int cols = 1;
    ImFont* font = nullptr;
    std::vector<GridPage> pages;
    float tallest = 0;  // the tallest row's natural height: a page needs at least this much room
};
GridPlan plan_grid(const Ui& ui, const std::vector<std::string>& labels, ImVec2 room, float pager_h);

}  // namespace engage::ui
