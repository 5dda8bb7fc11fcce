// USB bundles (engage/bundle.h): the sealed file round-trips; any changed, missing or extra byte, a wrong key
// or another format is refused with a plain reason; the records are exactly what sync sends; writing a bundle
// leaves every response's state alone and leaves nothing behind when it fails. The hub side (engage-hub import)
// is tested end to end in tests/hub/test_bundle_import.py.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <signal.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "engage/bundle.h"
#include "engage/protocol.h"
#include "engage/sync.h"

namespace fs = std::filesystem;
using namespace engage;
using nlohmann::json;

namespace {

struct BundleTempDir : test::TempDir {
    BundleTempDir() : TempDir("bundle") {}
};

BundleKey make_key(const std::string& id = "0b7e6c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b") {
    REQUIRE(sodium_init() >= 0);
    BundleKey k;
    k.hub_kiosk_id = id;
    k.bytes.resize(kBundleKeyBytes);
    randombytes_buf(k.bytes.data(), k.bytes.size());
    k.name = "Library, Main St";
    return k;
}

std::string opened(const std::string& file, const BundleKey& key, bool expect_ok = true) {
    std::string plain, why;
    const bool ok = open_bundle(file, key.bytes, plain, why);
    INFO(why);
    REQUIRE(ok == expect_ok);
    if (!ok) REQUIRE(plain.empty());
    return expect_ok ? plain : why;
}

std::string refused(const std::string& file, const BundleKey& key) { return opened(file, key, false); }

std::string random_text(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed * 13 + i / 97) % 26);
    return s;
}

// Where each chunk's frame (length + ciphertext) starts, after the header line and the secretstream header.
std::vector<std::size_t> frame_starts(const std::string& file) {
    std::vector<std::size_t> out;
    std::size_t pos = file.find('\n') + 1 + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    while (pos + 4 <= file.size()) {
        out.push_back(pos);
        const auto* p = reinterpret_cast<const unsigned char*>(file.data() + pos);
        pos += 4 + ((std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | p[3]);
    }
    return out;
}

std::string read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

NewResponse response(int i) {
    return {"demo-community-voice", 1, i % 2 ? "en" : "pl",
            R"({"today":)" + std::to_string(i % 5 + 1) + R"(,"more":"answer )" + std::to_string(i) + R"( – zażółć"})"};
}

}  // namespace

TEST_CASE("bundle: keys, key files and the pairing reply", "[bundle]") {
    const BundleKey k = make_key();
    REQUIRE(k.valid());
    const std::string id = bundle_key_id(k.bytes);
    CHECK(id.size() == 32);
    CHECK(id == bundle_key_id(k.bytes));
    CHECK(id != bundle_key_id(make_key().bytes));
    CHECK(id.find(base64_encode(k.bytes).substr(0, 8)) == std::string::npos);

    std::string back;
    REQUIRE(base64_decode(base64_encode(k.bytes), back));
    CHECK(back == k.bytes);
    CHECK_FALSE(base64_decode("not base64!", back));

    BundleKey parsed;
    std::string why;
    REQUIRE(parse_bundle_key_file(bundle_key_file_text(k), parsed, why));
    CHECK(parsed.hub_kiosk_id == k.hub_kiosk_id);
    CHECK(parsed.bytes == k.bytes);
    CHECK(parsed.name == k.name);
    CHECK_FALSE(parse_bundle_key_file("{}", parsed, why));
    CHECK(why.find("not an Engage bundle key file") != std::string::npos);
    CHECK_FALSE(parse_bundle_key_file(R"({"engage_bundle_key": 2})", parsed, why));
    CHECK(why.find("another version") != std::string::npos);
    CHECK_FALSE(parse_bundle_key_file(R"({"engage_bundle_key": 1, "hub_kiosk_id": ")" + k.hub_kiosk_id +
                                          R"(", "key": "c2hvcnQ="})",
                                      parsed, why));
    CHECK(why.find("32 bytes") != std::string::npos);

    const std::string reply = json{{"protocol", 1}, {"hub", "engage-hub"}, {"token", "t"},
                                   {"hub_kiosk_id", k.hub_kiosk_id}, {"name", k.name},
                                   {"bundle_key", base64_encode(k.bytes)}}.dump();
    auto from_reply = bundle_key_from_pair_reply(reply);
    REQUIRE(from_reply);
    CHECK(from_reply->bytes == k.bytes);
    CHECK(from_reply->hub_kiosk_id == k.hub_kiosk_id);
    CHECK_FALSE(bundle_key_from_pair_reply(R"({"token": "t", "hub_kiosk_id": "x"})"));  // an older hub
    CHECK_FALSE(bundle_key_from_pair_reply("<html>"));

    BundleTempDir tmp;
    const std::string path = (tmp.path / "kiosk.key").string();
    REQUIRE(write_bundle_key_file(path, k, why));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(write_bundle_key_file(path, k, why));  // never replaced
    CHECK(why.find("already exists") != std::string::npos);
    REQUIRE(read_bundle_key_file(path, parsed, why));
    CHECK(parsed.bytes == k.bytes);

    auto store = Store::open(tmp.path.string());
    CHECK_FALSE(load_bundle_key(*store));
    save_bundle_key(*store, k);
    auto loaded = load_bundle_key(*store);
    REQUIRE(loaded);
    CHECK(loaded->bytes == k.bytes);
    CHECK(loaded->hub_kiosk_id == k.hub_kiosk_id);
}

TEST_CASE("bundle: sealed and opened again, whatever the size", "[bundle]") {
    const BundleKey k = make_key();
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{100}, kBundleChunkBytes - 1, kBundleChunkBytes,
                          kBundleChunkBytes + 1, 2 * kBundleChunkBytes, 3 * kBundleChunkBytes + 12345}) {
        INFO("plaintext of " << n << " bytes");
        const std::string plain = random_text(n, static_cast<unsigned>(n));
        const std::string file = seal_bundle(k, plain);
        CHECK(opened(file, k) == plain);
        // The header line names the enrolment and the key, and nothing of the content shows.
        BundleHeader h;
        std::string why;
        REQUIRE(read_bundle_header(file, h, why));
        CHECK(h.format == 1);
        CHECK(h.hub_kiosk_id == k.hub_kiosk_id);
        CHECK(h.key_id == bundle_key_id(k.bytes));
        CHECK(file.rfind("ENGAGE-BUNDLE 1 " + k.hub_kiosk_id + " ", 0) == 0);
        if (n >= 100) CHECK(file.find(plain.substr(0, 16)) == std::string::npos);
        // Streaming in pieces gives a bundle that opens to the same text.
        std::string streamed;
        BundleSealer s(k, [&](const char* p, std::size_t len) { streamed.append(p, len); });
        for (std::size_t at = 0; at < n; at += 777) s.add(plain.substr(at, 777));
        s.finish();
        CHECK(s.bytes_out() == streamed.size());
        CHECK(opened(streamed, k) == plain);
        CHECK(streamed != file);  // a fresh nonce each time
    }
}

TEST_CASE("bundle: every changed byte is refused", "[bundle]") {
    const BundleKey k = make_key();
    SECTION("a small bundle, each byte in turn") {
        const std::string file = seal_bundle(k, R"({"protocol":1,"records":[]})");
        for (std::size_t i = 0; i < file.size(); ++i) {
            for (unsigned char flip : {0x01, 0x80}) {
                std::string bad = file;
                bad[i] = static_cast<char>(bad[i] ^ flip);
                INFO("byte " << i << " ^ " << int(flip));
                refused(bad, k);
            }
        }
    }
    SECTION("a bundle of several chunks: each region") {
        const std::string file = seal_bundle(k, random_text(3 * kBundleChunkBytes + 999, 7));
        const auto frames = frame_starts(file);
        REQUIRE(frames.size() == 4);
        const std::size_t line = file.find('\n') + 1;
        std::vector<std::size_t> at = {0, 5, 13, 14, 16, 40, line - 2, line - 1, line, line + 23};
        for (std::size_t f : frames)
            for (std::size_t d : {0, 1, 3, 4, 5, 100, 40000}) at.push_back(f + d);
        for (std::size_t i = line; i < file.size(); i += 4099) at.push_back(i);
        at.push_back(file.size() - 1);
        at.push_back(file.size() - 17);
        for (std::size_t i : at) {
            if (i >= file.size()) continue;
            std::string bad = file;
            bad[i] = static_cast<char>(bad[i] ^ 0x20);
            INFO("byte " << i << " of " << file.size());
            refused(bad, k);
        }
        // Chunks dropped, repeated or swapped.
        auto frame = [&](std::size_t j) {
            const std::size_t end = j + 1 < frames.size() ? frames[j + 1] : file.size();
            return file.substr(frames[j], end - frames[j]);
        };
        const std::string head = file.substr(0, frames[0]);
        CHECK(refused(head + frame(0) + frame(2) + frame(3), k).find("does not authenticate") != std::string::npos);
        CHECK(refused(head + frame(1) + frame(0) + frame(2) + frame(3), k).find("does not authenticate") !=
              std::string::npos);
        CHECK(refused(head + frame(0) + frame(1) + frame(1) + frame(2) + frame(3), k).find("does not authenticate") !=
              std::string::npos);
        CHECK(refused(file + frame(3), k).find("after its end") != std::string::npos);
        CHECK(refused(file + "x", k).find("after its end") != std::string::npos);
    }
}

TEST_CASE("bundle: a cut anywhere is refused", "[bundle]") {
    const BundleKey k = make_key();
    SECTION("a small bundle, every length") {
        const std::string file = seal_bundle(k, random_text(300, 3));
        for (std::size_t n = 0; n < file.size(); ++n) {
            INFO("cut to " << n << " of " << file.size());
            refused(file.substr(0, n), k);
        }
        CHECK(refused("", k).find("empty") != std::string::npos);
        CHECK(refused(file.substr(0, file.size() - 1), k).find("cut short") != std::string::npos);
    }
    SECTION("a bundle of several chunks, at and around each chunk boundary") {
        const std::string file = seal_bundle(k, random_text(2 * kBundleChunkBytes + 10, 9));
        for (std::size_t f : frame_starts(file))
            for (long d : {-17L, -1L, 0L, 1L, 4L, 5L, 1000L}) {
                const long n = static_cast<long>(f) + d;
                if (n < 0 || n >= static_cast<long>(file.size())) continue;
                INFO("cut to " << n << " of " << file.size());
                CHECK(refused(file.substr(0, static_cast<std::size_t>(n)), k).find("cut short") != std::string::npos);
            }
    }
}

TEST_CASE("bundle: the wrong key, another format, not a bundle", "[bundle]") {
    const BundleKey k = make_key();
    const std::string file = seal_bundle(k, "{}");
    BundleKey other = make_key();
    CHECK(refused(file, other).find("another key") != std::string::npos);
    // The header claims the other key (its fingerprint written in): the content still does not open.
    std::string forged = file;
    const std::string old_id = bundle_key_id(k.bytes), new_id = bundle_key_id(other.bytes);
    forged.replace(forged.find(old_id), old_id.size(), new_id);
    CHECK(refused(forged, other).find("does not authenticate") != std::string::npos);
    // The header claims another kiosk: authenticated as associated data, so refused.
    std::string moved = file;
    moved.replace(moved.find(k.hub_kiosk_id), 8, "ffffffff");
    CHECK(refused(moved, k).find("does not authenticate") != std::string::npos);

    std::string v2 = file;
    v2[14] = '2';
    CHECK(refused(v2, k).find("bundle format 2") != std::string::npos);
    CHECK(refused("PK\x03\x04 a zip file", k).find("not an Engage bundle") != std::string::npos);
    CHECK(refused(R"({"protocol": 1})", k).find("not an Engage bundle") != std::string::npos);
    CHECK(refused("ENGAGE-BUNDLE 1 nonsense\n", k).find("damaged") != std::string::npos);
    CHECK(refused("ENGAGE-BUNDLE" + std::string(200, ' '), k).find("damaged") != std::string::npos);
}

TEST_CASE("bundle: records are exactly what sync sends", "[bundle]") {
    BundleTempDir tmp;
    auto store = Store::open(tmp.path.string());
    store->save_response(response(1));                   // a drop-in session
    store->start_session("Park plan", "Leith Library");
    store->save_response(response(2));
    store->end_session();                                 // ended_utc set
    const auto pending = store->pending_batch(10, 1 << 20);
    REQUIRE(pending.size() == 2);
    for (const auto& r : pending) CHECK(bundle_record(r) == make_record(r));
    PendingRecord no_session = pending[0];
    no_session.session.reset();
    CHECK(bundle_record(no_session) == make_record(no_session));
    CHECK(bundle_record(no_session)["session"].is_null());
    PendingRecord broken = pending[0];
    broken.answers_json = "{not json";
    CHECK_THROWS(bundle_record(broken));
}

TEST_CASE("bundle: writing one leaves every response waiting", "[bundle]") {
    BundleTempDir data, drive;
    auto store = Store::open(data.path.string());
    const BundleKey k = make_key();
    for (int i = 1; i <= 40; ++i) store->save_response(response(i));
    const auto all = store->pending_batch(100, 1 << 20);
    REQUIRE(all.size() == 40);
    REQUIRE(store->mark_acknowledged({all[0].uuid, all[1].uuid}) == 2);
    REQUIRE(store->quarantine(all[2].uuid, "the hub said no"));
    const Counts before = store->counts();

    SECTION("without a key: a plain message, no file") {
        const BundleResult r = write_bundle(*store, drive.path.string());
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("no bundle key") != std::string::npos);
        CHECK(files_in(drive.path).empty());
    }
    SECTION("with the stored key") {
        save_bundle_key(*store, k);
        std::int64_t last_done = 0, last_total = 0;
        const BundleResult r = write_bundle(*store, drive.path.string(), [&](std::int64_t d, std::int64_t t) {
            CHECK(d == last_done + 1);
            last_done = d;
            last_total = t;
        });
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK(r.records == 37);
        CHECK(r.quarantined == 1);
        CHECK(last_done == 37);
        CHECK(last_total == 37);
        const fs::path p = r.path;
        CHECK(p.parent_path() == drive.path);
        CHECK(p.filename().string().rfind("engage-" + store->kiosk_id().substr(0, 8) + "-", 0) == 0);
        CHECK(p.extension() == ".bundle");
        CHECK(files_in(drive.path) == std::vector<fs::path>{p});  // no temporary file left
        const std::string file = read_file(p);
        CHECK(r.bytes == file.size());

        const json body = json::parse(opened(file, k));
        CHECK(body["protocol"] == 1);
        CHECK(body["kiosk_id"] == store->kiosk_id());
        CHECK(body["batch_id"].get<std::string>().rfind("bundle-", 0) == 0);
        REQUIRE(body["records"].size() == 37);
        for (std::size_t i = 0; i < 37; ++i) {
            CHECK(body["records"][i] == make_record(all[i + 3]));
            CHECK(body["records"][i]["content_hash"] == protocol::content_hash(body["records"][i]));
        }
        CHECK(body.size() == 4);

        // Nothing changed state; a second bundle holds the same again (import is exactly once).
        const Counts after = store->counts();
        CHECK(after.waiting_sync == before.waiting_sync);
        CHECK(after.acknowledged == before.acknowledged);
        CHECK(after.quarantined == before.quarantined);
        const BundleResult again = write_bundle(*store, drive.path.string(), k);
        REQUIRE(again.ok);
        CHECK(again.path != r.path);
        CHECK(again.records == 37);
    }
    SECTION("nothing waiting: no file") {
        std::vector<std::string> rest;
        for (const auto& r : store->pending_batch(100, 1 << 20)) rest.push_back(r.uuid);
        store->mark_acknowledged(rest);
        const BundleResult r = write_bundle(*store, drive.path.string(), k);
        CHECK(r.ok);
        CHECK(r.path.empty());
        CHECK(r.records == 0);
        CHECK(files_in(drive.path).empty());
    }
    SECTION("a folder that is not there, or not a folder") {
        BundleResult r = write_bundle(*store, (drive.path / "gone").string(), k);
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("does not exist") != std::string::npos);
        std::ofstream((drive.path / "file.txt").string()) << "x";
        r = write_bundle(*store, (drive.path / "file.txt").string(), k);
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("not a folder") != std::string::npos);
    }
    SECTION("a folder this process may not write to") {
        fs::permissions(drive.path, fs::perms::owner_read | fs::perms::owner_exec);
        if (::access(drive.path.c_str(), W_OK) == 0) {
            fs::permissions(drive.path, fs::perms::owner_all);
            WARN("running as root: the permission check cannot be tested");
            return;
        }
        const BundleResult r = write_bundle(*store, drive.path.string(), k);
        fs::permissions(drive.path, fs::perms::owner_all);
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("may not write") != std::string::npos);
        CHECK(files_in(drive.path).empty());
    }
    SECTION("a write that fails half way leaves nothing behind") {
        // A file size limit stands in for a full drive: the write fails part way (EFBIG instead of ENOSPC).
        for (int i = 0; i < 300; ++i) store->save_response(response(1000 + i));
        struct rlimit old {};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 2000;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        const BundleResult r = write_bundle(*store, drive.path.string(), k);
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::signal(SIGXFSZ, old_handler);
        CHECK_FALSE(r.ok);
        CHECK(r.error.find("could not write to " + drive.path.string()) != std::string::npos);
        CHECK(files_in(drive.path).empty());
        CHECK(store->counts().waiting_sync == before.waiting_sync + 300);
    }
}

TEST_CASE("bundle: removable drives from the mount table", "[bundle]") {
    const std::string mounts =
        "sysfs /sys sysfs rw,nosuid 0 0\n"
        "proc /proc proc rw 0 0\n"
        "/dev/sda2 / ext4 rw,relatime 0 0\n"
        "/dev/sdb1 /media/engage/KIOSK\\040USB vfat rw,nosuid,nodev,uid=1000 0 0\n"
        "/dev/sdc1 /run/media/anna/BACKUP exfat rw 0 0\n"
        "/dev/sdd1 /mnt/stick ext4 ro,relatime 0 0\n"
        "/dev/sde1 /media/usb0 vfat rw 0 0\n"
        "tmpfs /mnt/ram tmpfs rw 0 0\n"
        "/dev/sdf1 /mnt/deep/er ext4 rw 0 0\n"
        "/dev/sdg1 /home/anna/media ext4 rw 0 0\n"
        "/dev/sdh1 /media/engage/KIOSK\\040USB vfat rw 0 0\n"
        "broken line\n";
    const auto d = drives_in_mount_table(mounts);
    REQUIRE(d.size() == 4);
    CHECK(d[0].path == "/media/engage/KIOSK USB");
    CHECK(d[0].label == "KIOSK USB");
    CHECK(d[0].device == "/dev/sdh1");  // the later mount hides the earlier one
    CHECK(d[0].writable);
    CHECK(d[1].path == "/media/usb0");
    CHECK(d[2].path == "/mnt/stick");
    CHECK_FALSE(d[2].writable);
    CHECK(d[2].fs_type == "ext4");
    CHECK(d[3].path == "/run/media/anna/BACKUP");
    CHECK(d[3].label == "BACKUP");
    // The real table: whatever is mounted here, the call works and reports sizes for what it lists.
    for (const auto& drive : removable_drives()) CHECK(drive.total_bytes >= drive.free_bytes);
}
