// Answers sealed to the hub (issue 14 item 4, docs/storage.md "Sealed answers"): once a kiosk holds its hub's
// X25519 public key, each response's answers are stored only as a libsodium sealed box (crypto_box_seal) that
// the hub alone can open. The kiosk cannot read them back; a stolen kiosk reveals no answer.
//
// The sealed plaintext is {"answers": {...}, "content_hash": "<sha256 hex>"}: the content hash of the record with
// its plain answers (protocol::content_hash), taken by the kiosk before sealing and carried inside the box, so the
// hub checks and stores exactly the hash it would for the same record sent in the clear (exactly once, conflicts).
// No UI, no database here.
#pragma once
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

// Base64 of crypto_box_seal({"answers": <answers_json>, "content_hash": <content_hash>}) to `public_key`.
// Throws std::invalid_argument when the key is not usable or the answers are not JSON.
std::string seal(const std::string& answers_json, const std::string& content_hash, const std::string& public_key);

// Opens what seal() made with the matching key pair: the answers (compact JSON text of an object) and the content
// hash inside. false + why in plain words ("not base64", "too short: cut", "does not open with this hub's key:
// altered, cut, or sealed to another hub's key", "the answers inside are not a JSON object").
bool open(const std::string& sealed_base64, const KeyPair& keys, std::string& answers_json, std::string& content_hash,
          std::string& why);

}  // namespace engage::sealed
