// Answers sealed to the hub (issue 14 item 4, docs/storage.md "Sealed answers"): once a kiosk holds its hub's
// X25519 public key, each response's answers are stored only as a libsodium sealed box (crypto_box_seal) that
// the hub alone can open. The kiosk cannot read them back; a stolen kiosk reveals no answer.
//
// The sealed plaintext is {"answers": {...}, "content_hash": "<sha256 hex>"}: the content hash of the record with
// its plain answers (protocol::content_hash), taken by the kiosk before sealing and carried inside the box, so the
// hub checks and stores exactly the hash it would for the same record sent in the clear (exactly once, conflicts).
// No UI, no database here.
#pragma once
#include <cstddef>
#include <string>

namespace engage::sealed {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 32;

// The hub's key pair, raw bytes. The secret key never leaves the hub; never log it.
struct KeyPair {
    std::string public_key;
    std::string secret_key;
};
KeyPair new_key_pair();

// A usable X25519 public key: 32 bytes that libsodium can seal to (all zero and other low-order points are not).
bool valid_public_key(const std::string& raw);
// The key as the pairing reply, the key file and the kiosk's settings carry it: base64 of the 32 bytes.
// false + why when the text is not base64 of a usable key.
bool public_key_from_base64(const std::string& text, std::string& raw, std::string& why);

// {"answers": <answers_json>, "content_hash": <content_hash>} sealed to `public_key`, as text:
//   "v2:" + base64(E || nonce || crypto_box_easy_afternm(plaintext, nonce, K))   (written since December 2026)
// where E is the public half of an ephemeral X25519 key pair of the kiosk's, K = crypto_box_beforenm(hub key, its
// secret half) — that secret half is wiped at once, so as with crypto_box_seal the kiosk cannot open what it sealed
// once K is gone — and the nonce is random. One E (and K, in locked memory) seals at most kEpochRecords responses
// within kEpochSeconds, then a new pair is made: the hub derives K once per E instead of once per response
// (crypto_box_seal: an X25519 key pair and a key exchange for every response, ~50 us each side). Older kiosks' text:
// base64(crypto_box_seal(plaintext)), still opened. Throws std::invalid_argument when the key is not usable or the
// answers are not JSON.
inline constexpr const char* kV2Prefix = "v2:";
inline constexpr int kEpochRecords = 64;
inline constexpr int kEpochSeconds = 600;
std::string seal(const std::string& answers_json, const std::string& content_hash, const std::string& public_key);
// The older form, base64(crypto_box_seal(plaintext)) of the exact plaintext given (tests: what older kiosks sent).
std::string seal_v1(const std::string& plaintext, const std::string& public_key);

// Opens what seal() or seal_v1() made with the matching key pair: the answers (compact JSON text of an object) and the content
// hash inside. false + why in plain words ("not base64", "too short: cut", "does not open with this hub's key:
// altered, cut, or sealed to another hub's key", "the answers inside are not a JSON object").
bool open(const std::string& sealed_base64, const KeyPair& keys, std::string& answers_json, std::string& content_hash,
          std::string& why);

}  // namespace engage::sealed
