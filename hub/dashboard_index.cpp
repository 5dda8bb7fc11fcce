// Summaries of records for the dashboard (dashboard_index.h): parsed once on the way in, merged in memory per
// batch, written with multi-row upserts. The same SQL on SQLite and PostgreSQL but for MIN/LEAST.
#include "dashboard_index.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "engage/results.h"
#include "sql.h"
#include "store.h"

namespace engage::hub::dash {

using json = nlohmann::ordered_json;  // the keys in the order stored, as results::add reads them

std::string session_key(const std::string& event, const std::string& venue, const std::string& started) {
    return sha256_hex(event + '\n' + venue + '\n' + started).substr(0, 16);
}

bool id_like(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

void Summaries::add(const std::string& kiosk_id, const Record& r) {
    add_parsed(kiosk_id, r, json::parse(r.answers_json, nullptr, false));
}

// The answers as parse_batch parsed them (keys sorted): the order their stored dump has, so the same as above.
void Summaries::add(const std::string& kiosk_id, const Record& r, const nlohmann::json& answers) {
    add_parsed(kiosk_id, r, answers);
}

template <class J>
void Summaries::add_parsed(const std::string& kiosk_id, const Record& r, const J& a) {
    const std::string venue = r.has_session ? r.session_venue : "";
    const std::string key = r.has_session ? session_key(r.session_event, r.session_venue, r.session_started_utc) : "";
    Dims d{r.survey_id, r.survey_version, r.created_utc.substr(0, 10), venue, key};
    if (r.has_session) sessions_.emplace(key, std::make_tuple(r.session_event, r.session_venue, r.session_started_utc));
    Group& g = groups_[d];
    ++g.responses;
    if (a.is_discarded() || !a.is_object()) {
        ++g.bad;
        return;
    }
    // Where the answer comes in record order (created_utc, kiosk, seq), then its place in the record: the order
    // results::add meets values in, so questions and values the survey does not list keep their first-seen order.
    char seq[24];
    std::snprintf(seq, sizeof seq, "%020lld", static_cast<long long>(r.seq));
    const std::string at = r.created_utc + '\x01' + kiosk_id + '\x01' + seq + '\x01';
    auto bump = [&](const std::string& q, const char* kind, const std::string& value, std::int64_t pos) {
        char p[24];
        std::snprintf(p, sizeof p, "%012lld", static_cast<long long>(pos));
        Tally& t = answers_[{d, q, kind, value}];
        const std::string first = at + p;
        if (t.n++ == 0 || first < t.first) t.first = first;
    };
    auto text = [&](const std::string& q, const char* kind, const std::string& s, std::int64_t pos) {
        texts_.push_back({kiosk_id, r.uuid, r.seq, d, r.created_utc, q, kind, s, pos, results::needs_review(s)});
    };
    std::string with_selected;
    std::int64_t pos = 0;
    for (const auto& [q, v] : a.items()) {
        ++pos;
        if (v.is_number_integer()) {
            bump(q, "i", std::to_string(v.template get<std::int64_t>()), pos * 100000);
        } else if (v.is_string()) {
            const std::string& s = v.template get_ref<const std::string&>();
            if (id_like(s)) bump(q, "s", s, pos * 100000);
            else {
                bump(q, "t", "", pos * 100000);
                if (!s.empty()) text(q, "t", s, pos);
            }
        } else if (v.is_object()) {
            auto sel = v.find("selected");
            if (sel != v.end() && sel->is_array()) {
                std::set<std::string> seen;
                std::int64_t k = 0;
                for (const auto& id : *sel) {
                    ++k;
                    if (!id.is_string()) continue;
                    const std::string& s = id.template get_ref<const std::string&>();
                    bump(q, "o", s, pos * 100000 + k);
                    if (seen.insert(s).second) bump(q, "u", s, pos * 100000 + k);
                }
                if (!seen.empty()) {
                    bump(q, "a", "", pos * 100000);
                    with_selected += (with_selected.empty() ? "" : "\n") + q;
                }
            }
            auto other = v.find("other");
            if (other != v.end() && other->is_string() && !other->template get_ref<const std::string&>().empty())
                text(q, "o", other->template get<std::string>(), pos);
        }
    }
    if (!with_selected.empty()) bump("", "S", with_selected, 0);
}

namespace {

// Multi-row statements of up to `per` rows of `cols` parameters each.
template <class It, class F>
void insert_rows(sql::Conn& c, const std::string& head, const std::string& tail, std::size_t cols, It begin, It end,
                 F params_of) {
    constexpr std::size_t per = 100;
    while (begin != end) {
        std::string s = head;
        std::vector<sql::Param> p;
        std::size_t n = 0;
        for (; begin != end && n < per; ++begin, ++n) {
            s += n ? ", (" : "(";
            for (std::size_t k = 1; k <= cols; ++k) s += (k > 1 ? ", $" : "$") + std::to_string(p.size() + k);
            s += ")";
            params_of(*begin, p);
        }
        c.run(s + tail, p);
    }
}

void push_dims(const std::tuple<std::string, std::int64_t, std::string, std::string, std::string>& d,
               std::vector<sql::Param>& p) {
    p.emplace_back(std::get<0>(d));
    p.emplace_back(std::get<1>(d));
    p.emplace_back(std::get<2>(d));
    p.emplace_back(std::get<3>(d));
    p.emplace_back(std::get<4>(d));
}

}  // namespace

void Summaries::write(sql::Conn& c) const {
    const bool pg = c.dialect() == sql::Dialect::Postgres;
    insert_rows(c, "INSERT INTO dash_sessions(session_key, event, venue, started_utc) VALUES ",
                " ON CONFLICT (session_key) DO NOTHING", 4, sessions_.begin(), sessions_.end(),
                [](const auto& e, std::vector<sql::Param>& p) {
                    p.emplace_back(e.first);
                    p.emplace_back(std::get<0>(e.second));
                    p.emplace_back(std::get<1>(e.second));
                    p.emplace_back(std::get<2>(e.second));
                });
    insert_rows(c, "INSERT INTO dash_groups(survey_id, survey_version, day, venue, session_key, responses, bad) VALUES ",
                " ON CONFLICT (survey_id, survey_version, day, venue, session_key) DO UPDATE SET"
                " responses = dash_groups.responses + excluded.responses, bad = dash_groups.bad + excluded.bad",
                7, groups_.begin(), groups_.end(), [](const auto& e, std::vector<sql::Param>& p) {
                    push_dims(e.first, p);
                    p.emplace_back(e.second.responses);
                    p.emplace_back(e.second.bad);
                });
    insert_rows(c,
                "INSERT INTO dash_answers(survey_id, survey_version, day, venue, session_key, question, kind, value, n,"
                " first_seen) VALUES ",
                std::string(" ON CONFLICT (survey_id, survey_version, day, venue, session_key, question, kind, value)"
                            " DO UPDATE SET n = dash_answers.n + excluded.n, first_seen = ") +
                    (pg ? "LEAST(dash_answers.first_seen COLLATE \"C\", excluded.first_seen)"
                        : "MIN(dash_answers.first_seen, excluded.first_seen)"),
                10, answers_.begin(), answers_.end(), [](const auto& e, std::vector<sql::Param>& p) {
                    push_dims(std::get<0>(e.first), p);
                    p.emplace_back(std::get<1>(e.first));
                    p.emplace_back(std::get<2>(e.first));
                    p.emplace_back(std::get<3>(e.first));
                    p.emplace_back(e.second.n);
                    p.emplace_back(e.second.first);
                });
    insert_rows(c,
                "INSERT INTO dash_texts(kiosk_id, uuid, seq, survey_id, survey_version, day, venue, session_key,"
                " created_utc, question, pos, kind, text, flagged) VALUES ",
                "", 14, texts_.begin(), texts_.end(), [](const Text& t, std::vector<sql::Param>& p) {
                    p.emplace_back(t.kiosk_id);
                    p.emplace_back(t.uuid);
                    p.emplace_back(t.seq);
                    push_dims(t.dims, p);
                    p.emplace_back(t.created_utc);
                    p.emplace_back(t.question);
                    p.emplace_back(t.pos);
                    p.emplace_back(t.kind);
                    p.emplace_back(t.text);
                    p.emplace_back(std::int64_t{t.flagged ? 1 : 0});
                });
}

namespace {

// What backfill and fold_queued read of a record, and the Record the summaries are made from.
constexpr const char* kRecordCols = "r.id, r.kiosk_id, r.uuid, r.seq, r.survey_id, r.survey_version, r.created_utc,"
                                    " r.session_id, r.session_event, r.session_venue, r.session_started_utc, r.answers";

void add_row(Summaries& s, const sql::Row& row) {
    auto str = [&](std::size_t i) { return row[i].value_or(""); };
    Record r;
    r.uuid = str(2);
    r.seq = std::stoll(str(3));
    r.survey_id = str(4);
    r.survey_version = std::stoll(str(5));
    r.created_utc = str(6);
    r.has_session = row[7].has_value();
    r.session_event = str(8);
    r.session_venue = str(9);
    r.session_started_utc = str(10);
    r.answers_json = str(11);
    s.add(str(1), r);
}

}  // namespace

void backfill(sql::Conn& c) {
    constexpr std::int64_t kChunk = 10000;  // ids per read: a few MiB of answers at a time
    // Fresh statistics first: records loaded in bulk may have none yet, and the planner could then scan the
    // whole table for every chunk.
    if (c.dialect() == sql::Dialect::Postgres) c.run("ANALYZE records");
    const auto range = c.run("SELECT MIN(id), MAX(id) FROM records").rows;
    if (range.empty() || !range[0][0] || !range[0][1]) return;
    const std::int64_t last = std::stoll(*range[0][1]);
    for (std::int64_t from = std::stoll(*range[0][0]); from <= last; from += kChunk) {
        const auto rows = c.run(std::string("SELECT ") + kRecordCols +
                                    " FROM records r WHERE r.id >= $1 AND r.id < $2 ORDER BY r.id",
                                {from, from + kChunk}).rows;
        Summaries s;
        for (const auto& row : rows) add_row(s, row);
        s.write(c);
    }
}

std::int64_t fold_queued(sql::Conn& c, std::size_t limit) {
    const bool pg = c.dialect() == sql::Dialect::Postgres;
    const auto queued = c.run("SELECT record_id FROM dash_queue ORDER BY record_id LIMIT " + std::to_string(limit) +
                                  (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                              {}).rows;
    if (queued.empty()) return 0;
    // 100 ids per statement, padded with 0 (no record has it): one statement text, prepared once per connection.
    constexpr std::size_t kPer = 100;
    std::string in;
    for (std::size_t k = 1; k <= kPer; ++k) in += (k > 1 ? ", $" : "$") + std::to_string(k);
    Summaries s;
    for (std::size_t at = 0; at < queued.size(); at += kPer) {
        std::vector<sql::Param> ids(kPer, sql::Param(std::int64_t{0}));
        for (std::size_t k = 0; k < kPer && at + k < queued.size(); ++k)
            ids[k] = static_cast<std::int64_t>(std::stoll(queued[at + k][0].value_or("0")));
        for (const auto& row : c.run(std::string("SELECT ") + kRecordCols + " FROM records r WHERE r.id IN (" + in +
                                         ") ORDER BY r.id",
                                     ids).rows)
            add_row(s, row);
        c.run("DELETE FROM dash_queue WHERE record_id IN (" + in + ")", ids);
    }
    if (!s.empty()) s.write(c);
    return static_cast<std::int64_t>(queued.size());
}

}  // namespace engage::hub::dash
