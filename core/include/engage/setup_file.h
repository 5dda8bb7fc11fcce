// The kiosk's setup file on a USB stick: what `engage-hub kiosk key ID --out FILE` writes (the kiosk's USB bundle
// key, engage/bundle.h), found and loaded from the facilitator panel so a kiosk that never connects is set up
// without a command line. `engage-kiosk pair --key-file FILE` reads the same format with the same parser.
// No UI includes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engage/storage.h"

namespace engage {

inline constexpr std::uint64_t kSetupFileMaxBytes = 64 * 1024;  // a key file is about 200 bytes

struct SetupFile {
    std::string path;       // full path
    std::string name;       // relative to the folder searched, e.g. "hall.key" or "engage/hall.key" (to show)
    std::string kiosk_name; // the kiosk's name at the hub as the file says ("" when it cannot be read)
    std::uint64_t bytes = 0;
};

// Setup files in `dir` - key files, and kiosk packs (*.pack, engage/kiosk_pack.h: listed by name up to
// kPackMaxBytes, checked when loaded) - (a drive's top folder) and its folders one level down, sorted by name: regular files of at
// most kSetupFileMaxBytes whose text is an Engage key file (or starts like one: a damaged one is listed, so loading
// it can say so). Symbolic links are never followed (neither files nor folders), hidden entries are skipped, other
// files are never read beyond their first 4 KiB, and at most 5000 entries are looked at. Never throws.
std::vector<SetupFile> find_setup_files(const std::string& dir);

// A kiosk pack (*.pack) goes to load_kiosk_pack. Otherwise reads the setup file at `path` and stores its key in the kiosk's settings (save_bundle_key). Returns "" on
// success (also when the same key is already stored), else a plain-words error for the facilitator:
//   "This file is for another kiosk (…)"   the kiosk already holds the key of another hub kiosk
//   "This file is damaged …"               it starts like a key file but is not a whole, valid one
//   "This is not a kiosk setup file"       a folder, a link, a device, or a file of something else
//   "This file is too large …", "This file cannot be read: …"
// Never throws (a database failure is returned as a message too). Logs what it did, never the key.
std::string load_setup_file(Store& store, const std::string& path);

}  // namespace engage
