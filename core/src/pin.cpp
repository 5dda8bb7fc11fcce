#include "engage/pin.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace engage {

bool pin_is_well_formed(const std::string& pin) {
    if (pin.size() < kPinMinDigits || pin.size() > kPinMaxDigits) return false;
    for (char c : pin)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string hash_pin(const std::string& pin) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("not enough memory to hash the PIN");
    return out;
}

bool verify_pin(const std::string& hash, const std::string& pin) {
    if (sodium_init() < 0) return false;
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

bool PinGuard::locked() const { return lock_left() > Millis(0); }

Millis PinGuard::lock_left() const {
    if (!locked_until_) return Millis(0);
    const auto left = std::chrono::duration_cast<Millis>(*locked_until_ - time_.now());
    return left > Millis(0) ? left : Millis(0);
}

void PinGuard::restore(int failures, Millis lock_left) {
    failures_ = std::clamp(failures, 0, kMaxTries);
    locked_until_.reset();
    if (lock_left > Millis(0)) {
        failures_ = kMaxTries;
        locked_until_ = time_.now() + std::min(lock_left, kLockout);
    }
}

bool PinGuard::attempt(const std::string& hash, const std::string& pin) {
    struct Ctx {
        const std::string& hash;
        const std::string& pin;
    } ctx{hash, pin};
    return attempt_with([](void* c) {
        auto* x = static_cast<Ctx*>(c);
        return verify_pin(x->hash, x->pin);
    }, &ctx);
}

bool PinGuard::attempt_with(bool (*check)(void*), void* ctx) {
    if (locked()) return false;
    if (locked_until_) {  // a lock that has run out: a fresh set of tries
        locked_until_.reset();
        failures_ = 0;
    }
    if (check(ctx)) {
        failures_ = 0;
        return true;
    }
    if (++failures_ >= kMaxTries) locked_until_ = time_.now() + kLockout;
    return false;
}

}  // namespace engage
