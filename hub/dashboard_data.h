// What the dashboard pages draw from: the summary tables (hub/dashboard_index.h, hub schema 6) read with the
// request's filters in SQL WHERE clauses and GROUP BY, never a pass over every record; and the survey
// definitions for prompts and option labels. Every function here reads a bounded amount: one row per group,
// question and value, or at most `limit` texts.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engage/results.h"
#include "engage/survey.h"
#include "sql.h"

namespace engage::hub {

class HubStore;

namespace dash {

// The GET parameters every page carries. Empty = not filtered. Dates are YYYY-MM-DD (UTC days, inclusive).
// `venue` is the form's value (venue_value), not the venue itself: read it with venue_of.
struct Filters {
    std::string venue, session, from, to, survey, version, q;
};

// The Venue filter's values: "" is every venue, kNoVenue the records without a venue, anything else that venue;
// a venue whose name starts with "~" gets one more "~" in front, so no venue can be mistaken for kNoVenue.
constexpr const char* kNoVenue = "~none";
std::string venue_value(const std::string& venue);
// The venue the filters ask for: nullopt for every venue, "" for records without a venue.
std::optional<std::string> venue_of(const Filters& f);

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

// " AND col = $n ..." for the filters (venue, session, from, to, survey, version; not q) over a table with the
// dimension columns, `alias` "t." or "". Parameters are appended to `params`.
std::string where_filters(const Filters& f, const std::string& alias, std::vector<sql::Param>& params);

// For the filter form: everything the hub holds, sorted.
struct Choices {
    std::vector<std::string> venues;
    std::vector<SessionInfo> sessions;
    std::vector<std::pair<std::string, std::string>> surveys;  // id, title
    std::vector<int> versions;
};
Choices choices(HubStore& store, const SurveySet& surveys);

// Responses matching the filters, in all and grouped (sorted by the key, bytewise as std::string compares).
std::int64_t total(HubStore& store, const Filters& f);
std::map<std::string, std::int64_t> count_by(HubStore& store, const Filters& f, const char* column);  // venue, day, session_key
std::map<std::string, SessionInfo> sessions(HubStore& store, const std::vector<std::string>& keys);
struct SurveyCount {
    std::string id;
    int version = 0;
    std::int64_t responses = 0, bad = 0;
};
std::vector<SurveyCount> by_survey(HubStore& store, const Filters& f);

// One summary row of dash_answers, summed over the groups that match.
struct AnswerRow {
    std::string question, kind, value;
    std::int64_t n = 0;
    std::string first_seen;
};
// The tally of one survey's responses (every version) under the filters, as results::add would make it from
// every record with `def` (questions in survey order, unknown ones after in first-seen order). `texts` stay
// empty: free text is on the Texts page. Pure (no database): the rows come from tally_rows.
results::Tally tally(const std::vector<AnswerRow>& rows, const Survey* def, std::int64_t responses, std::int64_t bad);
std::vector<AnswerRow> tally_rows(HubStore& store, const Filters& f, const std::string& survey);

// The needs page: per venue, survey and version, the 'u' (distinct selected id) and 'S' rows.
struct NeedsRow {
    std::string venue, survey_id;
    int version = 0;
    AnswerRow a;
};
std::vector<NeedsRow> needs_rows(HubStore& store, const Filters& f);
std::map<std::tuple<std::string, std::string, int>, std::int64_t> responses_by_venue_survey(HubStore& store,
                                                                                           const Filters& f);

// One free-text answer (dash_texts) with the review decision on it, if any.
struct TextRow {
    std::string kiosk, uuid, survey_id;
    int version = 0;
    std::string created_utc, venue, question, text;
    bool flagged = false;
    std::string decision, reviewer, decided_utc;  // "" when undecided
};
struct TextCounts {
    std::int64_t held = 0;   // look personal and wait for review
    std::int64_t small = 0;  // from venues in `small_venues`
    std::int64_t shown = 0;  // listed (matching `needle` when given)
};
// The Texts page: texts not hidden; held back when flagged and undecided; then left out when from a small venue;
// then those containing `needle` (ASCII case-insensitive, as the page's search box always did).
TextCounts text_counts(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                       const std::string& needle);
// The texts listed per (survey, question), sorted by survey id and question id.
struct TextGroup {
    std::string survey_id, question;
    std::int64_t n = 0;
    int version = 0;  // the newest version holding such a text (for the question's prompt)
};
std::vector<TextGroup> text_groups(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                                   const std::string& needle);
// The texts listed, in record order: `limit` of them after skipping `offset`, of one group when `group` is given.
std::vector<TextRow> texts(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                           const std::string& needle, std::size_t limit, const TextGroup* group = nullptr,
                           std::size_t offset = 0);
// The Review page: flagged texts without a decision (decided=false) or every decided text (decided=true).
std::vector<TextRow> review_items(HubStore& store, const Filters& f, bool decided, std::size_t limit);
// Flagged texts without a decision, over everything the hub holds.
std::int64_t pending_reviews(HubStore& store);
// The kiosks (their own ids) holding a text (uuid, question); `kiosk` "" = any.
std::vector<std::string> kiosks_with_text(HubStore& store, const std::string& uuid, const std::string& question,
                                          const std::string& kiosk);

}  // namespace dash
}  // namespace engage::hub
