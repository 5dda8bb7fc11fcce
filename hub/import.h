// Importing a USB bundle (docs/sync-protocol.md, "USB bundles"): decrypt and authenticate the whole file with the
// key the hub holds for the enrolment named in its header, then store its batch through HubStore::store_batch, the
// same path as POST /v1/batches, so stored / duplicate / conflict / invalid mean exactly what they mean there.
// Used by `engage-hub import FILE...` and by the dashboard's upload.
#pragma once
#include <string>
#include <vector>

#include "batch.h"
#include "store.h"

namespace engage::hub {

// Records in one bundle: a bundle is one batch, so it may hold far more than a network batch.
inline constexpr std::size_t kMaxBundleRecords = 1'000'000;

struct ImportOutcome {
    bool ok = false;                       // the bundle was authentic and its batch was stored (see counts)
    std::string error;                     // when !ok: what is wrong, in plain words; NOTHING was stored
    KioskInfo kiosk;                       // the enrolment it came from, when the header named a known one
    std::string device_id;                 // the kiosk's own id (from inside the bundle)
    std::string batch_id;                  // "bundle-<uuid>", kept with each stored record
    Counts counts;                         // records, stored, duplicate, conflict, invalid
    std::vector<protocol::Result> results; // one per record, in the bundle's order (invalid ones with the reason)
};

// `bytes` is the whole file (refuse anything over kBundleMaxBytes, engage/bundle.h, before reading it all).
// Refusals (not a bundle, a wrong key, any changed or missing byte, an unknown or revoked kiosk, a kiosk id
// other than the one pinned to the enrolment) store nothing. A DbError propagates (nothing stored either).
ImportOutcome import_bundle(HubStore& store, const std::string& bytes);

// The command line (hub/main.cpp). Exit codes: 0 done; 1 a file refused, a record invalid, or the database failed.
// `engage-hub import FILE... [--json]`: each file on its own; a summary line per file, refusals on stderr.
int import_command(const std::string& db, const std::vector<std::string>& files, bool as_json);
// `engage-hub kiosk key ID --out FILE`: the kiosk's bundle key file (mode 0600, never replaces a file).
int kiosk_key_command(const std::string& db, const std::string& id, const std::string& out_file);
// `engage-hub kiosk reset-code ID`: a one-time code that clears the kiosk's facilitator PIN (engage/pin_reset.h).
// 0 printed; 1 no such kiosk, revoked, no key yet, or a database failure.
int kiosk_reset_code_command(const std::string& db, const std::string& id);

}  // namespace engage::hub
