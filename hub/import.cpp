#include "import.h"

#include <sodium.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engage/bundle.h"
#include "engage/pin_reset.h"

namespace engage::hub {

ImportOutcome import_bundle(HubStore& store, const std::string& bytes) {
    ImportOutcome out;
    auto refuse = [&](const std::string& why) {
        out.ok = false;
        out.error = why;
        return out;
    };
    if (bytes.size() > kBundleMaxBytes)
        return refuse("the file is " + std::to_string(bytes.size() >> 20) + " MiB, more than an Engage bundle can be (" +
                      std::to_string(kBundleMaxBytes >> 20) + " MiB)");
    BundleHeader header;
    std::string why;
    if (!read_bundle_header(bytes, header, why)) return refuse(why);

    std::string find_why;
    auto kiosk = store.find_kiosk(header.hub_kiosk_id, find_why);
    if (!kiosk || kiosk->id != header.hub_kiosk_id)
        return refuse("it was written by kiosk " + header.hub_kiosk_id +
                      ", which this hub has not enrolled (a bundle for another hub?)");
    out.kiosk = *kiosk;
    const std::string label = "kiosk \"" + kiosk->name + "\" (" + kiosk->id + ")";
    if (kiosk->revoked())
        return refuse(label + " was revoked on this hub at " + kiosk->revoked_utc + "; its bundles are refused");
    auto key = store.bundle_key(kiosk->id, false);
    if (!key)
        return refuse("this hub has not given " + label +
                      " a bundle key yet, so the bundle cannot be from it (a bundle for another hub?)");
    if (bundle_key_id(*key) != header.key_id) {
        sodium_memzero(key->data(), key->size());
        return refuse("it was sealed with another key than the one this hub holds for " + label +
                      " (a bundle for another hub, or from before the kiosk was enrolled again)");
    }

    // Every chunk is authenticated before anything is parsed, let alone stored.
    std::string plain;
    const bool opened = open_bundle(bytes, *key, plain, why);
    sodium_memzero(key->data(), key->size());
    if (!opened) return refuse(why);

    Limits limits;
    limits.max_records = kMaxBundleRecords;
    const sealed::KeyPair keys = store.seal_keys();
    auto parsed = parse_batch(plain, limits, &keys);
    sodium_memzero(plain.data(), plain.size());
    if (auto* err = std::get_if<BatchError>(&parsed))
        return refuse("the bundle is authentic but its content is not a batch the hub accepts: " + err->message);
    const Batch& batch = std::get<Batch>(parsed);
    out.device_id = batch.kiosk_id;
    out.batch_id = batch.batch_id;

    BatchOutcome stored = store.store_batch(kiosk->id, batch);
    out.kiosk = stored.kiosk.id.empty() ? out.kiosk : stored.kiosk;
    switch (stored.status) {
        case BatchStatus::Ok: break;
        case BatchStatus::UnknownKiosk: return refuse(label + " is no longer enrolled on this hub");
        case BatchStatus::Revoked:
            return refuse(label + " was revoked on this hub at " + stored.kiosk.revoked_utc + "; its bundles are refused");
        case BatchStatus::DeviceMismatch:
            return refuse(label + " belongs to the kiosk device " + stored.kiosk.device_id +
                          ", but this bundle comes from the device " + batch.kiosk_id);
        case BatchStatus::DeviceTaken:
            return refuse("the device " + batch.kiosk_id + " of this bundle is enrolled on this hub under another name");
    }
    out.ok = true;
    out.counts = stored.counts;
    out.results = std::move(stored.results);
    return out;
}

}  // namespace engage::hub

// ---- the command line ----------------------------------------------------------------------------------------
namespace engage::hub {
namespace {

constexpr std::size_t kShownProblems = 20;

// Reads FILE whole, refusing what cannot be a bundle before reading it. "" + why on failure.
bool read_bundle_file(const std::string& path, std::string& bytes, std::string& why) {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(st)) {
        why = "no such file";
        return false;
    }
    if (!std::filesystem::is_regular_file(st)) {
        why = "not a file";
        return false;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        why = "cannot read it: " + ec.message();
        return false;
    }
    if (size > kBundleMaxBytes) {
        why = "the file is " + std::to_string(size >> 20) + " MiB, more than an Engage bundle can be (" +
              std::to_string(kBundleMaxBytes >> 20) + " MiB)";
        return false;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        why = std::string("cannot read it: ") + std::strerror(errno);
        return false;
    }
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (f.bad()) {
        why = "cannot read it (an I/O error: was the drive removed?)";
        return false;
    }
    return true;
}

}  // namespace

int import_command(const std::string& db, const std::vector<std::string>& files, bool as_json) {
    using nlohmann::json;
    std::unique_ptr<HubStore> store;
    try {
        store = HubStore::open(db, false);
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub import: %s\n", e.what());
        return 1;
    }
    int rc = 0;
    json all = json::array();
    for (const auto& file : files) {
        std::string bytes, why;
        ImportOutcome o;
        if (!read_bundle_file(file, bytes, why)) {
            o.error = why;
        } else {
            try {
                o = import_bundle(*store, bytes);
            } catch (const DbError& e) {
                o = ImportOutcome{};
                o.error = std::string("the hub database failed: ") + e.what();
            }
        }
        if (!o.ok || o.counts.invalid > 0) rc = 1;
        if (as_json) {
            json j = {{"file", file}, {"ok", o.ok}};
            if (!o.ok) j["error"] = o.error;
            if (!o.kiosk.id.empty()) j["hub_kiosk"] = {{"id", o.kiosk.id}, {"name", o.kiosk.name}};
            if (o.ok) {
                j["kiosk_id"] = o.device_id;
                j["batch_id"] = o.batch_id;
                j["records"] = o.counts.records;
                j["stored"] = o.counts.stored;
                j["duplicate"] = o.counts.duplicate;
                j["conflict"] = o.counts.conflict;
                j["invalid"] = o.counts.invalid;
                json problems = json::array();
                for (const auto& r : o.results)
                    if (r.status == protocol::Status::Invalid || r.status == protocol::Status::Conflict)
                        problems.push_back({{"uuid", r.uuid}, {"status", protocol::to_string(r.status)},
                                            {"error", r.error}});
                j["problems"] = problems;
            }
            all.push_back(std::move(j));
            continue;
        }
        if (!o.ok) {
            std::fprintf(stderr, "engage-hub import: %s: %s; nothing was imported\n", file.c_str(), o.error.c_str());
            continue;
        }
        const Counts& n = o.counts;
        std::printf("%s: kiosk \"%s\" (%s): %d response%s: stored %d, already held %d, conflicts %d, invalid %d\n",
                    file.c_str(), o.kiosk.name.c_str(), o.kiosk.id.c_str(), n.records, n.records == 1 ? "" : "s",
                    n.stored, n.duplicate, n.conflict, n.invalid);
        std::size_t shown = 0, problems = 0;
        for (const auto& r : o.results) {
            if (r.status != protocol::Status::Invalid && r.status != protocol::Status::Conflict) continue;
            if (++problems > kShownProblems) continue;
            ++shown;
            if (r.status == protocol::Status::Invalid)
                std::printf("  %s: invalid, not stored: %s\n", r.uuid.c_str(), r.error.c_str());
            else
                std::printf("  %s: conflict: the hub holds a different copy; this one is kept aside in conflicts\n",
                            r.uuid.c_str());
        }
        if (problems > shown) std::printf("  … and %zu more\n", problems - shown);
    }
    if (as_json) std::printf("%s\n", all.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    std::fflush(stdout);
    return rc;
}

// The kiosk ID names (or a unique prefix), not revoked; else nullopt with the reason printed.
static std::optional<KioskInfo> enrolled_kiosk(HubStore& store, const std::string& id, const char* who) {
    std::string why;
    auto k = store.find_kiosk(id, why);
    if (!k) {
        std::fprintf(stderr, "%s: %s\n", who, why.c_str());
        return std::nullopt;
    }
    if (k->revoked()) {
        std::fprintf(stderr, "%s: kiosk \"%s\" is revoked; enrol it again with kiosk add\n", who, k->name.c_str());
        return std::nullopt;
    }
    return k;
}

int kiosk_key_command(const std::string& db, const std::string& id, const std::string& out_file) {
    const char* who = "engage-hub kiosk key";
    try {
        auto store = HubStore::open(db, false);
        auto k = enrolled_kiosk(*store, id, who);
        if (!k) return 1;
        BundleKey key;
        key.hub_kiosk_id = k->id;
        key.name = k->name;
        auto bytes = store->bundle_key(k->id, true);
        if (!bytes) {
            std::fprintf(stderr, "%s: kiosk %s is gone\n", who, k->id.c_str());
            return 1;
        }
        key.bytes = std::move(*bytes);
        key.hub_public_key = store->seal_keys().public_key;  // the kiosk seals answers to it
        std::string why;
        const bool ok = write_bundle_key_file(out_file, key, why);
        sodium_memzero(key.bytes.data(), key.bytes.size());
        if (!ok) {
            std::fprintf(stderr, "%s: %s\n", who, why.c_str());
            return 1;
        }
        std::printf("Wrote the bundle key of \"%s\" (%s) to %s.\n"
                    "On the kiosk: engage-kiosk pair --key-file %s\n"
                    "Then delete the file: whoever holds it can read that kiosk's USB bundles.\n",
                    k->name.c_str(), k->id.c_str(), out_file.c_str(), out_file.c_str());
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        return 1;
    }
}

int kiosk_reset_code_command(const std::string& db, const std::string& id) {
    const char* who = "engage-hub kiosk reset-code";
    try {
        auto store = HubStore::open(db, false);
        auto k = enrolled_kiosk(*store, id, who);
        if (!k) return 1;
        // Only a kiosk holding the same key can check the code: never make a new key here.
        auto bytes = store->bundle_key(k->id, false);
        if (!bytes) {
            std::fprintf(stderr,
                         "%s: kiosk \"%s\" has no key from this hub yet, so it cannot check a reset code. Reset the PIN "
                         "on the kiosk itself: engage-kiosk reset-pin --data-dir DIR\n",
                         who, k->name.c_str());
            return 1;
        }
        BundleKey key;
        key.hub_kiosk_id = k->id;
        key.bytes = std::move(*bytes);
        const auto counter = store->take_pin_reset_counter(k->id);
        if (!counter) {
            sodium_memzero(key.bytes.data(), key.bytes.size());
            std::fprintf(stderr, "%s: kiosk %s is gone\n", who, k->id.c_str());
            return 1;
        }
        const std::string code = pin_reset_code(key, *counter);
        sodium_memzero(key.bytes.data(), key.bytes.size());
        std::printf("PIN reset code for \"%s\": %s-%s\n"
                    "On the kiosk: hold the bottom-left corner for 3 seconds; on the PIN pad, tap \"Forgotten PIN\" and\n"
                    "type the code. It works once; the kiosk then asks for a new PIN. (Code number %llu for this kiosk.)\n",
                    k->name.c_str(), code.substr(0, 4).c_str(), code.substr(4).c_str(),
                    static_cast<unsigned long long>(*counter));
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "%s: %s\n", who, e.what());
        return 1;
    }
}

}  // namespace engage::hub
