#include "engage/pin_reset.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "engage/log.h"

namespace engage {

namespace {

// A key for reset codes only, derived from the bundle key (never the bundle key itself).
std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES> reset_subkey(const BundleKey& key) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
    if (!key.valid()) throw std::invalid_argument("the bundle key is not usable");
    static_assert(crypto_kdf_KEYBYTES == kBundleKeyBytes, "the bundle key is a KDF master key");
    std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES> sub{};
    if (crypto_kdf_derive_from_key(sub.data(), sub.size(), 1, "pinreset",
                                   reinterpret_cast<const unsigned char*>(key.bytes.data())) != 0)
        throw std::runtime_error("could not derive the reset key");
    return sub;
}

std::string hotp(const std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES>& sub, std::uint64_t counter) {
    unsigned char msg[8];
    for (int i = 7; i >= 0; --i) {
        msg[i] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, msg, sizeof msg, sub.data());
    // RFC 4226 dynamic truncation (offset from the last byte, as RFC 6238 does for SHA-256).
    const unsigned offset = mac[sizeof mac - 1] & 0x0f;
    const std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                              (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                              (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
    std::string digits = std::to_string(bin % 100000000u);
    return std::string(kPinResetDigits - digits.size(), '0') + digits;
}

// The code's digits, or "" when it is not 8 digits (spaces and dashes between groups allowed).
std::string digits_of(const std::string& code) {
    if (code.size() > 32) return "";
    std::string d;
    for (char c : code) {
        if (c >= '0' && c <= '9') d += c;
        else if (c != ' ' && c != '-') return "";
    }
    return d.size() == static_cast<std::size_t>(kPinResetDigits) ? d : "";
}

std::uint64_t stored_counter(const Store& store) {
    const auto v = store.setting(kSettingPinResetCounter);
    if (!v || v->empty() || v->size() > 19) return 0;
    std::uint64_t n = 0;
    for (char c : *v) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

}  // namespace

std::string pin_reset_code(const BundleKey& key, std::uint64_t counter) {
    auto sub = reset_subkey(key);
    std::string code = hotp(sub, counter);
    sodium_memzero(sub.data(), sub.size());
    return code;
}

bool pin_reset_code_check(const BundleKey& key, std::uint64_t& counter, const std::string& code) {
    const std::string given = digits_of(code);
    if (given.empty() || !key.valid()) return false;
    auto sub = reset_subkey(key);
    bool found = false;
    std::uint64_t at = 0;
    for (std::uint64_t i = 0; i < kPinResetLookAhead; ++i) {
        if (counter > UINT64_MAX - i) break;
        const std::string want = hotp(sub, counter + i);
        if (!found && sodium_memcmp(want.data(), given.data(), want.size()) == 0) {
            found = true;
            at = counter + i;
        }
    }
    sodium_memzero(sub.data(), sub.size());
    if (found) counter = at + 1;
    return found;
}

void clear_pin(Store& store) {
    // No pin_hash row: the app's has_pin() is false, so the facilitator is asked to choose a PIN.
    store.clear_setting(kSettingPinHash);
    store.set_setting(kSettingPinFailures, "0");
    store.set_setting(kSettingPinLockedUntil, "0");
}

PinResetResult use_pin_reset_code(Store& store, PinGuard& guard, const std::string& code) {
    const auto key = load_bundle_key(store);
    if (!key) {
        log_warn("Facilitator PIN: a reset code was entered, but this kiosk has no key from the hub; "
                 "reset the PIN on the kiosk's command line (engage-kiosk reset-pin)");
        return PinResetResult::NoKey;
    }
    if (guard.locked()) return PinResetResult::Locked;
    struct Ctx {
        const BundleKey& key;
        std::uint64_t counter;
        const std::string& code;
    } ctx{*key, stored_counter(store), code};
    const bool ok = guard.attempt_with([](void* c) {
        auto* x = static_cast<Ctx*>(c);
        return pin_reset_code_check(x->key, x->counter, x->code);
    }, &ctx);
    if (!ok) {
        log_warn(guard.locked() ? "Facilitator PIN: a wrong reset code; too many wrong tries, locked for 60 s"
                                : "Facilitator PIN: a wrong reset code");
        return PinResetResult::Wrong;
    }
    // The counter first: a power cut between the two leaves a used code unusable, never usable twice.
    store.set_setting(kSettingPinResetCounter, std::to_string(ctx.counter));
    clear_pin(store);
    log_info("Facilitator PIN cleared with a reset code from the hub (code number " +
             std::to_string(ctx.counter - 1) + "); the next panel open asks for a new PIN");
    return PinResetResult::Reset;
}

}  // namespace engage
