// Retry timing for the sync client: exponential backoff with full jitter, no attempt limit, and the hub's
// Retry-After honoured on 429/503. Clock and random numbers are injectable so the maths is testable.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace engage {

struct BackoffPolicy {
    std::chrono::milliseconds base{10'000};               // the first ceiling
    std::chrono::milliseconds cap{15 * 60'000};           // no wait is ever longer (except Retry-After)
    std::chrono::milliseconds retry_after_cap{60 * 60'000};  // a hub's Retry-After is honoured up to this
    // base and cap (and so the floor) scaled together (tests: --retry-base-ms); Retry-After is not scaled.
    static BackoffPolicy with_base(std::chrono::milliseconds base);
};

class Backoff {
public:
    using Rng = std::function<std::uint64_t()>;        // uniform 64-bit numbers
    using WallClock = std::function<std::int64_t()>;   // Unix time in ms

    explicit Backoff(BackoffPolicy p = {}, Rng rng = {}, WallClock clock = {});

    // The most a wait may be after `attempts` failures in a row (attempts >= 1): min(cap, base * 2^(attempts-1)).
    std::chrono::milliseconds ceiling(int attempts) const;
    // Full jitter: uniform in [floor, ceiling(attempts)], floor = base / 10 so retries never spin.
    // A Retry-After (seconds from the hub) wins when given: min(retry_after, retry_after_cap).
    std::chrono::milliseconds delay(int attempts, std::optional<std::chrono::milliseconds> retry_after = {}) const;
    // now() + delay(...), in Unix ms: what is persisted as the next attempt.
    std::int64_t next_attempt_ms(int attempts, std::optional<std::chrono::milliseconds> retry_after = {}) const;
    // How long until next_attempt_ms, never negative and never more than the longest wait the policy allows
    // (a wall clock set back must not freeze sync for days).
    std::chrono::milliseconds wait_left(std::int64_t next_attempt_ms) const;
    std::int64_t now_ms() const { return clock_(); }
    const BackoffPolicy& policy() const { return p_; }

private:
    BackoffPolicy p_;
    Rng rng_;
    WallClock clock_;
};

}  // namespace engage
