// The dashboard's summary tables (hub schema 6; docs/hub.md "Dashboard summaries"): what every page counts,
// kept up to date by HubStore::store_batch (which the sync route, `engage-hub import` and the dashboard's upload all
// go through: in the same transaction, or under `serve` queued and folded in by a background thread; schema 8)
// and backfilled by the migration.
//
//   dash_groups   responses (and unreadable answers) per (survey, version, UTC day, venue, session)
//   dash_sessions each session's event, venue and start, by its key
//   dash_answers  per the same dimensions and (question, kind, value): occurrences and where it was first seen
//                 (created_utc, kiosk, seq, place in the record: compared bytewise)
//   dash_texts    one row per free text (a string that is not an id, or an "other" text), with its dimensions
//
// Pages are then GROUP BY queries over these with the filters in WHERE, never a pass over every record.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "batch.h"

namespace engage::hub::sql {
class Conn;
}

namespace engage::hub::dash {

// The kinds of dash_answers rows:
//   'i' an integer answer (value: the number)          's' a string answer that is an id (value: the id)
//   't' any other string answer (value: "")            'o' one id in {"selected": [...]} (every occurrence)
//   'u' the same, counted once per question and record  'a' a {"selected"} answer with at least one id
//   'S' per record (question ""): the ids of its questions with at least one selected id, joined by '\n'
std::string session_key(const std::string& event, const std::string& venue, const std::string& started);
// True for 1-64 of a-z 0-9 _ - (an option id, as the kiosk stores them).
bool id_like(const std::string& s);

class Summaries {
public:
    void add(const std::string& kiosk_id, const Record& r);
    // The same, with r.answers_json already parsed (the batch's own json): no second parse.
    void add(const std::string& kiosk_id, const Record& r, const nlohmann::json& answers);
    // Upserts everything added (sorted keys: concurrent hubs on one PostgreSQL database lock in one order).
    void write(sql::Conn& c) const;
    bool empty() const { return groups_.empty(); }

private:
    template <class J>
    void add_parsed(const std::string& kiosk_id, const Record& r, const J& answers);
    using Dims = std::tuple<std::string, std::int64_t, std::string, std::string, std::string>;
    struct Group {
        std::int64_t responses = 0, bad = 0;
    };
    struct Tally {
        std::int64_t n = 0;
        std::string first;
    };
    struct Text {
        std::string kiosk_id, uuid;
        std::int64_t seq = 0;
        Dims dims;
        std::string created_utc, question, kind, text;
        std::int64_t pos = 0;
        bool flagged = false;
    };
    std::map<Dims, Group> groups_;
    std::map<std::string, std::tuple<std::string, std::string, std::string>> sessions_;
    std::map<std::tuple<Dims, std::string, std::string, std::string>, Tally> answers_;
    std::vector<Text> texts_;
};

// The schema 6 migration's second half: summaries of every record already held, read in chunks by id.
void backfill(sql::Conn& c);
// Schema 8: up to `limit` records queued in dash_queue, lowest id first, folded into the summaries and taken off
// the queue, in the caller's transaction (on PostgreSQL, queue rows another hub is folding are skipped).
// Returns how many queue rows were taken.
std::int64_t fold_queued(sql::Conn& c, std::size_t limit);

}  // namespace engage::hub::dash
