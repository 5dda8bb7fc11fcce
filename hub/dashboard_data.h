// What the dashboard pages draw from: every record the hub holds (HubStore::query_records), the filters of the
// request applied to them, and the survey definitions for prompts and option labels.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engage/survey.h"

namespace engage::hub {

class HubStore;

namespace dash {

// The GET parameters every page carries. Empty = not filtered. Dates are YYYY-MM-DD (UTC days, inclusive).
struct Filters {
    std::string venue, session, from, to, survey, version, q;
};

struct Resp {
    std::string kiosk, device, uuid, created_utc, language, survey_id;  // kiosk: its name; device: its own id
    int version = 0;
    bool has_session = false;
    std::string event, venue, started;
    std::string session_key;  // 16 hex digits from event + venue + start ("" without a session)
    std::string day;          // created_utc's YYYY-MM-DD
    std::string answers;      // the answers JSON
};

struct SessionInfo {
    std::string key, event, venue, started;
    std::string label() const;  // "Park plan — Leith Library — 2026-11-22 09:30"
};

class SurveySet {
public:
    void add(Survey s);
    // The definition of that version, else the newest version of that id, else null.
    const Survey* find(const std::string& id, int version) const;
    std::string title(const std::string& id) const;  // the English title, else the id

private:
    std::map<std::pair<std::string, int>, Survey> by_version_;
};

struct Data {
    std::vector<Resp> all;
    std::vector<std::size_t> view;  // indexes into `all` that pass the filters
    // For the filter form: everything the hub holds, sorted.
    std::vector<std::string> all_venues;
    std::vector<SessionInfo> all_sessions;
    std::vector<std::pair<std::string, std::string>> all_surveys;  // id, title
    std::vector<int> all_versions;
    const Resp& at(std::size_t i) const { return all[view[i]]; }
    std::size_t size() const { return view.size(); }
};

// One free-text answer: a text question's answer, or the "other" text of a multi / needs question.
struct TextItem {
    std::size_t rec = 0;      // index into Data::all
    std::string question;     // the question id
    std::string text;
};
// The free text of the records in data.view (all records when `everything`), in record order.
std::vector<TextItem> extract_texts(const Data& data, const SurveySet& surveys, bool everything);

std::string session_key(const std::string& event, const std::string& venue, const std::string& started);

// Every record, plus the lists for the filter form.
Data load(HubStore& store, const SurveySet& surveys);
// Sets data.view to the records passing `f` (venue, session, from, to, survey, version; not q).
void apply(Data& data, const Filters& f);

}  // namespace dash
}  // namespace engage::hub
