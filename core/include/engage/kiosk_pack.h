// Kiosk packs (docs/sync-protocol.md, "Kiosk packs"): for a kiosk that never connects, the hub writes what it would
// fetch over the network - the surveys published to it and the hub's address - to a USB stick
// (`engage-hub kiosk pack ID --out DIR`), sealed with that kiosk's USB bundle key (engage/bundle.h: the same file
// format, authenticated encryption, as a bundle), beside the kiosk's key file for a kiosk that has no key yet.
// The facilitator loads it from the panel ("Set up from a USB stick"). A changed byte, a cut, another kiosk's
// pack or another key is refused in plain words, and nothing on the kiosk changes. No UI here.
#pragma once
#include <cstdint>
#include <string>

#include "engage/bundle.h"
#include "engage/storage.h"

namespace engage {

inline constexpr const char* kPackSuffix = ".pack";
inline constexpr std::uint64_t kPackMaxBytes = 32u << 20;  // 64 surveys with pictures would not fit: the hub checks

// "engage-<first 8 of the hub kiosk id>.pack"
std::string pack_file_name(const std::string& hub_kiosk_id);
// The sealed pack: inside, {"engage_kiosk_pack": 1, "hub_kiosk_id", "name", "hub_url" ("" unknown),
// "created_utc", "list": <a GET /v1/surveys reply body as JSON>}.
std::string seal_pack(const BundleKey& key, const std::string& hub_url, const std::string& survey_list_body);

struct PackContents {
    std::string hub_kiosk_id;
    std::string name;
    std::string hub_url;
    std::string survey_list;    // a GET /v1/surveys body, for apply_survey_list
    std::string hub_public_key = {};  // the hub's X25519 key answers are sealed to (32 raw bytes); "" from older hubs
};
// Authenticates and reads a pack's bytes with the kiosk's key. false + why (plain words for the facilitator).
bool open_pack(const std::string& bytes, const BundleKey& key, PackContents& out, std::string& why);

// The kiosk: reads the pack at `path` (a regular file, no links, at most kPackMaxBytes); when the kiosk has no key
// yet, first loads the key file beside it (engage-<first 8>.key, load_setup_file); opens it with the kiosk's key;
// stores its surveys (apply_survey_list: each checked by the loader, the new one live from the next welcome screen)
// and the hub address when none is set. "" on success, else why, with nothing changed. Never throws.
std::string load_kiosk_pack(Store& store, const std::string& path);

}  // namespace engage
