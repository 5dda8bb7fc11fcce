// The hub's survey library: `engage-hub survey add|list|show|retire` (docs/hub.md, "Survey library").
// Every survey is checked by the kiosk's own loader (engage/survey.h); XLSForm workbooks are converted first
// (engage/xlsform.h). Nothing is stored unless the whole file is valid and its version is new.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace engage::hub {


// Return the process exit code (0 done, 1 refused or failed).
int survey_add(const std::string& db, const std::string& file);
int survey_list(const std::string& db, bool as_json);
int survey_show(const std::string& db, const std::string& id, std::optional<std::int64_t> version);
int survey_retire(const std::string& db, const std::string& id);

}  // namespace engage::hub
