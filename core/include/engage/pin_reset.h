// A forgotten facilitator PIN, reset without a back door (docs/access.md, "A forgotten PIN"):
//  - on the device's own command line: `engage-kiosk reset-pin --data-dir DIR` (clear_pin);
//  - or with a one-time code from the organiser's hub: `engage-hub kiosk reset-code ID` prints an 8-digit code,
//    HOTP (RFC 4226) over HMAC-SHA256 with a key derived from the kiosk's USB bundle key (which only the hub and
//    that kiosk hold) and a counter the hub keeps per kiosk. The kiosk accepts a code for its own counter or up
//    to kPinResetLookAhead - 1 codes ahead (codes the organiser made but never used) and then moves its counter
//    past it, so each code works once. A kiosk with no bundle key cannot use codes.
// No UI includes.
#pragma once
#include <cstdint>
#include <string>

#include "engage/bundle.h"
#include "engage/pin.h"
#include "engage/storage.h"

namespace engage {

inline constexpr int kPinResetDigits = 8;
inline constexpr std::uint64_t kPinResetLookAhead = 10;
// The kiosk's settings: the PIN's hash, the wrong-try count and lock (app/state.cpp), the reset-code counter.
inline constexpr const char* kSettingPinHash = "pin_hash";
inline constexpr const char* kSettingPinFailures = "pin_failures";
inline constexpr const char* kSettingPinLockedUntil = "pin_locked_until";
inline constexpr const char* kSettingPinResetCounter = "pin_reset_counter";

// The code for `counter` (8 digits, leading zeros kept). Throws std::invalid_argument for an unusable key.
std::string pin_reset_code(const BundleKey& key, std::uint64_t counter);
// True when `code` (8 digits; spaces and dashes between them are ignored) is the code for `counter` or one of the
// next kPinResetLookAhead - 1; then `counter` moves past it. False for anything else (garbage, a used code,
// another kiosk's code, no usable key), leaving `counter` alone. Compares in constant time.
bool pin_reset_code_check(const BundleKey& key, std::uint64_t& counter, const std::string& code);

// Clears the PIN, the wrong-try count and the lock: the kiosk asks for a new PIN at the next panel open.
// Throws StoreError.
void clear_pin(Store& store);

enum class PinResetResult {
    Reset,      // the code was right: the PIN is cleared, the counter moved on
    NoKey,      // this kiosk has no bundle key (never paired nor key-loaded): only the command line can reset
    Wrong,      // not a valid code (counted as a wrong PIN)
    Locked,     // too many wrong PINs or codes: nothing was checked
};
// The kiosk side: the key and counter from the store's settings; a wrong code counts in `guard` as a wrong PIN
// (the caller saves the guard as it does after a PIN). Logs what happened, never the code. Throws StoreError.
PinResetResult use_pin_reset_code(Store& store, PinGuard& guard, const std::string& code);

}  // namespace engage
