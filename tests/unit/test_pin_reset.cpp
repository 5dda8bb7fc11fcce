// A forgotten PIN: one-time reset codes from the hub (HOTP over HMAC-SHA256, counter with a look-ahead window),
// and clearing the PIN on the kiosk, with a real SQLite store.
#include <catch2/catch.hpp>
#include <sodium.h>

#include "engage/pin_reset.h"
#include "temp_dir.h"

using namespace engage;
using namespace std::chrono_literals;

namespace {

BundleKey key_of(unsigned char first, const std::string& id = "0b7e6c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b") {
    BundleKey k;
    k.hub_kiosk_id = id;
    k.bytes.resize(kBundleKeyBytes);
    for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<char>(first + i);
    k.name = "Library";
    return k;
}

}  // namespace

TEST_CASE("pin reset codes: known answers, 8 digits, one per counter", "[pin_reset]") {
    const BundleKey k = key_of(0);  // bytes 00 01 .. 1f
    // Computed independently (Python: BLAKE2b KDF subkey "pinreset"/1, HMAC-SHA256, RFC 4226 truncation).
    CHECK(pin_reset_code(k, 0) == "77676321");
    CHECK(pin_reset_code(k, 1) == "69361274");
    CHECK(pin_reset_code(k, 2) == "94893732");
    CHECK(pin_reset_code(k, 1000) == "75453205");
    CHECK(pin_reset_code(key_of(1), 0) != pin_reset_code(k, 0));
    BundleKey bad = k;
    bad.bytes.resize(5);
    CHECK_THROWS_AS(pin_reset_code(bad, 0), std::invalid_argument);
}

TEST_CASE("pin reset codes: a code works once, within the look-ahead, never for another kiosk", "[pin_reset]") {
    const BundleKey k = key_of(7);
    std::uint64_t counter = 0;
    const std::string c0 = pin_reset_code(k, 0);
    REQUIRE(pin_reset_code_check(k, counter, c0));
    CHECK(counter == 1);
    CHECK_FALSE(pin_reset_code_check(k, counter, c0));  // replay
    CHECK(counter == 1);

    // The organiser made codes 1..4 and gives the kiosk number 4: it works and 1..4 no longer do.
    REQUIRE(pin_reset_code_check(k, counter, pin_reset_code(k, 4)));
    CHECK(counter == 5);
    for (std::uint64_t i = 1; i <= 4; ++i) CHECK_FALSE(pin_reset_code_check(k, counter, pin_reset_code(k, i)));
    // Beyond the window: refused (and the counter stays).
    CHECK_FALSE(pin_reset_code_check(k, counter, pin_reset_code(k, 5 + kPinResetLookAhead)));
    CHECK(counter == 5);
    REQUIRE(pin_reset_code_check(k, counter, pin_reset_code(k, 5 + kPinResetLookAhead - 1)));
    CHECK(counter == 5 + kPinResetLookAhead);

    // Another kiosk's code (another key) with the same counter.
    const BundleKey other = key_of(99, "1b7e6c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b");
    std::uint64_t c = 0;
    const std::string theirs = pin_reset_code(other, 0);
    if (theirs != pin_reset_code(k, 0)) CHECK_FALSE(pin_reset_code_check(k, c, theirs));
    CHECK(c == 0);

    // Spaces and dashes between groups are fine.
    std::string spaced = pin_reset_code(k, 0);
    spaced.insert(4, " - ");
    c = 0;
    CHECK(pin_reset_code_check(k, c, spaced));
}

TEST_CASE("pin reset codes: garbage is refused cleanly", "[pin_reset]") {
    const BundleKey k = key_of(3);
    std::uint64_t counter = 0;
    const std::string good = pin_reset_code(k, 0);
    for (const std::string& bad :
         {std::string(), std::string("1234567"), std::string("123456789"), good + "0", good.substr(1),
          std::string("abcdefgh"), std::string("１２３４５６７８"), std::string(10000, '1'), std::string("1234\0" "5678", 9),
          std::string("12345678\n"), std::string("+12345678"), std::string("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8")}) {
        INFO(bad.size());
        CHECK_FALSE(pin_reset_code_check(k, counter, bad));
    }
    CHECK(counter == 0);
    // No usable key: nothing works, nothing throws.
    BundleKey none;
    CHECK_FALSE(pin_reset_code_check(none, counter, good));
    // The counter at its end does not wrap round to old codes.
    std::uint64_t end = UINT64_MAX - 2;
    CHECK_FALSE(pin_reset_code_check(k, end, pin_reset_code(k, 0)));
    CHECK(pin_reset_code_check(k, end, pin_reset_code(k, UINT64_MAX - 1)));
}

TEST_CASE("pin reset on the kiosk: clears the PIN once, counts wrong codes as wrong PINs", "[pin_reset]") {
    test::TempDir dir("pinreset");
    auto store = Store::open(dir.path.string());
    ManualTime t;
    PinGuard guard(t);

    SECTION("a kiosk with no key cannot use codes") {
        store->set_setting(kSettingPinHash, hash_pin("1234"));
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(key_of(1), 0)) == PinResetResult::NoKey);
        CHECK(store->setting(kSettingPinHash));
        CHECK(guard.failures() == 0);
    }
    SECTION("a code works once; the counter is kept in the store") {
        const BundleKey k = key_of(11);
        save_bundle_key(*store, k);
        store->set_setting(kSettingPinHash, hash_pin("1234"));
        store->set_setting(kSettingPinFailures, "3");
        const std::string code = pin_reset_code(k, 0);
        CHECK(use_pin_reset_code(*store, guard, code) == PinResetResult::Reset);
        CHECK_FALSE(store->setting(kSettingPinHash));
        CHECK(store->setting(kSettingPinFailures) == "0");
        CHECK(store->setting(kSettingPinResetCounter) == "1");
        // After a restart (a new connection): the same code is refused, the next one works.
        store.reset();
        store = Store::open(dir.path.string());
        store->set_setting(kSettingPinHash, hash_pin("5678"));
        CHECK(use_pin_reset_code(*store, guard, code) == PinResetResult::Wrong);
        CHECK(store->setting(kSettingPinHash));
        CHECK(guard.failures() == 1);
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(k, 1)) == PinResetResult::Reset);
        CHECK(guard.failures() == 0);
        CHECK(store->setting(kSettingPinResetCounter) == "2");
    }
    SECTION("wrong codes and wrong PINs share the five tries") {
        const BundleKey k = key_of(12);
        save_bundle_key(*store, k);
        const std::string hash = hash_pin("1234");
        store->set_setting(kSettingPinHash, hash);
        CHECK_FALSE(guard.attempt(hash, "0000"));
        CHECK_FALSE(guard.attempt(hash, "1111"));
        for (const char* bad : {"00000000", "not a code", ""})
            CHECK(use_pin_reset_code(*store, guard, bad) == PinResetResult::Wrong);
        CHECK(guard.locked());
        // Locked: even the right code is not checked, and nothing changes.
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(k, 0)) == PinResetResult::Locked);
        CHECK(store->setting(kSettingPinHash) == hash);
        CHECK_FALSE(store->setting(kSettingPinResetCounter));
        t.advance(PinGuard::kLockout);
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(k, 0)) == PinResetResult::Reset);
    }
    SECTION("a damaged counter setting starts from 0, never crashes") {
        const BundleKey k = key_of(13);
        save_bundle_key(*store, k);
        store->set_setting(kSettingPinResetCounter, "lots");
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(k, 0)) == PinResetResult::Reset);
        store->set_setting(kSettingPinResetCounter, "99999999999999999999999");
        CHECK(use_pin_reset_code(*store, guard, pin_reset_code(k, 0)) == PinResetResult::Reset);
    }
    SECTION("clear_pin with no PIN set is fine") {
        clear_pin(*store);
        CHECK_FALSE(store->setting(kSettingPinHash));
    }
}
