// Surveys the hub publishes to this kiosk (docs/sync-protocol.md, "Published surveys"): the sync pass fetches
// GET /v1/surveys and hands the reply to apply_survey_list, which checks each survey with the kiosk's own loader
// and keeps the valid ones in <data dir>/surveys/hub/<id>-v<version>.json (written aside, fsync'd, renamed).
// A survey that fails is logged with its problems and never used; the kiosk keeps what it had. A new one becomes
// the live survey only on the next welcome (attract) screen: the sync thread leaves its path in the settings row
// `survey_switch`, and the UI takes it from there (KioskState::take_published_survey). No UI, no network here.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "engage/storage.h"

namespace engage {

inline constexpr std::size_t kSurveyListMaxBytes = 32u << 20;  // a larger reply is refused (the transport stops at it); room for pictures
inline constexpr std::size_t kSurveyListMaxSurveys = 64;
inline constexpr const char* kSettingSurveysEtag = "hub_surveys_etag";  // the ETag of the list last applied
inline constexpr const char* kSettingSurveySwitch = "survey_switch";    // a published survey to go live next
inline constexpr const char* kSettingSurveyPath = "survey_path";        // the live survey the kiosk chose

// <data dir>/surveys/hub
std::string hub_survey_dir(const std::string& data_dir);

struct SurveyListResult {
    bool ok = false;                    // the list was read (some surveys in it may still have been refused)
    std::string error;                  // why the whole reply was refused ("" when ok)
    bool retry = false;                 // a file could not be written: do not keep the ETag, fetch again
    std::vector<std::string> added;     // "demo v2", stored now
    std::vector<std::string> problems;  // "survey 'x' version 2: questions[0].prompt: missing", one per problem
    std::vector<std::string> removed;   // files of surveys no longer published, deleted
    std::string switch_to;              // the file that goes live on the next welcome screen ("" none)
    bool changed() const { return !added.empty() || !removed.empty(); }
};

// Applies the body of a 200 reply to GET /v1/surveys (docs/sync-protocol.md). Refuses as a whole (ok false) a
// body over kSurveyListMaxBytes, not JSON, nested deeper than 64, not from an Engage hub, or with more than
// kSurveyListMaxSurveys surveys. Each survey is checked on its own: an id that is not 1-64 of [A-Za-z0-9_.-]
// (so never a path), a version that is not 1..2^31-1, an id or version other than the survey's own, or any
// problem the loader finds: refused (in `problems`), the file held for it stays. Never deletes the live survey
// or one waiting to go live. Logs what it did. Never throws.
SurveyListResult apply_survey_list(Store& store, const std::string& data_dir, const std::string& body);

enum class SurveySource { Bundled, Hub, Local };
const char* source_name(SurveySource s);  // "bundled", "hub", "local file"

struct HeldSurvey {
    std::string path;
    std::string id;          // "" when the file cannot be used (see problem)
    int version = 0;
    std::string title;       // in the survey's default language
    SurveySource source = SurveySource::Local;
    bool live = false;       // what the kiosk runs (the facilitator's choice, else the bundled demo)
    bool next = false;       // published, goes live on the next welcome screen
    std::string problem;     // the loader's first problem, "" when valid
};

// Where a survey file comes from: under assets/surveys bundled, under <data dir>/surveys/hub the hub, else local.
SurveySource survey_source(const std::string& path, const std::string& data_dir, const std::string& assets_dir);
// The survey the kiosk runs at start: the one chosen last (setting survey_path) when it is a published one still
// held, else `config_survey` (--survey or the config file's), else the one chosen last, else the bundled demo.
std::string live_survey_path(const Store& store, const std::string& data_dir, const std::string& assets_dir,
                             const std::string& config_survey);
// Every survey the kiosk holds: assets/surveys/*.json, <data dir>/surveys/*.json, <data dir>/surveys/hub/*.json
// and the live one and `config_survey` wherever they are (live: live_survey_path, or `live` when given); by
// source, then id and version.
// Never throws (unreadable settings count as none).
std::vector<HeldSurvey> held_surveys(const Store& store, const std::string& data_dir, const std::string& assets_dir,
                                     const std::string& config_survey, std::string live = "");

}  // namespace engage
