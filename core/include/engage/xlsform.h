// XLSForm import: an .xlsx workbook (read with libzip and libxml2) made into an Engage survey. The supported
// subset and every refusal are in docs/survey-format.md, "XLSForm". Never crashes or hangs on a hostile file:
// entry sizes are checked before reading (kMaxXlsxBytes in all), XML is parsed without network or entity
// expansion and a DTD is refused, rows and cells are capped.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engage/survey.h"

namespace engage {

inline constexpr std::size_t kMaxXlsxBytes = 64 * 1024 * 1024;  // uncompressed, all entries read
inline constexpr std::size_t kMaxXlsxRows = 10000;              // non-empty rows on one sheet

struct XlsformImport {
    std::string json;                    // the survey as Engage JSON (pretty), when problems is empty
    std::optional<Survey> survey;        // as the kiosk's loader read `json`
    // WHERE names the sheet and row ("survey row 7") or cell ("survey!C7"), or "(file)".
    std::vector<SurveyProblem> problems;
    bool ok() const { return survey.has_value(); }
};

// `xlsx`: the file's bytes. `file_name`: its name, for the survey id when there is no settings sheet.
XlsformImport import_xlsform(std::string_view xlsx, const std::string& file_name);

// XLSForm `relevant` -> Engage show_if. `type_of` gives the type of an earlier question by (Engage) id,
// nullopt when there is none; `option_id` maps (question, choice name) to the option id Engage stores.
// On failure returns nullopt and sets `why`.
struct RelevantContext {
    std::map<std::string, QuestionType> types;                          // earlier questions
    std::map<std::pair<std::string, std::string>, std::string> option;  // renamed options (likert, smiley)
};
std::optional<nlohmann::ordered_json> relevant_to_show_if(std::string_view expr, const RelevantContext& ctx,
                                                          std::string& why);

}  // namespace engage
