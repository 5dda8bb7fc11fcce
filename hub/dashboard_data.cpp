// The dashboard's data: GROUP BY queries over the summary tables (hub/dashboard_index.h), the filters in WHERE.
// The same SQL on SQLite and PostgreSQL; results are sorted here (bytewise), not by the database's collation.
#include "dashboard_data.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "store.h"

namespace engage::hub::dash {

namespace {

std::string str(const std::optional<std::string>& v) { return v.value_or(""); }
std::int64_t num(const std::optional<std::string>& v) { return v && !v->empty() ? std::stoll(*v) : 0; }

std::string next(std::vector<sql::Param>& params, sql::Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
}

// "col IN ($3, $4)", or a condition that is always false for an empty list.
std::string in_list(const std::string& col, const std::vector<std::string>& values, std::vector<sql::Param>& params) {
    if (values.empty()) return "1 = 0";
    std::string s = col + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + next(params, values[i]);
    return s + ")";
}

// MIN over text compares bytewise, as std::string does (PostgreSQL: whatever the database's collation).
std::string bytewise(HubStore& store) { return store.backend() == "postgresql" ? " COLLATE \"C\"" : ""; }

}  // namespace

std::string SessionInfo::label() const {
    std::string start = started;
    if (start.size() >= 16) start = start.substr(0, 10) + " " + start.substr(11, 5);
    return (event.empty() ? "(no event)" : event) + " — " + (venue.empty() ? "(no venue)" : venue) + " — " + start;
}

void SurveySet::add(Survey s) {
    const auto key = std::make_pair(s.id, s.version);
    by_version_.insert_or_assign(key, std::move(s));
}

const Survey* SurveySet::find(const std::string& id, int version) const {
    auto it = by_version_.find({id, version});
    if (it != by_version_.end()) return &it->second;
    const Survey* newest = nullptr;
    for (const auto& [key, s] : by_version_)
        if (key.first == id) newest = &s;  // map order: the last is the highest version
    return newest;
}

std::string SurveySet::title(const std::string& id) const {
    const Survey* s = find(id, 0);
    if (!s) return id;
    const std::string& t = s->title.get("en");
    return t.empty() ? id : t;
}

std::string venue_value(const std::string& venue) {
    if (venue.empty()) return kNoVenue;
    return venue[0] == '~' ? "~" + venue : venue;
}

std::optional<std::string> venue_of(const Filters& f) {
    if (f.venue.empty()) return std::nullopt;
    if (f.venue == kNoVenue) return std::string();
    return f.venue.rfind("~~", 0) == 0 ? f.venue.substr(1) : f.venue;
}

std::string where_filters(const Filters& f, const std::string& a, std::vector<sql::Param>& p) {
    std::string w;
    if (const auto venue = venue_of(f)) w += " AND " + a + "venue = " + next(p, *venue);
    if (!f.session.empty()) w += " AND " + a + "session_key = " + next(p, f.session);
    if (!f.from.empty()) w += " AND " + a + "day >= " + next(p, f.from);
    if (!f.to.empty()) w += " AND " + a + "day <= " + next(p, f.to);
    if (!f.survey.empty()) w += " AND " + a + "survey_id = " + next(p, f.survey);
    if (!f.version.empty()) w += " AND " + a + "survey_version = " + next(p, std::int64_t{std::stoll(f.version)});
    return w;
}

Choices choices(HubStore& store, const SurveySet& surveys) {
    Choices c;
    for (const auto& r : store.dashboard_rows("SELECT DISTINCT venue FROM dash_groups", {})) c.venues.push_back(str(r[0]));
    std::sort(c.venues.begin(), c.venues.end());
    for (const auto& r : store.dashboard_rows("SELECT session_key, event, venue, started_utc FROM dash_sessions", {}))
        c.sessions.push_back({str(r[0]), str(r[1]), str(r[2]), str(r[3])});
    std::sort(c.sessions.begin(), c.sessions.end(), [](const SessionInfo& a, const SessionInfo& b) {
        return std::tie(a.started, a.venue, a.event) < std::tie(b.started, b.venue, b.event);
    });
    std::set<std::string> ids;
    std::set<int> versions;
    for (const auto& r : store.dashboard_rows("SELECT DISTINCT survey_id, survey_version FROM dash_groups", {})) {
        ids.insert(str(r[0]));
        versions.insert(static_cast<int>(num(r[1])));
    }
    for (const auto& id : ids) c.surveys.emplace_back(id, surveys.title(id));
    c.versions.assign(versions.begin(), versions.end());
    return c;
}

std::int64_t total(HubStore& store, const Filters& f) {
    std::vector<sql::Param> p;
    const auto rows = store.dashboard_rows("SELECT SUM(responses) FROM dash_groups WHERE 1 = 1" + where_filters(f, "", p), p);
    return rows.empty() ? 0 : num(rows[0][0]);
}

std::map<std::string, std::int64_t> count_by(HubStore& store, const Filters& f, const char* column) {
    const std::string col = column;
    if (col != "venue" && col != "day" && col != "session_key") return {};
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "", p);
    std::map<std::string, std::int64_t> out;
    for (const auto& r : store.dashboard_rows("SELECT " + col + ", SUM(responses) FROM dash_groups WHERE 1 = 1" + w +
                                                  " GROUP BY " + col,
                                              p))
        out[str(r[0])] += num(r[1]);
    return out;
}

std::map<std::string, SessionInfo> sessions(HubStore& store, const std::vector<std::string>& keys) {
    std::map<std::string, SessionInfo> out;
    for (std::size_t at = 0; at < keys.size(); at += 500) {
        std::vector<sql::Param> p;
        const std::vector<std::string> part(keys.begin() + static_cast<std::ptrdiff_t>(at),
                                            keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), at + 500)));
        const std::string cond = in_list("session_key", part, p);
        for (const auto& r : store.dashboard_rows(
                 "SELECT session_key, event, venue, started_utc FROM dash_sessions WHERE " + cond, p))
            out[str(r[0])] = SessionInfo{str(r[0]), str(r[1]), str(r[2]), str(r[3])};
    }
    return out;
}

std::vector<SurveyCount> by_survey(HubStore& store, const Filters& f) {
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "", p);
    std::vector<SurveyCount> out;
    for (const auto& r : store.dashboard_rows("SELECT survey_id, survey_version, SUM(responses), SUM(bad) FROM dash_groups"
                                              " WHERE 1 = 1" + w + " GROUP BY survey_id, survey_version",
                                              p))
        out.push_back({str(r[0]), static_cast<int>(num(r[1])), num(r[2]), num(r[3])});
    std::sort(out.begin(), out.end(), [](const SurveyCount& a, const SurveyCount& b) {
        return std::tie(a.id, a.version) < std::tie(b.id, b.version);
    });
    return out;
}

std::vector<AnswerRow> tally_rows(HubStore& store, const Filters& f, const std::string& survey) {
    std::vector<sql::Param> p;
    const std::string s = next(p, survey);
    const std::string w = where_filters(f, "", p);
    std::vector<AnswerRow> out;
    for (const auto& r : store.dashboard_rows("SELECT question, kind, value, SUM(n), MIN(first_seen" + bytewise(store) +
                                              ") FROM dash_answers"
                                              " WHERE survey_id = " + s + " AND kind IN ('i', 's', 't', 'o', 'a')" + w +
                                                  " GROUP BY question, kind, value",
                                              p))
        out.push_back({str(r[0]), str(r[1]), str(r[2]), num(r[3]), str(r[4])});
    return out;
}

namespace {

void add_count(std::vector<results::Count>& counts, const std::string& id, std::int64_t n) {
    for (auto& c : counts)
        if (c.id == id) {
            c.n += n;
            return;
        }
    counts.push_back({id, n});
}

// The question's rows of these kinds, in first-seen order (numeric order for numbers when `numeric`).
std::vector<const AnswerRow*> of_kind(const std::vector<const AnswerRow*>& rows, const std::string& kinds,
                                      bool numeric = false) {
    std::vector<const AnswerRow*> out;
    for (const AnswerRow* r : rows)
        if (r->kind.size() == 1 && kinds.find(r->kind[0]) != std::string::npos) out.push_back(r);
    std::sort(out.begin(), out.end(), [numeric](const AnswerRow* a, const AnswerRow* b) {
        if (numeric) return std::stoll(a->value) < std::stoll(b->value);
        return std::tie(a->first_seen, a->value) < std::tie(b->first_seen, b->value);
    });
    return out;
}

std::int64_t sum(const std::vector<const AnswerRow*>& rows) {
    std::int64_t n = 0;
    for (const AnswerRow* r : rows) n += r->n;
    return n;
}

void fill_known(results::QuestionTally& qt, QuestionType type, const std::vector<const AnswerRow*>& rows) {
    switch (type) {
        case QuestionType::Smiley:
        case QuestionType::Scale:
            for (const AnswerRow* r : of_kind(rows, "i")) add_count(qt.counts, r->value, r->n);
            qt.answered = sum(of_kind(rows, "i"));
            return;
        case QuestionType::Choice:
        case QuestionType::Agree:  // an option id, or Other with its words as {"selected": ["other"], ...}
            for (const AnswerRow* r : of_kind(rows, "so")) add_count(qt.counts, r->value, r->n);
            qt.answered = sum(of_kind(rows, "sta"));
            return;
        case QuestionType::Multi:
        case QuestionType::Needs:
            for (const AnswerRow* r : of_kind(rows, "o")) add_count(qt.counts, r->value, r->n);
            qt.answered = sum(of_kind(rows, "a"));
            return;
        case QuestionType::Text: qt.answered = sum(of_kind(rows, "st")); return;
        case QuestionType::Note: return;  // words only: never answered
    }
}

// A question the survey does not define: its type is the shape of the first answer seen.
void fill_guessed(results::QuestionTally& qt, const std::vector<const AnswerRow*>& rows) {
    const AnswerRow* first = nullptr;
    for (const AnswerRow* r : of_kind(rows, "istoa"))
        if (!first) first = r;
    if (!first) return;
    const char k = first->kind[0];
    if (k == 'i') {
        qt.type = "number";
        for (const AnswerRow* r : of_kind(rows, "i", true)) add_count(qt.counts, r->value, r->n);
        qt.answered = sum(of_kind(rows, "i"));
    } else if (k == 's' || k == 't') {
        qt.type = of_kind(rows, "t").empty() ? "option" : "text";
        if (qt.type == "option")
            for (const AnswerRow* r : of_kind(rows, "s")) add_count(qt.counts, r->value, r->n);
        qt.answered = sum(of_kind(rows, "st"));
    } else {
        qt.type = "options";
        for (const AnswerRow* r : of_kind(rows, "o")) add_count(qt.counts, r->value, r->n);
        qt.answered = sum(of_kind(rows, "a"));
    }
}

}  // namespace

results::Tally tally(const std::vector<AnswerRow>& rows, const Survey* def, std::int64_t responses, std::int64_t bad) {
    results::Tally t;
    t.responses = responses - bad;
    t.bad = bad;
    std::map<std::string, std::vector<const AnswerRow*>> by_q;
    for (const auto& r : rows)
        if (!r.question.empty()) by_q[r.question].push_back(&r);
    if (def)
        for (const Question& q : def->questions) {
            if (q.type == QuestionType::Note) continue;  // words only: never answered
            results::QuestionTally qt = results::empty_tally(q);
            auto it = by_q.find(q.id);
            if (it != by_q.end()) {
                fill_known(qt, q.type, it->second);
                by_q.erase(it);
            }
            t.questions.push_back(std::move(qt));
        }
    std::vector<std::pair<std::string, std::string>> rest;  // (first seen, id)
    for (const auto& [id, list] : by_q) {
        std::string first;
        for (const AnswerRow* r : list)
            if (first.empty() || r->first_seen < first) first = r->first_seen;
        rest.emplace_back(first, id);
    }
    std::sort(rest.begin(), rest.end());
    for (const auto& [first, id] : rest) {
        results::QuestionTally qt;
        qt.id = id;
        fill_guessed(qt, by_q[id]);
        t.questions.push_back(std::move(qt));
    }
    return t;
}

std::vector<NeedsRow> needs_rows(HubStore& store, const Filters& f) {
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "", p);
    std::vector<NeedsRow> out;
    for (const auto& r : store.dashboard_rows(
             "SELECT venue, survey_id, survey_version, question, kind, value, SUM(n), MIN(first_seen" + bytewise(store) +
                 ") FROM dash_answers"
             " WHERE kind IN ('u', 'S')" + w + " GROUP BY venue, survey_id, survey_version, question, kind, value",
             p))
        out.push_back({str(r[0]), str(r[1]), static_cast<int>(num(r[2])),
                       AnswerRow{str(r[3]), str(r[4]), str(r[5]), num(r[6]), str(r[7])}});
    std::sort(out.begin(), out.end(), [](const NeedsRow& a, const NeedsRow& b) {
        return std::tie(a.a.first_seen, a.a.value) < std::tie(b.a.first_seen, b.a.value);
    });
    return out;
}

std::map<std::tuple<std::string, std::string, int>, std::int64_t> responses_by_venue_survey(HubStore& store,
                                                                                           const Filters& f) {
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "", p);
    std::map<std::tuple<std::string, std::string, int>, std::int64_t> out;
    for (const auto& r : store.dashboard_rows("SELECT venue, survey_id, survey_version, SUM(responses) FROM dash_groups"
                                              " WHERE 1 = 1" + w + " GROUP BY venue, survey_id, survey_version",
                                              p))
        out[{str(r[0]), str(r[1]), static_cast<int>(num(r[2]))}] += num(r[3]);
    return out;
}

// ---- texts ----------------------------------------------------------------------------------------------------
namespace {

constexpr const char* kTextCols =
    "SELECT t.kiosk_id, t.uuid, t.survey_id, t.survey_version, t.created_utc, t.venue, t.question, t.text, t.flagged,"
    " d.decision, d.reviewer, d.decided_utc FROM dash_texts t LEFT JOIN text_reviews d ON d.kiosk_id = t.kiosk_id"
    " AND d.record_uuid = t.uuid AND d.question = t.question";
constexpr const char* kHeld = "(d.decision IS NULL AND t.flagged = 1)";
constexpr const char* kOrder = " ORDER BY t.created_utc, t.kiosk_id, t.seq, t.pos";

std::vector<TextRow> text_rows(HubStore& store, const std::string& sql, const std::vector<sql::Param>& p) {
    std::vector<TextRow> out;
    for (const auto& r : store.dashboard_rows(sql, p))
        out.push_back({str(r[0]), str(r[1]), str(r[2]), static_cast<int>(num(r[3])), str(r[4]), str(r[5]), str(r[6]),
                       str(r[7]), num(r[8]) == 1, str(r[9]), str(r[10]), str(r[11])});
    return out;
}

// Contains `needle`, ASCII letters in either case (SQLite's LIKE folds ASCII only; PostgreSQL's LIKE folds
// nothing, so both sides go through translate there).
std::string contains(HubStore& store, const std::string& needle, std::vector<sql::Param>& p) {
    std::string pattern = "%";
    for (char ch : needle) {
        if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
        pattern += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    }
    pattern += '%';
    const std::string ph = next(p, pattern);
    if (store.backend() == "postgresql")
        return "translate(t.text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE " + ph +
               " ESCAPE '\\'";
    return "t.text LIKE " + ph + " ESCAPE '\\'";
}

}  // namespace

TextCounts text_counts(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                       const std::string& needle) {
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "t.", p);
    const std::string small = in_list("t.venue", small_venues, p);
    const std::string match = needle.empty() ? "1 = 1" : contains(store, needle, p);
    const std::string sql = std::string("SELECT SUM(CASE WHEN ") + kHeld + " THEN 1 ELSE 0 END), SUM(CASE WHEN NOT " +
                            kHeld + " AND " + small + " THEN 1 ELSE 0 END), SUM(CASE WHEN NOT " + kHeld + " AND NOT " +
                            small + " AND " + match +
                            " THEN 1 ELSE 0 END) FROM dash_texts t LEFT JOIN text_reviews d ON d.kiosk_id = t.kiosk_id"
                            " AND d.record_uuid = t.uuid AND d.question = t.question"
                            " WHERE (d.decision IS NULL OR d.decision <> 'hidden')" + w;
    const auto rows = store.dashboard_rows(sql, p);
    if (rows.empty()) return {};
    return {num(rows[0][0]), num(rows[0][1]), num(rows[0][2])};
}

namespace {

// The texts the Texts page lists: not hidden, not held for review, not from a small venue, matching `needle`.
std::string listed_where(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                         const std::string& needle, std::vector<sql::Param>& p) {
    const std::string w = where_filters(f, "t.", p);
    const std::string small = in_list("t.venue", small_venues, p);
    const std::string match = needle.empty() ? "1 = 1" : contains(store, needle, p);
    return std::string(" WHERE (d.decision IS NULL OR d.decision <> 'hidden') AND NOT ") + kHeld + " AND NOT " + small +
           " AND " + match + w;
}

}  // namespace

std::vector<TextGroup> text_groups(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                                   const std::string& needle) {
    std::vector<sql::Param> p;
    const std::string sql = "SELECT t.survey_id, t.question, COUNT(*), MAX(t.survey_version) FROM dash_texts t"
                            " LEFT JOIN text_reviews d ON d.kiosk_id = t.kiosk_id AND d.record_uuid = t.uuid"
                            " AND d.question = t.question" +
                            listed_where(store, f, small_venues, needle, p) + " GROUP BY t.survey_id, t.question";
    std::vector<TextGroup> out;
    for (const auto& r : store.dashboard_rows(sql, p))
        out.push_back({str(r[0]), str(r[1]), num(r[2]), static_cast<int>(num(r[3]))});
    std::sort(out.begin(), out.end(), [](const TextGroup& a, const TextGroup& b) {
        return std::tie(a.survey_id, a.question) < std::tie(b.survey_id, b.question);
    });
    return out;
}

std::vector<TextRow> texts(HubStore& store, const Filters& f, const std::vector<std::string>& small_venues,
                           const std::string& needle, std::size_t limit, const TextGroup* group, std::size_t offset) {
    std::vector<sql::Param> p;
    std::string where = listed_where(store, f, small_venues, needle, p);
    if (group) where += " AND t.survey_id = " + next(p, group->survey_id) + " AND t.question = " + next(p, group->question);
    return text_rows(store,
                     std::string(kTextCols) + where + kOrder + " LIMIT " + std::to_string(limit) + " OFFSET " +
                         std::to_string(offset),
                     p);
}

std::vector<TextRow> review_items(HubStore& store, const Filters& f, bool decided, std::size_t limit) {
    std::vector<sql::Param> p;
    const std::string w = where_filters(f, "t.", p);
    return text_rows(store,
                     std::string(kTextCols) + " WHERE " + (decided ? "d.decision IS NOT NULL" : kHeld) + w + kOrder +
                         " LIMIT " + std::to_string(limit),
                     p);
}

std::int64_t pending_reviews(HubStore& store) {
    const auto rows = store.dashboard_rows(
        "SELECT COUNT(*) FROM dash_texts t LEFT JOIN text_reviews d ON d.kiosk_id = t.kiosk_id"
        " AND d.record_uuid = t.uuid AND d.question = t.question WHERE t.flagged = 1 AND d.decision IS NULL",
        {});
    return rows.empty() ? 0 : num(rows[0][0]);
}

std::vector<std::string> kiosks_with_text(HubStore& store, const std::string& uuid, const std::string& question,
                                          const std::string& kiosk) {
    std::vector<sql::Param> p;
    std::string sql = "SELECT DISTINCT kiosk_id FROM dash_texts WHERE uuid = " + next(p, uuid) +
                      " AND question = " + next(p, question);
    if (!kiosk.empty()) sql += " AND kiosk_id = " + next(p, kiosk);
    std::vector<std::string> out;
    for (const auto& r : store.dashboard_rows(sql, p)) out.push_back(str(r[0]));
    return out;
}

}  // namespace engage::hub::dash
