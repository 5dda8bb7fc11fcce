// Facilitator PIN: stored only as a salted slow hash (libsodium crypto_pwhash, Argon2id),
// with a lockout after repeated wrong entries. No UI includes.
#pragma once
#include <optional>
#include <string>

#include "engage/clock.h"

namespace engage {

inline constexpr int kPinMinDigits = 4;
inline constexpr int kPinMaxDigits = 8;

// True when `pin` is 4..8 ASCII digits.
bool pin_is_well_formed(const std::string& pin);
// Argon2id hash string ("$argon2id$...") with a random salt. Throws std::runtime_error on failure.
std::string hash_pin(const std::string& pin);
bool verify_pin(const std::string& hash, const std::string& pin);

// Counts wrong entries: after kMaxTries wrong PINs, locked for kLockout.
class PinGuard {
public:
    static constexpr int kMaxTries = 5;
    static constexpr Millis kLockout{60'000};

    explicit PinGuard(const TimeSource& time) : time_(time) {}
    bool locked() const;
    Millis lock_left() const;
    // Checks `pin` against `hash` unless locked. Returns true on a match.
    bool attempt(const std::string& hash, const std::string& pin);
    // The same for a check done elsewhere (a PIN reset code): unless locked, records `ok` (a failure counts as
    // a wrong PIN) and returns whether it may be used. A locked guard returns false without checking anything.
    bool attempt_with(bool (*check)(void*), void* ctx);
    int tries_left() const { return kMaxTries - failures_; }
    int failures() const { return failures_; }
    // Restores what was saved before a restart, so pulling the power gives no fresh tries.
    void restore(int failures, Millis lock_left);

private:
    const TimeSource& time_;
    int failures_ = 0;
    std::optional<TimePoint> locked_until_;
};

}  // namespace engage
