// Failed attempts per key (a name and a client address, or an address alone) with a delay that grows: after
// `free_failures` failures the key must wait base, then 2×base, 4×base… (up to `cap`) after each further failure
// before it may try again. Nothing is locked for anyone else: other keys are untouched. A key with no failure for
// `forget` starts again. The table holds at most `max_keys` keys (the ones with the fewest failures go first).
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <iterator>
#include <mutex>
#include <string>
#include <unordered_map>

namespace engage::hub {

class Backoff {
public:
    using Clock = std::chrono::steady_clock;
    Backoff(int free_failures, std::chrono::seconds base, std::chrono::seconds cap, std::chrono::seconds forget,
            std::size_t max_keys = 10000)
        : free_(free_failures), base_(base), cap_(cap), forget_(forget), max_keys_(max_keys) {}

    // Whole seconds this key must still wait (0: it may try now).
    long wait_seconds(const std::string& key, Clock::time_point now = Clock::now()) {
        std::lock_guard lock(mutex_);
        auto it = keys_.find(key);
        if (it == keys_.end()) return 0;
        if (now - it->second.last > forget_) {
            keys_.erase(it);
            return 0;
        }
        const auto until = it->second.last + delay(it->second.failures);
        if (until <= now) return 0;
        return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(until - now).count());
    }
    // Records a failure; returns how many this key has had.
    int failure(const std::string& key, Clock::time_point now = Clock::now()) {
        std::lock_guard lock(mutex_);
        if (keys_.size() >= max_keys_ && !keys_.count(key)) make_room(now);
        auto& e = keys_[key];
        if (e.failures > 0 && now - e.last > forget_) e.failures = 0;
        ++e.failures;
        e.last = now;
        return e.failures;
    }
    void success(const std::string& key) {
        std::lock_guard lock(mutex_);
        keys_.erase(key);
    }

private:
    struct Entry {
        int failures = 0;
        Clock::time_point last;
    };
    Clock::duration delay(int failures) const {
        if (failures < free_) return Clock::duration::zero();
        auto d = std::chrono::duration_cast<Clock::duration>(base_);
        for (int i = free_; i < failures && d < cap_; ++i) d *= 2;
        return std::min(d, std::chrono::duration_cast<Clock::duration>(cap_));
    }
    void make_room(Clock::time_point now) {
        for (auto it = keys_.begin(); it != keys_.end();)
            it = now - it->second.last > forget_ ? keys_.erase(it) : std::next(it);
        if (keys_.size() < max_keys_) return;
        auto fewest = keys_.begin();
        for (auto it = keys_.begin(); it != keys_.end(); ++it)
            if (it->second.failures < fewest->second.failures) fewest = it;
        keys_.erase(fewest);
    }

    int free_;
    std::chrono::seconds base_, cap_, forget_;
    std::size_t max_keys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> keys_;
};

}  // namespace engage::hub
