// USB bundles (docs/sync-protocol.md, "USB bundles"): a kiosk that cannot reach its hub writes every response the
// hub has not acknowledged to a file on a removable drive; `engage-hub import` (or an upload on the dashboard)
// stores it under the same exactly-once rule as network sync. The file is encrypted and authenticated with a key
// only the kiosk and its hub hold (libsodium secretstream, XChaCha20-Poly1305), so a lost stick reveals nothing
// and any change to the file is refused.
//
// File format 1:
//   "ENGAGE-BUNDLE 1 <hub kiosk id> <key id>\n"   plaintext header line (86 bytes): which enrolment wrote it
//                                                 (the hub picks the key by it) and a fingerprint of the key
//   24 bytes                                      crypto_secretstream_xchacha20poly1305 header
//   chunks: u32 big-endian length + ciphertext    each at most kBundleChunkBytes of plaintext, the header line
//                                                 as associated data; the last one tagged FINAL, nothing after it
// Inside: one sync batch body, exactly as POST /v1/batches sends it ({"batch_id","kiosk_id","protocol","records"}),
// the records built as the sync client builds them, so their content_hash is the same.
//
// No UI here. Writing a bundle never changes a response's sync state: the responses stay pending until a network
// sync is acknowledged (importing is exactly once anyway).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engage/storage.h"

namespace engage {

inline constexpr const char* kBundleMagic = "ENGAGE-BUNDLE";
inline constexpr int kBundleFormat = 1;
inline constexpr std::size_t kBundleKeyBytes = 32;
inline constexpr std::size_t kBundleChunkBytes = 64 * 1024;             // plaintext per encrypted chunk
inline constexpr std::uint64_t kBundleMaxBytes = 256ull * 1024 * 1024;  // larger files are refused (both sides)
inline constexpr const char* kBundleSuffix = ".bundle";
// The kiosk's settings row: the key file's JSON (below), one value so the id and the key change together.
inline constexpr const char* kSettingBundleKey = "bundle_key";

// The secret a kiosk shares with its hub: 32 random bytes made by the hub per enrolment.
struct BundleKey {
    std::string hub_kiosk_id;   // the enrolment's id at the hub (`engage-hub kiosk list`), written in the header
    std::string bytes;          // kBundleKeyBytes raw bytes. Never log or print them.
    std::string name;           // the kiosk's name at the hub, for messages ("" if unknown)
    std::string hub_public_key = {};  // the hub's X25519 public key (32 raw bytes) answers are sealed to; "" from older hubs
    bool valid() const;         // a UUID and 32 bytes (and a usable public key, if any)
};

// A public fingerprint of the key (32 lowercase hex digits, keyed BLAKE2b): tells a wrong key from damage.
std::string bundle_key_id(const std::string& key_bytes);
std::string base64_encode(const std::string& bytes);                // standard alphabet, padded
bool base64_decode(const std::string& text, std::string& bytes);    // false if not base64

// ---- getting the key to the kiosk ---------------------------------------------------------------------------
// From a POST /v1/pair reply: {"hub_kiosk_id", "bundle_key" (base64), "name", "hub_public_key" (base64)}. nullopt
// when the hub sent none, or a public key that is not usable.
std::optional<BundleKey> bundle_key_from_pair_reply(const std::string& body);
// The key file `engage-hub kiosk key ID --out FILE` writes and `engage-kiosk pair --key-file FILE` reads:
// {"engage_bundle_key": 1, "hub_kiosk_id": "...", "name": "...", "key": "<base64>", "hub_public_key": "<base64>"}
// (hub_public_key: from hubs at schema 11; a file with one that is not a usable X25519 key is refused).
std::string bundle_key_file_text(const BundleKey& key);
bool parse_bundle_key_file(const std::string& text, BundleKey& out, std::string& why);
bool read_bundle_key_file(const std::string& path, BundleKey& out, std::string& why);
// Mode 0600, fsync'd; refuses to replace an existing file. false + why.
bool write_bundle_key_file(const std::string& path, const BundleKey& key, std::string& why);
// The key in the kiosk's settings table; with a hub public key, also Store::set_hub_public_key (every answer held
// is sealed now, and every later one as it is saved). Throws StoreError.
void save_bundle_key(Store& store, const BundleKey& key);
std::optional<BundleKey> load_bundle_key(const Store& store);   // nullopt: none stored (or unreadable)

// ---- the file -----------------------------------------------------------------------------------------------
// Streams plaintext into an encrypted bundle: the header line and the first bytes go to `out` at once, each
// full chunk as soon as it is full, the FINAL chunk at finish(). `out` may throw to abort.
class BundleSealer {
public:
    BundleSealer(const BundleKey& key, std::function<void(const char*, std::size_t)> out);
    ~BundleSealer();
    BundleSealer(const BundleSealer&) = delete;
    BundleSealer& operator=(const BundleSealer&) = delete;
    void add(const std::string& plaintext);
    void finish();                   // once; nothing may be added afterwards
    std::uint64_t bytes_out() const { return bytes_out_; }

private:
    void push(const char* data, std::size_t n, bool final);
    struct State;
    std::unique_ptr<State> st_;
    std::function<void(const char*, std::size_t)> out_;
    std::string header_line_;
    std::string buffer_;
    std::uint64_t bytes_out_ = 0;
    bool finished_ = false;
};
// The whole bundle in memory (tests, small bundles).
std::string seal_bundle(const BundleKey& key, const std::string& plaintext);

struct BundleHeader {
    int format = 0;
    std::string hub_kiosk_id;
    std::string key_id;
};
// Reads only the plaintext header line. false + why ("not an Engage bundle …") when it is not one.
bool read_bundle_header(const std::string& file, BundleHeader& out, std::string& why);
// Authenticates and decrypts the whole file with `key_bytes` (the hub's key for header.hub_kiosk_id). Every
// chunk is checked, up to the FINAL one, before anything is returned: on any changed byte, a cut, bytes after
// the end, or the wrong key, returns false with `why` in plain words and `plaintext` empty.
bool open_bundle(const std::string& file, const std::string& key_bytes, std::string& plaintext, std::string& why);

// ---- the kiosk side -----------------------------------------------------------------------------------------
// The sync record for a response, sealed: exactly what the sync client sends (engage_sync's make_record), so an
// imported copy and a synced copy have the same content_hash. Throws std::runtime_error if the answers are not JSON.
nlohmann::json bundle_record(const PendingRecord& r);

struct Drive {
    std::string path;            // mount point, e.g. /media/engage/KIOSK-USB
    std::string label;           // its last component, e.g. KIOSK-USB (what the facilitator sees)
    std::string device;          // e.g. /dev/sdb1
    std::string fs_type;         // vfat, exfat, ext4, …
    std::uint64_t free_bytes = 0;
    std::uint64_t total_bytes = 0;
    bool writable = false;       // mounted read-write and writable by this process
};
// Mounted drives a facilitator can write to or has plugged in: /media/*/*, /media/* (usbmount), /run/media/*/*,
// /mnt/*, from /proc/self/mounts, sorted by path, with their free space. Pseudo file systems are left out.
std::vector<Drive> removable_drives();
// The mount-table part of removable_drives() (no space figures): for tests.
std::vector<Drive> drives_in_mount_table(const std::string& proc_mounts_text);

struct BundleResult {
    bool ok = false;
    std::string path;                     // the file written; "" when nothing was waiting (ok, records 0)
    std::string error;                    // plain words for the facilitator when !ok; nothing was left behind
    std::int64_t records = 0;             // responses in the bundle
    std::int64_t quarantined = 0;         // set aside by the hub earlier: not in the bundle
    std::int64_t unreadable = 0;          // answers that are not JSON: left out (sync quarantines them)
    std::uint64_t bytes = 0;
};
// Writes engage-<first 8 of the kiosk id>-<YYYYMMDDTHHMMSSZ>.bundle into `dir` with every pending response:
// a temporary name first, fsync, rename, fsync of the folder; on any failure the temporary file is removed.
// Never changes a response's state. Runs in the caller's thread (give a background thread its own
// Store::open_existing connection); `progress(done, total)` is called as records are added.
BundleResult write_bundle(const Store& store, const std::string& dir, const BundleKey& key,
                          const std::function<void(std::int64_t, std::int64_t)>& progress = {});
// The same with the key from the settings table; fails (ok=false) with a plain message when there is none.
BundleResult write_bundle(const Store& store, const std::string& dir,
                          const std::function<void(std::int64_t, std::int64_t)>& progress = {});

}  // namespace engage
