// Kiosk packs: see engage/kiosk_pack.h and docs/sync-protocol.md, "Kiosk packs".
#include "engage/kiosk_pack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engage/log.h"
#include "engage/published.h"
#include "engage/sealed.h"
#include "engage/setup_file.h"

namespace engage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kHubUrlSetting = "hub_url";  // = kSettingHubUrl (engage/sync.h): where pairing keeps it

// A regular file's bytes (no links followed), at most `limit`; false + why.
bool read_small_file(const std::string& path, std::uint64_t limit, std::string& out, std::string& why) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        why = errno == ELOOP || errno == EISDIR || errno == ENXIO ? "This is not a kiosk pack"
                                                                  : std::string("This file cannot be read: ") + std::strerror(errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        why = "This is not a kiosk pack";
        return false;
    }
    if (static_cast<std::uint64_t>(st.st_size) > limit) {
        ::close(fd);
        why = "This file is too large to be a kiosk pack";
        return false;
    }
    out.clear();
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = std::string("This file cannot be read: ") + std::strerror(errno);
            ::close(fd);
            return false;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > limit) {
            ::close(fd);
            why = "This file is too large to be a kiosk pack";
            return false;
        }
    }
    ::close(fd);
    return true;
}

}  // namespace

std::string pack_file_name(const std::string& hub_kiosk_id) {
    return "engage-" + hub_kiosk_id.substr(0, 8) + kPackSuffix;
}

std::string seal_pack(const BundleKey& key, const std::string& hub_url, const std::string& survey_list_body) {
    json inner = {{"engage_kiosk_pack", 1},
                  {"hub_kiosk_id", key.hub_kiosk_id},
                  {"name", key.name},
                  {"hub_url", hub_url},
                  {"created_utc", utc_seconds_now()},
                  {"list", json::parse(survey_list_body)}};
    if (!key.hub_public_key.empty()) inner["hub_public_key"] = base64_encode(key.hub_public_key);
    return seal_bundle(key, inner.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool open_pack(const std::string& bytes, const BundleKey& key, PackContents& out, std::string& why) {
    BundleHeader h;
    if (!read_bundle_header(bytes, h, why)) {
        why = "This is not a kiosk pack (" + why + ")";
        return false;
    }
    if (h.hub_kiosk_id != key.hub_kiosk_id) {
        why = "This pack is for another kiosk (hub kiosk " + h.hub_kiosk_id.substr(0, 8) + "); this kiosk is \"" +
              key.name + "\" (" + key.hub_kiosk_id.substr(0, 8) + ")";
        return false;
    }
    std::string plain;
    if (!open_bundle(bytes, key.bytes, plain, why)) {
        why = "This pack cannot be used: " + why + ". Ask the organiser for a new one";
        return false;
    }
    const json j = json::parse(plain, nullptr, false);
    if (!j.is_object() || !j.contains("engage_kiosk_pack")) {
        why = "This is not a kiosk pack (a USB bundle of responses goes to the hub: engage-hub import)";
        return false;
    }
    if (j["engage_kiosk_pack"] != 1) {
        why = "This pack is from a newer hub: update this kiosk's software, then try again";
        return false;
    }
    const json id = j.value("hub_kiosk_id", json()), list = j.value("list", json());
    if (id != key.hub_kiosk_id || !list.is_object()) {
        why = "This pack is damaged (its contents do not match its header). Ask the organiser for a new one";
        return false;
    }
    out.hub_kiosk_id = key.hub_kiosk_id;
    out.name = j.value("name", json()).is_string() ? j["name"].get<std::string>() : "";
    out.hub_url = j.value("hub_url", json()).is_string() ? j["hub_url"].get<std::string>() : "";
    out.survey_list = list.dump(-1, ' ', false, json::error_handler_t::replace);
    out.hub_public_key.clear();
    if (auto p = j.find("hub_public_key"); p != j.end()) {
        std::string what;
        if (!p->is_string() || !sealed::public_key_from_base64(p->get<std::string>(), out.hub_public_key, what)) {
            why = "This pack cannot be used: " + (p->is_string() ? what : std::string("its hub key is not text")) +
                  ". Ask the organiser for a new one";
            return false;
        }
    }
    return true;
}

std::string load_kiosk_pack(Store& store, const std::string& path) {
    try {
        std::string bytes, why;
        if (!read_small_file(path, kPackMaxBytes, bytes, why)) return why;
        BundleHeader h;
        if (!read_bundle_header(bytes, h, why)) return "This is not a kiosk pack (" + why + ")";
        std::optional<BundleKey> key = load_bundle_key(store);
        bool key_from_file = false;
        if (!key) {  // a kiosk set up by this stick: the key file the hub wrote beside the pack
            const std::string key_path =
                (fs::path(path).parent_path() / ("engage-" + h.hub_kiosk_id.substr(0, 8) + ".key")).string();
            std::string text;
            BundleKey k;
            if (!read_small_file(key_path, kSetupFileMaxBytes, text, why) || !parse_bundle_key_file(text, k, why))
                return "This kiosk has no key yet, and the key file for this pack (" +
                       fs::path(key_path).filename().string() + ") is missing or damaged beside it";
            key = k;
            key_from_file = true;
        }
        PackContents pack;
        if (!open_pack(bytes, *key, pack, why)) return why;
        const std::string data_dir = fs::path(store.path()).parent_path().string();
        const SurveyListResult r = apply_survey_list(store, data_dir, pack.survey_list);
        if (!r.ok) return "This pack's surveys cannot be used: " + r.error;
        if (!pack.hub_public_key.empty()) key->hub_public_key = pack.hub_public_key;
        if (key_from_file) save_bundle_key(store, *key);
        else if (!pack.hub_public_key.empty()) store.set_hub_public_key(pack.hub_public_key);  // seals what is held
        if (!pack.hub_url.empty() && store.setting(kHubUrlSetting).value_or("").empty())
            store.set_setting(kHubUrlSetting, pack.hub_url);
        log_info("Kiosk pack loaded from " + path + " for hub kiosk \"" + pack.name + "\": " +
                 std::to_string(r.added.size()) + " new survey(s), " + std::to_string(r.problems.size()) + " refused");
        if (!r.problems.empty()) return "Some surveys in this pack were refused: " + r.problems.front();
        return "";
    } catch (const std::exception& e) {
        return std::string("The pack could not be loaded: ") + e.what();
    }
}

}  // namespace engage
