// Exports: the responses the hub holds as CSV (for spreadsheets) or JSON (for programs), from
// `engage-hub export` and the dashboard. See docs/hub.md "Exports and small numbers".
//
// CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), RFC 4180 quoting, CRLF; one row per response, the fixed
// columns (kExportFixedColumns), then one column per question in survey order; multi / needs questions get one
// 0/1 column per option ("question:option"; blank when the question was not answered) and "question:other" with
// the Other text. Every cell goes through results::neutralise_cell (no spreadsheet formulas).
// JSON: {"exported_utc", "filters", "shareable", "min_count", "responses": [{..., "answers": {...}}]}, no BOM.
//
// A shareable export (meant to leave the organisers) keeps the small-number rule: responses from a venue, or
// from a session, with fewer than min_count responses in the export are left out (a note says which); free text
// that results::needs_review flags, unless an organiser approved it, and any text an organiser hid, becomes
// kHeldBack; created_utc is cut to the day.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engage/results.h"
#include "engage/survey.h"
#include "store.h"

namespace engage::hub {

enum class ExportFormat { Csv, Json };

inline constexpr const char* kHeldBack = "[held back for review]";
inline constexpr const char* kExportFixedColumns[] = {"response_id", "kiosk",      "venue",     "event",
                                                      "session_started_utc", "created_utc", "language",
                                                      "survey_id", "survey_version"};

// Survey definitions, for the question columns and their order.
class ExportSurveys {
public:
    // Every *.json file in `dir` that is a valid survey; the others are named in `problems` and skipped.
    // Returns false (with a problem) when `dir` is not a readable folder.
    bool load_dir(const std::string& dir, std::vector<std::string>& problems);
    void add(Survey s);
    // That version, else the newest version of that id, else null.
    const Survey* find(const std::string& id, std::int64_t version) const;
    std::size_t size() const { return by_version_.size(); }

private:
    std::map<std::pair<std::string, std::int64_t>, Survey> by_version_;
};

struct ExportOptions {
    ExportFormat format = ExportFormat::Csv;
    bool shareable = false;
    int min_count = results::kDefaultMinCount;  // clamped (never below results::kFloorMinCount)
    RecordFilter filters;                       // as the organiser gave them: echoed in JSON "filters" only
    std::optional<std::string> until_day;       // the inclusive day the organiser gave (filters.until is the day after)
    std::string exported_utc;                   // "" = now
    std::vector<TextReview> reviews;            // organisers' decisions on free text (shareable exports)
};

struct ExportReport {
    std::size_t rows = 0;            // responses written
    std::size_t left_out = 0;        // responses left out of a shareable export (small groups)
    std::size_t held_back = 0;       // texts replaced by kHeldBack
    std::vector<std::string> notes;  // for the organiser (stderr, or the dashboard): what was left out and why
};

// Writes `rows` (from HubStore::query_records) to `out`. `progress(done, total)` is called every 1000 rows.
void write_export(std::ostream& out, const std::vector<RecordRow>& rows, const ExportSurveys& surveys,
                  const ExportOptions& options, ExportReport& report,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

// One CSV cell: neutralised (results::neutralise_cell), then quoted when it holds a comma, quote, CR or LF.
std::string csv_cell(const std::string& cell);

// "YYYY-MM-DD" (a real date) -> true. For --since also "YYYY-MM-DDTHH:MM[:SS]Z".
bool valid_export_date(const std::string& s, bool allow_time);
// The day after a valid "YYYY-MM-DD".
std::string next_day(const std::string& day);

// `engage-hub export`: the options main.cpp parses.
struct ExportCommand {
    std::string db;
    std::string format = "csv";
    std::optional<std::string> venue, since, until, survey, session;
    std::optional<std::int64_t> survey_version;
    bool shareable = false;
    int min_count = results::kDefaultMinCount;
    std::string surveys_dir;  // "" = engage::assets_dir() + "/surveys"
    std::string out;          // "" or "-" = stdout
};
// Exit code: 0 done, 1 the database or the output file could not be used, 2 bad usage.
int run_export(const ExportCommand& cmd);

}  // namespace engage::hub
