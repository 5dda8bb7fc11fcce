#include "engage/sealed.h"

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engage/bundle.h"
#include "engage/json_depth.h"
#include "engage/json_fast.h"

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

namespace {

// The kiosk's current sealing key for one hub key (see sealed.h "v2"): a fresh X25519 pair whose secret half is
// used once, to derive the key shared with the hub, then wiped; the shared key is kept in sodium_malloc'd memory
// (locked, never swapped or written) for at most kEpochRecords seals or kEpochSeconds, then wiped and replaced.
class Epoch {
public:
    Epoch(const std::string& hub_public_key) : hub_(hub_public_key) {
        key_ = static_cast<unsigned char*>(sodium_malloc(crypto_box_BEFORENMBYTES));
        if (!key_) throw std::runtime_error("no locked memory for the sealing key");
        unsigned char sk[crypto_box_SECRETKEYBYTES];
        crypto_box_keypair(epk_, sk);
        const int rc = crypto_box_beforenm(key_, bytes(hub_public_key), sk);
        sodium_memzero(sk, sizeof sk);
        if (rc != 0) {
            sodium_free(key_);
            throw std::invalid_argument("the hub's public key is not usable");
        }
        born_ = std::chrono::steady_clock::now();
    }
    ~Epoch() { sodium_free(key_); }  // zeroes it
    Epoch(const Epoch&) = delete;
    Epoch& operator=(const Epoch&) = delete;

    bool spent() const {
        return used_ >= kEpochRecords || std::chrono::steady_clock::now() - born_ >= std::chrono::seconds(kEpochSeconds);
    }
    const std::string& hub() const { return hub_; }

    // "v2:" + base64(ephemeral public key || nonce || crypto_box_easy_afternm(plain)).
    std::string seal(const std::string& plain) {
        ++used_;
        std::string raw(crypto_box_PUBLICKEYBYTES + crypto_box_NONCEBYTES + crypto_box_MACBYTES + plain.size(), '\0');
        auto* out = reinterpret_cast<unsigned char*>(raw.data());
        std::memcpy(out, epk_, crypto_box_PUBLICKEYBYTES);
        unsigned char* nonce = out + crypto_box_PUBLICKEYBYTES;
        randombytes_buf(nonce, crypto_box_NONCEBYTES);
        crypto_box_easy_afternm(nonce + crypto_box_NONCEBYTES, bytes(plain), plain.size(), nonce, key_);
        return std::string(kV2Prefix) + base64_encode(raw);
    }

private:
    std::string hub_;
    unsigned char epk_[crypto_box_PUBLICKEYBYTES];
    unsigned char* key_ = nullptr;
    int used_ = 0;
    std::chrono::steady_clock::time_point born_;
};

std::mutex g_epoch_mutex;
std::unique_ptr<Epoch> g_epoch;  // under g_epoch_mutex

// The hub's side: shared keys already derived, by (the hub's public key, the kiosk's ephemeral key). Bounded: a
// flood of made-up ephemeral keys costs a derivation each, never memory.
std::mutex g_open_mutex;
std::map<std::string, std::string> g_open_keys;  // under g_open_mutex
constexpr std::size_t kOpenKeysMax = 4096;

bool open_v2(const std::string& raw, const KeyPair& keys, std::string& plain) {
    if (raw.size() < crypto_box_PUBLICKEYBYTES + crypto_box_NONCEBYTES + crypto_box_MACBYTES) return false;
    const std::string epk = raw.substr(0, crypto_box_PUBLICKEYBYTES);
    const std::string id = keys.public_key + epk;
    std::string k;
    {
        std::lock_guard lock(g_open_mutex);
        if (auto it = g_open_keys.find(id); it != g_open_keys.end()) k = it->second;
    }
    if (k.empty()) {
        k.assign(crypto_box_BEFORENMBYTES, '\0');
        if (crypto_box_beforenm(reinterpret_cast<unsigned char*>(k.data()), bytes(epk), bytes(keys.secret_key)) != 0)
            return false;
        std::lock_guard lock(g_open_mutex);
        if (g_open_keys.size() >= kOpenKeysMax) {
            for (auto& [_, v] : g_open_keys) sodium_memzero(v.data(), v.size());
            g_open_keys.clear();
        }
        g_open_keys.emplace(id, k);
    }
    const auto* nonce = bytes(raw) + crypto_box_PUBLICKEYBYTES;
    const auto* box = nonce + crypto_box_NONCEBYTES;
    const std::size_t box_len = raw.size() - crypto_box_PUBLICKEYBYTES - crypto_box_NONCEBYTES;
    plain.assign(box_len - crypto_box_MACBYTES, '\0');
    const int rc = crypto_box_open_easy_afternm(reinterpret_cast<unsigned char*>(plain.data()), box, box_len, nonce,
                                                bytes(k));
    sodium_memzero(k.data(), k.size());
    return rc == 0;
}

}  // namespace

std::string seal(const std::string& answers_json, const std::string& content_hash, const std::string& public_key) {
    need_sodium();
    if (public_key.size() != crypto_box_PUBLICKEYBYTES) throw std::invalid_argument("the hub's public key is not usable");
    std::string text;  // the answers' canonical text
    if (!json_fast::canonical_or_dump(answers_json, text)) throw std::invalid_argument("the answers are not valid JSON");
    std::string plain = "{\"answers\":" + text + ",\"content_hash\":" + json(content_hash).dump() + "}";
    sodium_memzero(text.data(), text.size());
    std::string out;
    {
        std::lock_guard lock(g_epoch_mutex);
        if (!g_epoch || g_epoch->spent() || g_epoch->hub() != public_key) {
            g_epoch.reset();
            g_epoch = std::make_unique<Epoch>(public_key);
        }
        out = g_epoch->seal(plain);
    }
    sodium_memzero(plain.data(), plain.size());
    return out;
}

std::string seal_v1(const std::string& plain, const std::string& public_key) {
    need_sodium();
    std::string box(plain.size() + crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal(reinterpret_cast<unsigned char*>(box.data()), bytes(plain), plain.size(), bytes(public_key)) != 0)
        throw std::invalid_argument("the hub's public key is not usable");
    return base64_encode(box);
}

bool open(const std::string& sealed_base64, const KeyPair& keys, std::string& answers_json, std::string& content_hash,
          std::string& why) {
    need_sodium();
    const bool v2 = sealed_base64.compare(0, std::strlen(kV2Prefix), kV2Prefix) == 0;
    std::string box;
    if (!base64_decode(v2 ? sealed_base64.substr(std::strlen(kV2Prefix)) : sealed_base64, box)) {
        why = "not base64";
        return false;
    }
    const std::size_t least = v2 ? crypto_box_PUBLICKEYBYTES + crypto_box_NONCEBYTES + crypto_box_MACBYTES
                                 : crypto_box_SEALBYTES + 1;
    if (box.size() < least) {
        why = "too short to be sealed answers (" + std::to_string(box.size()) + " bytes): cut";
        return false;
    }
    if (keys.public_key.size() != crypto_box_PUBLICKEYBYTES || keys.secret_key.size() != crypto_box_SECRETKEYBYTES) {
        why = "this hub has no key to open sealed answers";
        return false;
    }
    std::string plain;
    bool opened = false;
    if (v2) {
        opened = open_v2(box, keys, plain);
    } else {
        plain.assign(box.size() - crypto_box_SEALBYTES, '\0');
        opened = crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), bytes(box), box.size(),
                                      bytes(keys.public_key), bytes(keys.secret_key)) == 0;
    }
    if (!opened) {
        sodium_memzero(plain.data(), plain.size());
        why = "does not open with this hub's key (cut, altered, or sealed to another hub's key)";
        return false;
    }
    {  // what seal() writes, read in one pass (engage/json_fast.h); anything else through nlohmann below
        json_fast::Reader in(plain);
        std::string key, answers, hash;
        bool first = true, ok = in.begin_object();
        unsigned seen = 0;
        while (ok && in.next_key(first, key)) {
            if (key == "answers" && !(seen & 1)) ok = in.canonical(answers) && answers[0] == '{';
            else if (key == "content_hash" && !(seen & 2)) ok = in.string(hash);
            else ok = false;
            seen |= key == "answers" ? 1 : 2;
        }
        if (ok && !in.failed() && seen == 3 && in.at_end()) {
            sodium_memzero(plain.data(), plain.size());
            answers_json = std::move(answers);
            content_hash = std::move(hash);
            return true;
        }
        sodium_memzero(answers.data(), answers.size());
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
