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

// A survey file checked by the kiosk's loader (XLSForm converted first): ready to store, or every problem as
// "WHERE: WHAT". Shared by `survey add` and the dashboard's upload (hub/dashboard_page_surveys.cpp).
struct CheckedSurvey {
    std::optional<LibrarySurvey> survey;   // id, version, title, definition, hash, source; set only without problems
    std::vector<std::string> problems;
    std::size_t questions = 0;
    std::string languages;                 // "en, pl"
};
// `file_name` names the source (an .xlsx by its extension or its zip signature; else Engage JSON).
CheckedSurvey check_survey_bytes(const std::string& bytes, const std::string& file_name, const std::string& base_dir = "");
// What HubStore::add_survey's result means for `s`, in one sentence; `ok` false when it was refused.
std::string add_survey_outcome(const CheckedSurvey& c, const AddSurveyResult& r, bool& ok);

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
// Publishing on an open store, for the CLI and the dashboard's Surveys page: rc 0 done (`lines` say what was
// done, one each), 1 refused (no such survey, version or kiosk; retired; `error` says why), 2 bad usage.
struct PublishResult {
    int rc = 0;
    std::string error;
    std::vector<std::string> lines;
};
PublishResult publish_in(HubStore& store, const std::string& id, std::optional<std::int64_t> version,
                         const PublishTarget& to);
PublishResult unpublish_in(HubStore& store, const std::string& id, std::optional<std::int64_t> version,
                           const PublishTarget& from);
// "every kiosk" / "kiosk "Hall" (e933be56)" / "the kiosks at venue "Leith Library"".
std::string target_words(HubStore& store, const Publication& p);

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
