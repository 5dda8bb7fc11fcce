#include "engage/sealed.h"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engage/bundle.h"
#include "engage/json_depth.h"

namespace engage::sealed {
namespace {

using nlohmann::json;

void need_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

KeyPair new_key_pair() {
    need_sodium();
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    KeyPair k{std::string(reinterpret_cast<char*>(pk), sizeof pk), std::string(reinterpret_cast<char*>(sk), sizeof sk)};
    sodium_memzero(sk, sizeof sk);
    return k;
}

bool valid_public_key(const std::string& raw) {
    need_sodium();
    if (raw.size() != crypto_box_PUBLICKEYBYTES) return false;
    // Sealing fails for low-order points (the shared secret would be all zero): try it on one byte.
    const unsigned char m = 0;
    unsigned char c[crypto_box_SEALBYTES + 1];
    return crypto_box_seal(c, &m, 1, bytes(raw)) == 0;
}

bool public_key_from_base64(const std::string& text, std::string& raw, std::string& why) {
    std::string b;
    if (!base64_decode(text, b)) {
        why = "the hub's public key is not base64";
        return false;
    }
    if (b.size() != kPublicKeyBytes) {
        why = "the hub's public key is " + std::to_string(b.size()) + " bytes, not " + std::to_string(kPublicKeyBytes);
        return false;
    }
    if (!valid_public_key(b)) {
        why = "the hub's public key is not a usable X25519 key";
        return false;
    }
    raw = std::move(b);
    return true;
}

std::string seal(const std::string& answers_json, const std::string& content_hash, const std::string& public_key) {
    need_sodium();
    if (public_key.size() != crypto_box_PUBLICKEYBYTES) throw std::invalid_argument("the hub's public key is not usable");
    const json answers = json::parse(answers_json, nullptr, false);
    if (answers.is_discarded()) throw std::invalid_argument("the answers are not valid JSON");
    std::string plain = "{\"answers\":" + answers.dump(-1, ' ', false, json::error_handler_t::replace) +
                        ",\"content_hash\":" + json(content_hash).dump() + "}";
    std::string box(plain.size() + crypto_box_SEALBYTES, '\0');
    const int rc = crypto_box_seal(reinterpret_cast<unsigned char*>(box.data()), bytes(plain), plain.size(),
                                   bytes(public_key));
    sodium_memzero(plain.data(), plain.size());
    if (rc != 0) throw std::invalid_argument("the hub's public key is not usable");
    return base64_encode(box);
}

bool open(const std::string& sealed_base64, const KeyPair& keys, std::string& answers_json, std::string& content_hash,
          std::string& why) {
    need_sodium();
    std::string box;
    if (!base64_decode(sealed_base64, box)) {
        why = "not base64";
        return false;
    }
    if (box.size() <= crypto_box_SEALBYTES) {
        why = "too short to be sealed answers (" + std::to_string(box.size()) + " bytes): cut";
        return false;
    }
    if (keys.public_key.size() != crypto_box_PUBLICKEYBYTES || keys.secret_key.size() != crypto_box_SECRETKEYBYTES) {
        why = "this hub has no key to open sealed answers";
        return false;
    }
    std::string plain(box.size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), bytes(box), box.size(),
                             bytes(keys.public_key), bytes(keys.secret_key)) != 0) {
        why = "does not open with this hub's key (cut, altered, or sealed to another hub's key)";
        return false;
    }
    json j;
    if (engage::json_depth(plain, 64) <= 64) j = json::parse(plain, nullptr, false);
    sodium_memzero(plain.data(), plain.size());
    if (!j.is_object() || !j.contains("answers") || !j["answers"].is_object() || !j.contains("content_hash") ||
        !j["content_hash"].is_string()) {
        why = "opened, but what is inside is not {\"answers\": {...}, \"content_hash\": \"...\"}";
        return false;
    }
    answers_json = j["answers"].dump(-1, ' ', false, json::error_handler_t::replace);
    content_hash = j["content_hash"].get<std::string>();
    return true;
}

}  // namespace engage::sealed
