// USB bundles: the encrypted file, the key exchange, the kiosk's removable drives and writing a bundle.
// See core/include/engage/bundle.h for the format and docs/sync-protocol.md ("USB bundles").
#include "engage/bundle.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engage/protocol.h"
#include "engage/sealed.h"

namespace engage {

struct BundleSealer::State {
    crypto_secretstream_xchacha20poly1305_state ss;
};

namespace {

using nlohmann::json;
using SS = crypto_secretstream_xchacha20poly1305_state;
constexpr std::size_t kABytes = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kSsHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kMaxHeaderLine = 128;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "EngBndl1";  // 8 bytes + NUL
constexpr char kKeyIdMessage[] = "engage bundle key id";
constexpr int kPageRecords = 1000;
constexpr std::size_t kPageBytes = 8u << 20;

static_assert(kBundleKeyBytes == crypto_kdf_KEYBYTES);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);

void need_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_hub_kiosk_id(const std::string& s) {  // a lowercase 8-4-4-4-12 UUID, as the hub makes them
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!is_lower_hex(s[i])) {
            return false;
        }
    }
    return true;
}

// The secretstream key: derived from the shared key, so the raw key is used for nothing but derivations.
struct Subkey {
    unsigned char k[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    explicit Subkey(const std::string& key) {
        crypto_kdf_derive_from_key(k, sizeof k, 1, kKdfContext, reinterpret_cast<const unsigned char*>(key.data()));
    }
    ~Subkey() { sodium_memzero(k, sizeof k); }
    Subkey(const Subkey&) = delete;
    Subkey& operator=(const Subkey&) = delete;
};

std::string header_line(const BundleKey& key) {
    return std::string(kBundleMagic) + " " + std::to_string(kBundleFormat) + " " + key.hub_kiosk_id + " " +
           bundle_key_id(key.bytes) + "\n";
}

std::string mib(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

std::string compact_utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// /proc/mounts escapes space, tab, newline and backslash as \040 \011 \012 \134.
std::string unescape_mount(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
            s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> path_parts(const std::string& p) {
    std::vector<std::string> out;
    std::stringstream ss(p);
    std::string part;
    while (std::getline(ss, part, '/'))
        if (!part.empty()) out.push_back(part);
    return out;
}

// /media/X, /media/X/Y, /run/media/X/Y, /mnt/X (and deeper under /mnt/X/…? no: only the drive itself).
bool removable_mount_point(const std::string& path) {
    const auto p = path_parts(path);
    if (p.size() == 2 && p[0] == "media") return true;
    if (p.size() == 3 && p[0] == "media") return true;
    if (p.size() == 4 && p[0] == "run" && p[1] == "media") return true;
    if (p.size() == 2 && p[0] == "mnt") return true;
    return false;
}

bool pseudo_fs(const std::string& type) {
    static const char* const pseudo[] = {"proc",     "sysfs",     "tmpfs",     "devtmpfs",  "devpts",  "cgroup",
                                         "cgroup2",  "autofs",    "fusectl",   "securityfs", "debugfs", "tracefs",
                                         "binfmt_misc", "mqueue", "hugetlbfs", "pstore",    "bpf",     "configfs",
                                         "rpc_pipefs", "nsfs",    "efivarfs",  "ramfs",     "overlay", "squashfs",
                                         "fuse.gvfsd-fuse", "fuse.portal"};
    return std::any_of(std::begin(pseudo), std::end(pseudo), [&](const char* p) { return type == p; });
}

// A write that failed: errno, for a plain message.
struct WriteFailure {
    int err;
};
struct TooBig {};

void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw WriteFailure{errno};
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

std::string free_space_text(const std::string& dir) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return "";
    return " (" + mib(std::uint64_t(vfs.f_bavail) * vfs.f_frsize) + " free)";
}

std::string write_error(int err, const std::string& dir) {
    switch (err) {
        case ENOSPC:
        case EDQUOT: return "the drive " + dir + " is full" + free_space_text(dir) + ": free some space or use another drive";
        case EROFS: return "the drive " + dir + " is read-only (is its lock switch on?)";
        case EACCES:
        case EPERM: return "this kiosk may not write to " + dir + " (permission denied)";
        case ENOENT:
        case ENODEV:
        case EIO: return "could not write to " + dir + ": " + std::strerror(err) + " (was the drive removed?)";
        default: return "could not write to " + dir + ": " + std::strerror(err);
    }
}

}  // namespace

// ---- keys ---------------------------------------------------------------------------------------------------
bool BundleKey::valid() const {
    return is_hub_kiosk_id(hub_kiosk_id) && bytes.size() == kBundleKeyBytes &&
           (hub_public_key.empty() || sealed::valid_public_key(hub_public_key));
}

std::string bundle_key_id(const std::string& key_bytes) {
    need_sodium();
    unsigned char id[16];
    crypto_generichash(id, sizeof id, reinterpret_cast<const unsigned char*>(kKeyIdMessage), sizeof kKeyIdMessage - 1,
                       reinterpret_cast<const unsigned char*>(key_bytes.data()), key_bytes.size());
    char hex[sizeof id * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    return hex;
}

std::string base64_encode(const std::string& bytes) {
    need_sodium();
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

bool base64_decode(const std::string& text, std::string& bytes) {
    need_sodium();
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size())
        return false;
    out.resize(len);
    bytes = std::move(out);
    return true;
}

std::optional<BundleKey> bundle_key_from_pair_reply(const std::string& body) {
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    auto k = j.find("bundle_key");
    auto id = j.find("hub_kiosk_id");
    if (k == j.end() || id == j.end() || !k->is_string() || !id->is_string()) return std::nullopt;
    BundleKey key;
    key.hub_kiosk_id = id->get<std::string>();
    if (!base64_decode(k->get<std::string>(), key.bytes)) return std::nullopt;
    if (auto n = j.find("name"); n != j.end() && n->is_string()) key.name = n->get<std::string>();
    if (auto p = j.find("hub_public_key"); p != j.end()) {
        std::string why;
        if (!p->is_string() || !sealed::public_key_from_base64(p->get<std::string>(), key.hub_public_key, why))
            return std::nullopt;
    }
    if (!key.valid()) return std::nullopt;
    return key;
}

std::string bundle_key_file_text(const BundleKey& key) {
    json j = {{"engage_bundle_key", 1},
              {"hub_kiosk_id", key.hub_kiosk_id},
              {"name", key.name},
              {"key", base64_encode(key.bytes)}};
    if (!key.hub_public_key.empty()) j["hub_public_key"] = base64_encode(key.hub_public_key);
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

bool parse_bundle_key_file(const std::string& text, BundleKey& out, std::string& why) {
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("engage_bundle_key")) {
        why = "not an Engage bundle key file (engage-hub kiosk key ID --out FILE makes one)";
        return false;
    }
    if (j["engage_bundle_key"] != 1) {
        why = "a bundle key file of another version (" + j["engage_bundle_key"].dump() + "); this kiosk reads version 1";
        return false;
    }
    BundleKey key;
    auto id = j.find("hub_kiosk_id");
    auto k = j.find("key");
    if (id == j.end() || !id->is_string() || !is_hub_kiosk_id(id->get<std::string>())) {
        why = "hub_kiosk_id: missing or not a hub kiosk id";
        return false;
    }
    key.hub_kiosk_id = id->get<std::string>();
    if (k == j.end() || !k->is_string() || !base64_decode(k->get<std::string>(), key.bytes) ||
        key.bytes.size() != kBundleKeyBytes) {
        why = "key: missing or not 32 bytes of base64";
        return false;
    }
    if (auto n = j.find("name"); n != j.end() && n->is_string()) key.name = n->get<std::string>();
    if (auto p = j.find("hub_public_key"); p != j.end()) {
        if (!p->is_string() || !sealed::public_key_from_base64(p->get<std::string>(), key.hub_public_key, why)) {
            why = "hub_public_key: " + (p->is_string() ? why : std::string("not a string"));
            return false;
        }
    }
    out = std::move(key);
    return true;
}

bool read_bundle_key_file(const std::string& path, BundleKey& out, std::string& why) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        why = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (text.size() > 64 * 1024) {
        why = path + ": not an Engage bundle key file (too large)";
        return false;
    }
    if (!parse_bundle_key_file(text, out, why)) {
        why = path + ": " + why;
        return false;
    }
    return true;
}

bool write_bundle_key_file(const std::string& path, const BundleKey& key, std::string& why) {
    if (!key.valid()) {
        why = "the key is not usable";
        return false;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        why = errno == EEXIST ? path + " already exists; choose another name (it is never replaced)"
                              : "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    const std::string text = bundle_key_file_text(key);
    try {
        write_all(fd, text.data(), text.size());
        if (::fsync(fd) != 0) throw WriteFailure{errno};
    } catch (const WriteFailure& e) {
        ::close(fd);
        ::unlink(path.c_str());
        why = "cannot write " + path + ": " + std::strerror(e.err);
        return false;
    }
    if (::close(fd) != 0) {
        why = "cannot write " + path + ": " + std::strerror(errno);
        ::unlink(path.c_str());
        return false;
    }
    return true;
}

void save_bundle_key(Store& store, const BundleKey& key) {
    if (!key.valid()) throw StoreError("The bundle key is not usable (it must be 32 bytes for a hub kiosk id)");
    const json j = json::parse(bundle_key_file_text(key));
    store.set_setting(kSettingBundleKey, j.dump());
    if (!key.hub_public_key.empty()) store.set_hub_public_key(key.hub_public_key);
}

std::optional<BundleKey> load_bundle_key(const Store& store) {
    const auto v = store.setting(kSettingBundleKey);
    if (!v) return std::nullopt;
    BundleKey key;
    std::string why;
    if (!parse_bundle_key_file(*v, key, why)) return std::nullopt;
    return key;
}

// ---- sealing ------------------------------------------------------------------------------------------------
BundleSealer::BundleSealer(const BundleKey& key, std::function<void(const char*, std::size_t)> out)
    : st_(std::make_unique<State>()), out_(std::move(out)) {
    need_sodium();
    if (!key.valid()) throw std::invalid_argument("the bundle key is not usable");
    header_line_ = header_line(key);
    unsigned char ss_header[kSsHeaderBytes];
    const Subkey sub(key.bytes);
    crypto_secretstream_xchacha20poly1305_init_push(&st_->ss, ss_header, sub.k);
    out_(header_line_.data(), header_line_.size());
    out_(reinterpret_cast<const char*>(ss_header), sizeof ss_header);
    bytes_out_ = header_line_.size() + sizeof ss_header;
}

BundleSealer::~BundleSealer() {
    sodium_memzero(&st_->ss, sizeof st_->ss);
    sodium_memzero(buffer_.data(), buffer_.size());
}

void BundleSealer::add(const std::string& plaintext) {
    if (finished_) throw std::logic_error("BundleSealer::add after finish");
    buffer_ += plaintext;
    std::size_t at = 0;
    // Keep at least one byte back (unless finishing), so the last chunk is the FINAL one.
    while (buffer_.size() - at > kBundleChunkBytes) {
        push(buffer_.data() + at, kBundleChunkBytes, false);
        at += kBundleChunkBytes;
    }
    if (at) {
        sodium_memzero(buffer_.data(), at);
        buffer_.erase(0, at);
    }
}

void BundleSealer::finish() {
    if (finished_) throw std::logic_error("BundleSealer::finish twice");
    push(buffer_.data(), buffer_.size(), true);
    sodium_memzero(buffer_.data(), buffer_.size());
    buffer_.clear();
    finished_ = true;
}

void BundleSealer::push(const char* data, std::size_t n, bool final) {
    std::string frame(4 + n + kABytes, '\0');
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &st_->ss, reinterpret_cast<unsigned char*>(frame.data() + 4), &clen, reinterpret_cast<const unsigned char*>(data), n,
        reinterpret_cast<const unsigned char*>(header_line_.data()), header_line_.size(),
        final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    const auto len = static_cast<std::uint32_t>(clen);
    frame[0] = static_cast<char>(len >> 24);
    frame[1] = static_cast<char>(len >> 16);
    frame[2] = static_cast<char>(len >> 8);
    frame[3] = static_cast<char>(len);
    out_(frame.data(), frame.size());
    bytes_out_ += frame.size();
}

std::string seal_bundle(const BundleKey& key, const std::string& plaintext) {
    std::string out;
    BundleSealer s(key, [&](const char* p, std::size_t n) { out.append(p, n); });
    s.add(plaintext);
    s.finish();
    return out;
}

// ---- opening ------------------------------------------------------------------------------------------------
bool read_bundle_header(const std::string& file, BundleHeader& out, std::string& why) {
    const std::string magic = kBundleMagic;
    if (file.empty()) {
        why = "the file is empty (0 bytes): not an Engage bundle";
        return false;
    }
    if (file.compare(0, magic.size(), magic) != 0 || (file.size() > magic.size() && file[magic.size()] != ' ')) {
        why = "not an Engage bundle (it does not begin with " + magic + ")";
        return false;
    }
    const auto nl = file.find('\n');
    if (nl == std::string::npos || nl > kMaxHeaderLine) {
        why = "the bundle's first line is damaged or cut short";
        return false;
    }
    std::vector<std::string> parts;
    std::stringstream ss(file.substr(0, nl));
    for (std::string p; std::getline(ss, p, ' ');) parts.push_back(p);
    if (parts.size() < 2 || parts[1].empty() || parts[1].size() > 4 ||
        !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; })) {
        why = "the bundle's first line is damaged (no format number)";
        return false;
    }
    out.format = std::stoi(parts[1]);
    if (out.format != kBundleFormat) {
        why = "bundle format " + parts[1] + ": this program reads format " + std::to_string(kBundleFormat) +
              " only (use a newer engage-hub)";
        return false;
    }
    if (parts.size() != 4 || !is_hub_kiosk_id(parts[2]) || parts[3].size() != 32 ||
        !std::all_of(parts[3].begin(), parts[3].end(), is_lower_hex)) {
        why = "the bundle's first line is damaged (kiosk or key id)";
        return false;
    }
    out.hub_kiosk_id = parts[2];
    out.key_id = parts[3];
    return true;
}

bool open_bundle(const std::string& file, const std::string& key_bytes, std::string& plaintext, std::string& why) {
    need_sodium();
    plaintext.clear();
    auto fail = [&](const std::string& w) {
        sodium_memzero(plaintext.data(), plaintext.size());
        plaintext.clear();
        why = w;
        return false;
    };
    if (file.size() > kBundleMaxBytes)
        return fail("the file is " + std::to_string(file.size() >> 20) + " MiB, more than an Engage bundle can be (" +
                    std::to_string(kBundleMaxBytes >> 20) + " MiB)");
    BundleHeader h;
    if (!read_bundle_header(file, h, why)) return fail(why);
    if (key_bytes.size() != kBundleKeyBytes) return fail("the key for this kiosk is not usable (not 32 bytes)");
    if (bundle_key_id(key_bytes) != h.key_id)
        return fail("it was sealed with another key than the one held for kiosk " + h.hub_kiosk_id +
                    " (a bundle for another hub, or from before the kiosk was enrolled again)");
    const std::size_t line = file.find('\n') + 1;
    const auto* ad = reinterpret_cast<const unsigned char*>(file.data());
    const auto cut = [&](std::size_t needed) {
        return fail("the bundle is cut short (" + std::to_string(file.size()) + " bytes, at least " +
                    std::to_string(needed) + " expected): copy it from the kiosk again");
    };
    std::size_t pos = line;
    if (file.size() - pos < kSsHeaderBytes) return cut(pos + kSsHeaderBytes + 4 + kABytes);
    struct PullState {
        SS s;
        ~PullState() { sodium_memzero(&s, sizeof s); }
    } state;
    SS& st = state.s;
    const Subkey sub(key_bytes);
    if (crypto_secretstream_xchacha20poly1305_init_pull(&st, reinterpret_cast<const unsigned char*>(file.data() + pos),
                                                         sub.k) != 0)
        return fail("the bundle is damaged or was altered (its encryption header is not valid)");
    pos += kSsHeaderBytes;
    std::string chunk;
    for (int part = 1;; ++part) {
        if (file.size() - pos < 4) return cut(pos + 4 + kABytes);
        const auto* p = reinterpret_cast<const unsigned char*>(file.data() + pos);
        const std::size_t len = (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3];
        if (len < kABytes || len > kBundleChunkBytes + kABytes)
            return fail("the bundle is damaged or was altered (part " + std::to_string(part) +
                        " has an impossible length)");
        pos += 4;
        if (file.size() - pos < len) return cut(pos + len);
        chunk.resize(len - kABytes);
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, reinterpret_cast<unsigned char*>(chunk.data()), &mlen, &tag,
                                                       reinterpret_cast<const unsigned char*>(file.data() + pos), len,
                                                       ad, line) != 0) {
            return fail("the bundle is damaged or was altered (part " + std::to_string(part) +
                        " does not authenticate)");
        }
        pos += len;
        plaintext.append(chunk.data(), mlen);
        sodium_memzero(chunk.data(), chunk.size());
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
            if (pos != file.size())
                return fail("the bundle is damaged or was altered (" + std::to_string(file.size() - pos) +
                            " bytes after its end)");
            return true;
        }
        if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
            return fail("the bundle is damaged or was altered (part " + std::to_string(part) + " has an unknown tag)");
    }
}

// ---- records ------------------------------------------------------------------------------------------------
json bundle_record(const PendingRecord& r) {
    // Keep in step with engage_sync's make_record (a unit test compares the two).
    if (!r.sealed.empty()) return json::parse(sealed_record_text(r));
    auto answers = json::parse(r.answers_json, nullptr, false);
    if (answers.is_discarded()) throw std::runtime_error("the saved answers are not valid JSON");
    json session = nullptr;
    if (r.session)
        session = {{"id", r.session->id},
                   {"event", r.session->event},
                   {"venue", r.session->venue},
                   {"started_utc", r.session->started_utc},
                   {"ended_utc", r.session->ended_utc.empty() ? json(nullptr) : json(r.session->ended_utc)}};
    json rec = {{"uuid", r.uuid},           {"seq", r.seq},
                {"survey_id", r.survey_id}, {"survey_version", r.survey_version},
                {"created_utc", r.created_utc}, {"language", r.language},
                {"session", session},       {"answers", std::move(answers)}};
    protocol::seal(rec);
    return rec;
}

// ---- drives -------------------------------------------------------------------------------------------------
std::vector<Drive> drives_in_mount_table(const std::string& text) {
    std::vector<Drive> out;
    std::stringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::stringstream f(line);
        std::string dev, mnt, type, opts;
        if (!(f >> dev >> mnt >> type >> opts)) continue;
        mnt = unescape_mount(mnt);
        if (!removable_mount_point(mnt) || pseudo_fs(type)) continue;
        Drive d;
        d.path = mnt;
        d.label = path_parts(mnt).back();
        d.device = unescape_mount(dev);
        d.fs_type = type;
        bool ro = false;
        std::stringstream o(opts);
        for (std::string opt; std::getline(o, opt, ',');) ro = ro || opt == "ro";
        d.writable = !ro;
        // A later mount on the same point hides the earlier one.
        out.erase(std::remove_if(out.begin(), out.end(), [&](const Drive& x) { return x.path == mnt; }), out.end());
        out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const Drive& a, const Drive& b) { return a.path < b.path; });
    return out;
}

std::vector<Drive> removable_drives() {
    std::ifstream f("/proc/self/mounts");
    if (!f) return {};
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto drives = drives_in_mount_table(text);
    for (auto& d : drives) {
        struct statvfs vfs {};
        if (::statvfs(d.path.c_str(), &vfs) == 0) {
            d.free_bytes = std::uint64_t(vfs.f_bavail) * vfs.f_frsize;
            d.total_bytes = std::uint64_t(vfs.f_blocks) * vfs.f_frsize;
            if (vfs.f_flag & ST_RDONLY) d.writable = false;
        }
        if (::access(d.path.c_str(), W_OK) != 0) d.writable = false;
    }
    return drives;
}

// ---- writing ------------------------------------------------------------------------------------------------
BundleResult write_bundle(const Store& store, const std::string& dir,
                          const std::function<void(std::int64_t, std::int64_t)>& progress) {
    std::optional<BundleKey> key;
    try {
        key = load_bundle_key(store);
    } catch (const StoreError& e) {
        BundleResult r;
        r.error = e.what();
        return r;
    }
    if (!key) {
        BundleResult r;
        r.error = "this kiosk has no bundle key yet: pair it with the hub, or load the key file the organiser made "
                  "(engage-hub kiosk key ID --out FILE, then engage-kiosk pair --key-file FILE)";
        return r;
    }
    return write_bundle(store, dir, *key, progress);
}

BundleResult write_bundle(const Store& store, const std::string& dir, const BundleKey& key,
                          const std::function<void(std::int64_t, std::int64_t)>& progress) {
    namespace fs = std::filesystem;
    BundleResult res;
    if (!key.valid()) {
        res.error = "the bundle key is not usable; load the key file again";
        return res;
    }
    struct stat sb {};
    if (::stat(dir.c_str(), &sb) != 0) {
        res.error = errno == ENOENT ? "the folder " + dir + " does not exist (is the drive still plugged in?)"
                                    : "cannot use " + dir + ": " + std::strerror(errno);
        return res;
    }
    if (!S_ISDIR(sb.st_mode)) {
        res.error = dir + " is not a folder";
        return res;
    }
    std::int64_t total = 0;
    try {
        const Counts c = store.counts();
        res.quarantined = c.quarantined;
        total = c.waiting_sync;
    } catch (const StoreError& e) {
        res.error = e.what();
        return res;
    }

    const std::string base = "engage-" + store.kiosk_id().substr(0, 8) + "-" + compact_utc_now();
    std::string final_path = (fs::path(dir) / (base + kBundleSuffix)).string();
    for (int n = 2; fs::exists(final_path) && n < 1000; ++n)
        final_path = (fs::path(dir) / (base + "-" + std::to_string(n) + kBundleSuffix)).string();
    const std::string tmp = (fs::path(dir) / ("." + base + ".partial")).string();

    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        res.error = write_error(errno, dir);
        return res;
    }
    bool fd_open = true;
    auto abandon = [&](const std::string& why) {
        if (fd_open) ::close(fd);
        fd_open = false;
        ::unlink(tmp.c_str());
        res = BundleResult{false, "", why, 0, res.quarantined, 0, 0};
        return res;
    };
    try {
        std::uint64_t written = 0;
        BundleSealer sealer(key, [&](const char* p, std::size_t n) {
            written += n;
            if (written > kBundleMaxBytes) throw TooBig{};
            write_all(fd, p, n);
        });
        // The batch body with its records spliced in: keys sorted as nlohmann::json dumps them, "records" last.
        const json head = {{"protocol", protocol::kVersion},
                           {"kiosk_id", store.kiosk_id()},
                           {"batch_id", "bundle-" + new_uuid()},
                           {"records", json::array()}};
        std::string prefix = head.dump();
        prefix.resize(prefix.size() - 2);  // drop "]}"
        sealer.add(prefix);
        std::int64_t cursor = 0;
        for (;;) {
            const auto page = store.pending_batch(kPageRecords, kPageBytes, cursor);
            if (page.empty()) break;
            for (const auto& r : page) {
                cursor = r.seq;
                json rec;
                try {
                    rec = bundle_record(r);
                } catch (const std::exception&) {
                    ++res.unreadable;
                    continue;
                }
                sealer.add((res.records ? "," : "") + rec.dump(-1, ' ', false, json::error_handler_t::replace));
                ++res.records;
                if (progress) progress(res.records, std::max(total, res.records));
            }
        }
        if (res.records == 0) {
            const auto q = res.quarantined, u = res.unreadable;
            abandon("");
            res.ok = true;  // nothing waiting: no file
            res.quarantined = q;
            res.unreadable = u;
            return res;
        }
        sealer.add("]}");
        sealer.finish();
        if (::fsync(fd) != 0) throw WriteFailure{errno};
        fd_open = false;
        if (::close(fd) != 0) throw WriteFailure{errno};
        if (::rename(tmp.c_str(), final_path.c_str()) != 0) throw WriteFailure{errno};
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            const int rc = ::fsync(dfd);
            const int e = errno;
            ::close(dfd);
            // Some file systems cannot fsync a folder (EINVAL); the rename is as durable as they make it.
            if (rc != 0 && e != EINVAL && e != EROFS) {
                ::unlink(final_path.c_str());
                throw WriteFailure{e};
            }
        }
        res.ok = true;
        res.path = final_path;
        res.bytes = written;
        return res;
    } catch (const WriteFailure& e) {
        return abandon(write_error(e.err, dir));
    } catch (const TooBig&) {
        return abandon("the bundle would be larger than " + std::to_string(kBundleMaxBytes >> 20) +
                       " MiB, more than the hub accepts in one file");
    } catch (const StoreError& e) {
        return abandon(e.what());
    }
}

}  // namespace engage
