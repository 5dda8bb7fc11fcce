#include "engage/focus.h"

#include <algorithm>
#include <cmath>

namespace engage {
namespace {

constexpr float kTol = 1.0f;  // px: edges this close count as level

float cx(const FocusRect& r) { return r.x + r.w / 2; }
float cy(const FocusRect& r) { return r.y + r.h / 2; }

}  // namespace

FocusNav::FocusNav(const TimeSource& time) : time_(time) {}

void FocusNav::begin_frame(const std::string& screen_key) {
    if (!has_screen_ || screen_key != screen_) {
        if (has_screen_) clear();
        screen_ = screen_key;
        has_screen_ = true;
    }
    building_.clear();
    ++frame_;
    frame_open_ = true;
}

void FocusNav::add(const std::string& id, FocusRect r, const std::string& group) {
    for (const auto& it : building_)
        if (it.id == id) return;
    building_.push_back(FocusItem{id, r, group});
}

void FocusNav::end_frame() {
    std::vector<FocusItem> old = std::move(items_);
    items_ = std::move(building_);
    building_.clear();
    frame_open_ = false;

    if (!focused_.empty() && index_of(focused_) < 0) {
        // The focused widget is gone: the nearest one in the old order that is still drawn.
        std::string to;
        int at = -1;
        for (std::size_t i = 0; i < old.size(); ++i)
            if (old[i].id == focused_) at = static_cast<int>(i);
        const int n = static_cast<int>(old.size());
        for (int d = 1; at >= 0 && d < n && to.empty(); ++d) {
            if (at + d < n && index_of(old[static_cast<std::size_t>(at + d)].id) >= 0) to = old[static_cast<std::size_t>(at + d)].id;
            else if (at - d >= 0 && index_of(old[static_cast<std::size_t>(at - d)].id) >= 0) to = old[static_cast<std::size_t>(at - d)].id;
        }
        focused_ = to;
        disarm();  // the focus moved on its own: nothing is selected by resting there
    }
    // An activation is for the first frame drawn after it was queued, and only that one.
    if (!pending_.empty() && frame_ >= pending_for_) pending_.clear();
}

int FocusNav::index_of(const std::string& id) const {
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (items_[i].id == id) return static_cast<int>(i);
    return -1;
}

bool FocusNav::move_to(int index) {
    const std::string& id = items_[static_cast<std::size_t>(index)].id;
    if (focused_ == id) return false;
    focused_ = id;
    disarm();
    return true;
}

bool FocusNav::key(NavKey k) {
    const int n = static_cast<int>(items_.size());
    const int cur = focused_.empty() ? -1 : index_of(focused_);
    switch (k) {
        case NavKey::Next:
        case NavKey::SwitchStep: {
            if (n == 0) return false;
            bool changed = move_to(cur < 0 ? 0 : (cur + 1) % n);
            if (k == NavKey::SwitchStep && mode_ == SwitchMode::Dwell) {
                armed_ = true;
                dwell_start_ = time_.now();
                changed = true;
            }
            return changed;
        }
        case NavKey::Prev:
            if (n == 0) return false;
            return move_to(cur < 0 ? n - 1 : (cur + n - 1) % n);
        case NavKey::Up:
        case NavKey::Down:
        case NavKey::Left:
        case NavKey::Right:
            if (n == 0) return false;
            if (cur < 0) return move_to(0);
            return spatial(k);
        case NavKey::Activate:
        case NavKey::SwitchSelect: return activate();
    }
    return false;
}

bool FocusNav::activate() {
    if (focused_.empty()) return false;
    pending_ = focused_;
    pending_for_ = frame_ + 1;  // the next frame to begin
    disarm();                   // Dwell: nothing repeats on its own
    return true;
}

// The nearest item that lies in the direction of the key. An item lies that way when both of its edges on
// that axis are beyond the focused item's (so Left from a full-width list row does not reach a button below
// its left end). Left / Right consider only items that overlap the focused one vertically (its row); Up / Down
// prefer items that overlap it horizontally (its column) and otherwise take one no further across than along,
// edge to edge (45 degrees). Among those the score is distance along the axis + 2 * distance across it,
// between centres; a tie goes to the earlier in draw order. Nothing that way: stay (no wrapping).
bool FocusNav::spatial(NavKey k) {
    const FocusRect& a = items_[static_cast<std::size_t>(index_of(focused_))].rect;
    const bool horizontal = k == NavKey::Left || k == NavKey::Right;
    const float sign = (k == NavKey::Right || k == NavKey::Down) ? 1.f : -1.f;
    int best = -1;
    bool best_beam = false;
    float best_score = 0;
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (items_[i].id == focused_) continue;
        const FocusRect& b = items_[i].rect;
        const float a0 = horizontal ? a.x : a.y, a1 = horizontal ? a.x + a.w : a.y + a.h;
        const float b0 = horizontal ? b.x : b.y, b1 = horizontal ? b.x + b.w : b.y + b.h;
        const bool beyond = sign > 0 ? (b0 > a0 + kTol && b1 > a1 + kTol) : (b0 < a0 - kTol && b1 < a1 - kTol);
        if (!beyond) continue;
        const float p0 = horizontal ? a.y : a.x, p1 = horizontal ? a.y + a.h : a.x + a.w;
        const float q0 = horizontal ? b.y : b.x, q1 = horizontal ? b.y + b.h : b.x + b.w;
        const bool beam = std::min(p1, q1) - std::max(p0, q0) > 0;
        if (!beam) {
            // Left / Right stay in the row. Up / Down may leave the column (a list row to Back / Next, a scale to
            // the buttons below), within 45 degrees edge to edge.
            if (horizontal) continue;
            const float gap_along = sign > 0 ? b0 - a1 : a0 - b1;
            const float gap_across = std::max(q0 - p1, p0 - q1);
            if (gap_across > gap_along) continue;
        }
        const float along = std::fabs(horizontal ? cx(b) - cx(a) : cy(b) - cy(a));
        const float across = std::fabs(horizontal ? cy(b) - cy(a) : cx(b) - cx(a));
        const float score = along + 2 * across;
        const bool better = best < 0 || (beam && !best_beam) || (beam == best_beam && score < best_score - 0.01f);
        if (better) {
            best = static_cast<int>(i);
            best_beam = beam;
            best_score = score;
        }
    }
    if (best < 0) return false;
    return move_to(best);
}

bool FocusNav::take_activation(const std::string& id) {
    if (pending_.empty() || pending_ != id || frame_ < pending_for_ || !frame_open_) return false;
    pending_.clear();
    return true;
}

void FocusNav::set_focus(const std::string& id) {
    if (focused_ != id) focused_ = id;
    disarm();
}

void FocusNav::clear() {
    focused_.clear();
    pending_.clear();
    disarm();
}

void FocusNav::set_switch(SwitchMode m, Millis dwell) {
    mode_ = m;
    dwell_ = std::max(dwell, Millis(1));
    disarm();
}

std::optional<TimePoint> FocusNav::next_deadline() const {
    if (mode_ != SwitchMode::Dwell || !armed_ || focused_.empty()) return std::nullopt;
    return dwell_start_ + dwell_;
}

bool FocusNav::tick() {
    const auto d = next_deadline();
    if (!d || time_.now() < *d) return false;
    activate();
    return true;
}

float FocusNav::dwell_progress() const {
    if (!next_deadline()) return 0.f;
    const double done = std::chrono::duration<double>(time_.now() - dwell_start_).count() /
                        std::chrono::duration<double>(dwell_).count();
    return static_cast<float>(std::clamp(done, 0.0, 1.0));
}

std::optional<FocusRect> FocusNav::focused_rect() const {
    const int i = focused_.empty() ? -1 : index_of(focused_);
    if (i < 0) return std::nullopt;
    return items_[static_cast<std::size_t>(i)].rect;
}

}  // namespace engage
