// The kiosk setup file on a USB stick (engage-hub kiosk key --out FILE): found one level deep without following
// links, loaded into a real SQLite store, and every hostile file refused in plain words.
#include <catch2/catch.hpp>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engage/bundle.h"
#include "engage/setup_file.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace engage;

namespace {

BundleKey key_for(const std::string& id, const std::string& name, unsigned char fill) {
    BundleKey k;
    k.hub_kiosk_id = id;
    k.name = name;
    k.bytes.assign(kBundleKeyBytes, static_cast<char>(fill));
    return k;
}

const BundleKey kHall = key_for("0b7e6c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b", "Village Hall", 1);
const BundleKey kCafe = key_for("1c8f7d20-3b4e-4f60-9bac-1d2e3f4a5b6c", "Cafe", 2);

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::vector<std::string> names(const std::vector<SetupFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.name);
    return out;
}

}  // namespace

TEST_CASE("setup file: found at the top and one folder down, never through a link", "[setup_file]") {
    test::TempDir usb("usb");
    test::TempDir elsewhere("elsewhere");
    const std::string hall = bundle_key_file_text(kHall);
    write(usb.path / "hall.key", hall);
    write(usb.path / "engage" / "cafe.json", bundle_key_file_text(kCafe));
    write(usb.path / "a" / "b" / "deep.key", hall);              // two levels down: not looked at
    write(usb.path / ".hidden.key", hall);                       // hidden
    write(usb.path / "photo.jpg", std::string(100000, 'x'));     // large: never read
    write(usb.path / "notes.txt", "{\"shopping\": [\"milk\"]}");  // JSON of something else
    write(usb.path / "truncated.key", hall.substr(0, hall.size() / 2));
    write(usb.path / "huge.key", hall + std::string(kSetupFileMaxBytes, ' '));
    fs::create_directories(usb.path / "dir.key");                // a folder named like the file
    write(elsewhere.path / "outside.key", hall);
    fs::create_symlink(elsewhere.path / "outside.key", usb.path / "link.key");
    fs::create_directory_symlink(elsewhere.path, usb.path / "linked-folder");
    REQUIRE(::mkfifo((usb.path / "fifo.key").c_str(), 0600) == 0);

    const auto found = find_setup_files(usb.path.string());
    CHECK(names(found) == std::vector<std::string>{"engage/cafe.json", "hall.key", "truncated.key"});
    REQUIRE(found.size() == 3);
    CHECK(found[0].kiosk_name == "Cafe");
    CHECK(found[1].kiosk_name == "Village Hall");
    CHECK(found[1].path == (usb.path / "hall.key").string());
    CHECK(found[1].bytes == hall.size());
    CHECK(found[2].kiosk_name.empty());  // listed, so loading it can say it is damaged

    CHECK(find_setup_files((usb.path / "no-such-folder").string()).empty());
    CHECK(find_setup_files((usb.path / "hall.key").string()).empty());  // a file, not a folder
    CHECK(find_setup_files("").empty());
}

TEST_CASE("setup file: loads the key; hostile files are refused in plain words", "[setup_file]") {
    test::TempDir usb("usb");
    test::TempDir data("kiosk");
    auto store = Store::open(data.path.string());
    const std::string hall = bundle_key_file_text(kHall);
    auto refused = [&](const fs::path& p) {
        const std::string why = load_setup_file(*store, p.string());
        CHECK_FALSE(load_bundle_key(*store));  // nothing stored
        return why;
    };

    write(usb.path / "truncated.key", hall.substr(0, hall.size() - 10));
    CHECK_THAT(refused(usb.path / "truncated.key"), Catch::StartsWith("This file is damaged"));
    write(usb.path / "short-key.key", "{\"engage_bundle_key\": 1, \"hub_kiosk_id\": \"" + kHall.hub_kiosk_id +
                                          "\", \"key\": \"AAAA\"}");
    CHECK_THAT(refused(usb.path / "short-key.key"), Catch::StartsWith("This file is damaged"));
    write(usb.path / "bad-id.key", "{\"engage_bundle_key\": 1, \"hub_kiosk_id\": \"../../etc\", \"key\": \"\"}");
    CHECK_THAT(refused(usb.path / "bad-id.key"), Catch::StartsWith("This file is damaged"));
    write(usb.path / "v2.key", "{\"engage_bundle_key\": 2}");
    CHECK_THAT(refused(usb.path / "v2.key"), Catch::StartsWith("This file is from a newer hub"));
    write(usb.path / "other.json", "{\"name\": \"not a key\"}");
    CHECK(refused(usb.path / "other.json") == "This is not a kiosk setup file");
    write(usb.path / "array.json", "[\"engage_bundle_key\"]");
    CHECK(refused(usb.path / "array.json") == "This is not a kiosk setup file");
    write(usb.path / "binary.key", std::string("\0\xff\xfe{\"engage_bundle_key\"", 23));
    CHECK(refused(usb.path / "binary.key") == "This is not a kiosk setup file");
    write(usb.path / "empty.key", "");
    CHECK(refused(usb.path / "empty.key") == "This is not a kiosk setup file");
    write(usb.path / "huge.key", hall + std::string(kSetupFileMaxBytes, ' '));
    CHECK_THAT(refused(usb.path / "huge.key"), Catch::StartsWith("This file is too large"));
    fs::create_directories(usb.path / "dir.key");
    CHECK(refused(usb.path / "dir.key") == "This is not a kiosk setup file");
    write(usb.path / "real.key", hall);
    fs::create_symlink(usb.path / "real.key", usb.path / "link.key");
    CHECK(refused(usb.path / "link.key") == "This is not a kiosk setup file");
    REQUIRE(::mkfifo((usb.path / "fifo.key").c_str(), 0600) == 0);
    CHECK(refused(usb.path / "fifo.key") == "This is not a kiosk setup file");  // no hang waiting for a writer
    CHECK_THAT(refused(usb.path / "gone.key"), Catch::StartsWith("This file cannot be read: "));

    // The real one: stored; loading it again is fine; another kiosk's file is refused and changes nothing.
    CHECK(load_setup_file(*store, (usb.path / "real.key").string()) == "");
    auto k = load_bundle_key(*store);
    REQUIRE(k);
    CHECK(k->hub_kiosk_id == kHall.hub_kiosk_id);
    CHECK(k->bytes == kHall.bytes);
    CHECK(k->name == "Village Hall");
    CHECK(load_setup_file(*store, (usb.path / "real.key").string()) == "");
    write(usb.path / "cafe.key", bundle_key_file_text(kCafe));
    const std::string why = load_setup_file(*store, (usb.path / "cafe.key").string());
    CHECK_THAT(why, Catch::StartsWith("This file is for another kiosk (\"Cafe\")"));
    CHECK_THAT(why, Catch::Contains("\"Village Hall\""));
    CHECK(load_bundle_key(*store)->hub_kiosk_id == kHall.hub_kiosk_id);
    // The same file `engage-kiosk pair --key-file` reads: one parser.
    BundleKey via_cli;
    std::string err;
    CHECK(read_bundle_key_file((usb.path / "real.key").string(), via_cli, err));
    CHECK(via_cli.bytes == k->bytes);
}
