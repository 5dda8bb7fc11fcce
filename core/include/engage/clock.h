#pragma once
#include <chrono>

namespace engage {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// Injectable time source so timers are testable without sleeping.
class TimeSource {
public:
    virtual ~TimeSource() = default;
    virtual TimePoint now() const = 0;
};

class SteadyTime final : public TimeSource {
public:
    TimePoint now() const override { return Clock::now(); }
};

class ManualTime final : public TimeSource {
public:
    TimePoint now() const override { return t_; }
    void advance(Millis d) { t_ += d; }
private:
    TimePoint t_{};
};

}  // namespace engage
