// The hub's survey library: `engage-hub survey add|list|show|retire` (docs/hub.md, "Survey library").
// Every survey is checked by the kiosk's own loader (engage/survey.h); XLSForm workbooks are converted first
// (engage/xlsform.h). Nothing is stored unless the whole file is valid and its version is new.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store.h"

namespace engage::hub {


// Return the process exit code (0 done, 1 refused or failed).
int survey_add(const std::string& db, const std::string& file);
int survey_list(const std::string& db, bool as_json);
int survey_show(const std::string& db, const std::string& id, std::optional<std::int64_t> version);
int survey_retire(const std::string& db, const std::string& id);

// Who `survey publish|unpublish` is for: exactly one of every kiosk, these kiosks (ids or 6+ character
// prefixes) or these venues (as the kiosks' sessions name them).
struct PublishTarget {
    bool all = false;
    std::vector<std::string> kiosks;
    std::vector<std::string> venues;
};
// 0 done, 1 refused (no such survey, version, kiosk; retired) or the database failed, 2 bad usage.
int survey_publish(const std::string& db, const std::string& id, std::optional<std::int64_t> version,
                   const PublishTarget& to);
int survey_unpublish(const std::string& db, const std::string& id, std::optional<std::int64_t> version,
                     const PublishTarget& from);

// GET /v1/surveys (docs/sync-protocol.md, "Published surveys"): the reply body for these surveys (with their
// definitions, put in as stored) and its strong ETag (a hash of each id, version and content hash).
std::string survey_list_body(const std::vector<LibrarySurvey>& list);
std::string survey_list_etag(const std::vector<LibrarySurvey>& list);

// engage-hub kiosk pack ID --out DIR [--hub-url URL]: the kiosk's pack (engage/kiosk_pack.h) and key file in DIR.
// 0 written, 1 refused or failed, 2 bad usage.
int kiosk_pack_command(const std::string& db, const std::string& id, const std::string& dir,
                       const std::string& hub_url);

}  // namespace engage::hub
