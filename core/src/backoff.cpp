#include "engage/backoff.h"

#include <sodium.h>

#include <algorithm>

namespace engage {

using std::chrono::milliseconds;

BackoffPolicy BackoffPolicy::with_base(milliseconds base) {
    BackoffPolicy p;
    base = std::max(base, milliseconds(1));
    p.cap = p.cap * base.count() / p.base.count();
    p.base = base;
    return p;
}

Backoff::Backoff(BackoffPolicy p, Rng rng, WallClock clock) : p_(p), rng_(std::move(rng)), clock_(std::move(clock)) {
    if (!rng_)
        rng_ = [] {
            if (sodium_init() < 0) return std::uint64_t{0};
            std::uint64_t v;
            randombytes_buf(&v, sizeof v);
            return v;
        };
    if (!clock_)
        clock_ = [] {
            return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        };
}

milliseconds Backoff::ceiling(int attempts) const {
    milliseconds c = p_.base;
    for (int i = 1; i < attempts && c < p_.cap; ++i) c *= 2;  // no overflow: stops at the cap
    return std::min(c, p_.cap);
}

milliseconds Backoff::delay(int attempts, std::optional<milliseconds> retry_after) const {
    if (retry_after) return std::clamp(*retry_after, milliseconds(0), p_.retry_after_cap);
    const std::int64_t floor = p_.base.count() / 10, top = ceiling(std::max(attempts, 1)).count();
    const auto span = static_cast<std::uint64_t>(top - floor + 1);
    return milliseconds(floor + static_cast<std::int64_t>(rng_() % span));
}

std::int64_t Backoff::next_attempt_ms(int attempts, std::optional<milliseconds> retry_after) const {
    return now_ms() + delay(attempts, retry_after).count();
}

milliseconds Backoff::wait_left(std::int64_t next_attempt_ms) const {
    const milliseconds longest = std::max(p_.cap, p_.retry_after_cap);
    return std::clamp(milliseconds(next_attempt_ms - now_ms()), milliseconds(0), longest);
}

}  // namespace engage
