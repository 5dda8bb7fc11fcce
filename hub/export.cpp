// engage-hub export: CSV and JSON, with the small-number rule for exports meant for sharing (hub/export.h).
#include "export.h"

#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "engage/config.h"
#include "engage/storage.h"

namespace engage::hub {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // answers keep their stored (survey) order

bool selected_shape(const json& v) {
    if (!v.is_object()) return false;
    auto it = v.find("selected");
    return it != v.end() && it->is_array();
}

json parse_answers(const std::string& text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() ? j : json::object();
}

// ---- the question columns ------------------------------------------------------------------------
// Per question: a value column (numbers, option ids, text), then one 0/1 column per option of a multi /
// needs question, then its Other text. Seeded from the survey definitions; whatever the answers hold that the
// definitions do not (another version, an unknown survey) is added in first-seen order.
struct Group {
    std::string id;
    bool value = false;
    std::vector<std::string> options;
    bool other = false;

    void option(const std::string& o) {
        if (std::find(options.begin(), options.end(), o) == options.end()) options.push_back(o);
    }
};

class Layout {
public:
    Group& group(const std::string& id) {
        auto it = index_.find(id);
        if (it != index_.end()) return groups_[it->second];
        index_.emplace(id, groups_.size());
        groups_.push_back(Group{id, false, {}, false});
        return groups_.back();
    }

    void seed(const Survey& s) {
        for (const Question& q : s.questions) {
            if (q.type == QuestionType::Note) continue;  // words only: no column
            Group& g = group(q.id);
            if (q.type == QuestionType::Multi || q.type == QuestionType::Needs) {
                const auto& opts = q.options;
                if (!opts.empty())
                    for (const auto& o : opts) g.option(o.id);
                else
                    for (const auto& o : builtin_option_ids(q.type)) g.option(o);
            } else {
                g.value = true;  // a choice's Other (allow_other): "other" here, its words in "question:other"
            }
            if (q.allow_other) g.other = true;
        }
    }

    void see(const json& answers) {
        for (const auto& [key, v] : answers.items()) {
            Group& g = group(key);
            if (selected_shape(v)) {
                for (const auto& o : v["selected"])
                    if (o.is_string() && o.get<std::string>() != kOtherOptionId) g.option(o.get<std::string>());
                    else if (o.is_string()) g.other = true;  // Other is its text column, "question:other"
                if (v.contains("other")) g.other = true;
            } else {
                g.value = true;
            }
        }
    }

    const std::vector<Group>& groups() const { return groups_; }

    std::vector<std::string> headers() const {
        std::vector<std::string> out(std::begin(kExportFixedColumns), std::end(kExportFixedColumns));
        const std::set<std::string> fixed(out.begin(), out.end());
        for (const auto& g : groups_) {
            // A question called "venue" must not look like the fixed column.
            const std::string name = fixed.count(g.id) ? "answer:" + g.id : g.id;
            if (g.value) out.push_back(name);
            for (const auto& o : g.options) out.push_back(name + ":" + o);
            if (g.other) out.push_back(name + ":other");
        }
        return out;
    }

private:
    std::vector<Group> groups_;
    std::map<std::string, std::size_t> index_;
};

// ---- shareable: small groups and free text ---------------------------------------------------------
std::string session_of(const RecordRow& r) {
    return r.session_event + '\n' + r.session_venue + '\n' + r.session_started_utc;
}

class Sharing {
public:
    Sharing(const std::vector<RecordRow>& rows, const ExportOptions& o) : on_(o.shareable) {
        min_ = results::clamp_min_count(o.min_count);
        if (!on_) return;
        for (const auto& r : rows) {
            ++venues_[r.session_venue];
            if (r.has_session) ++sessions_[session_of(r)];
        }
        for (const auto& t : o.reviews) decisions_[{t.kiosk_id, t.record_uuid, t.question}] = t.decision;
    }

    bool include(const RecordRow& r) const {
        if (!on_) return true;
        if (results::suppressed(venues_.at(r.session_venue), min_)) return false;
        return !(r.has_session && results::suppressed(sessions_.at(session_of(r)), min_));
    }

    // The text as it may be shown (kHeldBack when it must wait for an organiser's review).
    std::string text(const RecordRow& r, const std::string& question, const std::string& t, ExportReport& rep) const {
        if (!on_ || t.empty()) return t;
        auto d = decisions_.find({r.kiosk_id, r.uuid, question});
        const std::string decision = d == decisions_.end() ? "" : d->second;
        if (decision == "approved") return t;
        if (decision == "hidden" || results::needs_review(t)) {
            ++rep.held_back;
            return kHeldBack;
        }
        return t;
    }

    void notes(ExportReport& rep) const {
        if (!on_) return;
        const std::string fewer = "fewer than " + std::to_string(min_) + " responses";
        for (const auto& [venue, n] : venues_)
            if (results::suppressed(n, min_))
                rep.notes.push_back("left out venue \"" + (venue.empty() ? std::string("(none)") : venue) + "\": " +
                                    fewer + " (small-number rule)");
        for (const auto& [key, n] : sessions_) {
            if (!results::suppressed(n, min_)) continue;
            const auto a = key.find('\n'), b = key.find('\n', a + 1);
            const std::string venue = key.substr(a + 1, b - a - 1);
            if (results::suppressed(venues_.at(venue), min_)) continue;  // already said
            rep.notes.push_back("left out session \"" + key.substr(0, a) + "\" at \"" + venue + "\" started " +
                                key.substr(b + 1) + ": " + fewer + " (small-number rule)");
        }
    }

    bool on() const { return on_; }

private:
    bool on_;
    int min_ = results::kDefaultMinCount;
    std::map<std::string, std::int64_t> venues_, sessions_;
    std::map<std::tuple<std::string, std::string, std::string>, std::string> decisions_;  // (kiosk, uuid, question)
};

std::string value_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- CSV ---------------------------------------------------------------------------------------------
void csv_line(std::ostream& out, const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out << ',';
        out << csv_cell(cells[i]);
    }
    out << "\r\n";
}

std::vector<std::string> fixed_cells(const RecordRow& r, bool shareable) {
    return {r.uuid,
            r.kiosk_name,
            r.session_venue,
            r.session_event,
            r.session_started_utc,
            shareable ? r.created_utc.substr(0, 10) : r.created_utc,
            r.language,
            r.survey_id,
            std::to_string(r.survey_version)};
}

// A single choice's {"selected": ["other"], ...}: its one id, for the value column.
std::string one_selected(const json& v) {
    const json& sel = v["selected"];
    return sel.size() == 1 && sel[0].is_string() ? sel[0].get<std::string>() : "";
}

void write_csv(std::ostream& out, const std::vector<const RecordRow*>& kept,
               const Layout& layout, const Sharing& sharing, ExportReport& rep,
               const std::function<void(std::size_t, std::size_t)>& progress) {
    out << "\xEF\xBB\xBF";
    csv_line(out, layout.headers());
    std::vector<std::string> cells;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        const RecordRow& r = *kept[i];
        cells = fixed_cells(r, sharing.on());
        const json a = parse_answers(r.answers);
        for (const auto& g : layout.groups()) {
            auto it = a.find(g.id);
            const bool has = it != a.end();
            const bool sel = has && selected_shape(*it);
            if (g.value) cells.push_back(!has ? "" : !sel ? sharing.text(r, g.id, value_text(*it), rep)
                                                          : g.options.empty() ? one_selected(*it) : "");
            for (const auto& o : g.options) {
                if (!sel) {
                    cells.emplace_back();
                    continue;
                }
                bool on = false;
                for (const auto& s : (*it)["selected"]) on = on || (s.is_string() && s.get<std::string>() == o);
                cells.push_back(on ? "1" : "0");
            }
            if (g.other) {
                std::string t;
                if (sel) {
                    auto other = it->find("other");
                    if (other != it->end()) t = sharing.text(r, g.id, value_text(*other), rep);
                }
                cells.push_back(t);
            }
        }
        csv_line(out, cells);
        ++rep.rows;
        if (progress && (i + 1) % 1000 == 0) progress(i + 1, kept.size());
    }
}

// ---- JSON ----------------------------------------------------------------------------------------------
json opt_json(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

void write_json(std::ostream& out, const std::vector<const RecordRow*>& kept, const ExportOptions& o,
                const Sharing& sharing, ExportReport& rep, const std::function<void(std::size_t, std::size_t)>& progress) {
    const auto& f = o.filters;
    json head = json::object();
    head["exported_utc"] = o.exported_utc.empty() ? engage::utc_seconds_now() : o.exported_utc;
    head["filters"] = json{{"venue", opt_json(f.venue)},
                           {"since", opt_json(f.since)},
                           {"until", opt_json(o.until_day ? o.until_day : f.until)},
                           {"survey_id", opt_json(f.survey_id)},
                           {"survey_version", f.survey_version ? json(*f.survey_version) : json(nullptr)},
                           {"session", opt_json(f.session)}};
    head["shareable"] = o.shareable;
    head["min_count"] = results::clamp_min_count(o.min_count);
    std::string h = head.dump(-1, ' ', false, json::error_handler_t::replace);
    h.pop_back();  // the closing brace: "responses" follows, one response a line
    out << h << ",\"responses\":[";
    for (std::size_t i = 0; i < kept.size(); ++i) {
        const RecordRow& r = *kept[i];
        auto s = [&](const std::string& v) { return r.has_session ? json(v) : json(nullptr); };
        json a = parse_answers(r.answers);
        if (sharing.on())
            for (auto& [key, v] : a.items()) {
                if (v.is_string()) v = sharing.text(r, key, v.get<std::string>(), rep);
                else if (selected_shape(v) && v.contains("other") && v["other"].is_string())
                    v["other"] = sharing.text(r, key, v["other"].get<std::string>(), rep);
            }
        json j = json{{"response_id", r.uuid},
                      {"kiosk", r.kiosk_name},
                      {"hub_kiosk_id", r.hub_kiosk},
                      {"venue", s(r.session_venue)},
                      {"event", s(r.session_event)},
                      {"session_started_utc", s(r.session_started_utc)},
                      {"created_utc", sharing.on() ? r.created_utc.substr(0, 10) : r.created_utc},
                      {"language", r.language},
                      {"survey_id", r.survey_id},
                      {"survey_version", r.survey_version},
                      {"answers", std::move(a)}};
        if (!sharing.on()) j["received_utc"] = r.received_utc;
        out << (i ? ",\n" : "\n") << j.dump(-1, ' ', false, json::error_handler_t::replace);
        ++rep.rows;
        if (progress && (i + 1) % 1000 == 0) progress(i + 1, kept.size());
    }
    out << "\n]}\n";
}

// ---- dates -------------------------------------------------------------------------------------------
bool digits(const std::string& s, std::size_t at, std::size_t n) {
    for (std::size_t i = at; i < at + n; ++i)
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    return true;
}

int to_int(const std::string& s, std::size_t at, std::size_t n) { return std::stoi(s.substr(at, n)); }

}  // namespace

// ---- ExportSurveys -------------------------------------------------------------------------------------
bool ExportSurveys::load_dir(const std::string& dir, std::vector<std::string>& problems) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        problems.push_back(dir + ": not a folder");
        return false;
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".json") files.push_back(it->path());
    if (ec) {
        problems.push_back(dir + ": " + ec.message());
        return false;
    }
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
        auto l = load_survey_file(p.string());
        if (l.ok()) add(std::move(*l.survey));
        else problems.push_back(p.string() + ": not a valid survey (" + l.problems.front().str() + "); skipped");
    }
    return true;
}

void ExportSurveys::add(Survey s) {
    const std::pair<std::string, std::int64_t> key{s.id, s.version};
    by_version_.insert_or_assign(key, std::move(s));
}

const Survey* ExportSurveys::find(const std::string& id, std::int64_t version) const {
    auto it = by_version_.find({id, version});
    if (it != by_version_.end()) return &it->second;
    const Survey* newest = nullptr;
    for (const auto& [key, s] : by_version_)
        if (key.first == id) newest = &s;  // ordered by version: the last is the newest
    return newest;
}

// ---- export ------------------------------------------------------------------------------------------
std::string csv_cell(const std::string& cell) {
    const std::string c = results::neutralise_cell(cell);
    if (c.find_first_of(",\"\r\n") == std::string::npos) return c;
    std::string out = "\"";
    for (char ch : c) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

void write_export(std::ostream& out, const std::vector<RecordRow>& rows, const ExportSurveys& surveys,
                  const ExportOptions& options, ExportReport& report,
                  const std::function<void(std::size_t, std::size_t)>& progress) {
    const Sharing sharing(rows, options);
    std::vector<const RecordRow*> kept;
    kept.reserve(rows.size());
    for (const auto& r : rows) {
        if (sharing.include(r)) kept.push_back(&r);
        else ++report.left_out;
    }
    sharing.notes(report);

    if (options.format == ExportFormat::Json) {
        write_json(out, kept, options, sharing, report, progress);
    } else {
        // Columns: the surveys in the export (by id, then version), then what the answers hold besides.
        Layout layout;
        std::set<std::pair<std::string, std::int64_t>> used;
        for (const RecordRow* r : kept) used.insert({r->survey_id, r->survey_version});
        std::set<const Survey*> seeded;
        for (const auto& [id, version] : used)
            if (const Survey* s = surveys.find(id, version); s && seeded.insert(s).second) layout.seed(*s);
        for (const RecordRow* r : kept) layout.see(parse_answers(r->answers));
        write_csv(out, kept, layout, sharing, report, progress);
    }
    if (report.held_back)
        report.notes.push_back(std::to_string(report.held_back) + " free-text answer" +
                               (report.held_back == 1 ? "" : "s") + " held back: they may name or contact someone " +
                               "(approve them on the dashboard to include them)");
}

bool valid_export_date(const std::string& s, bool allow_time) {
    if (s.size() < 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
        return false;
    const int y = to_int(s, 0, 4), m = to_int(s, 5, 2), d = to_int(s, 8, 2);
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
    if (s.size() == 10) return true;
    if (!allow_time) return false;
    // THH:MMZ or THH:MM:SSZ
    if (s[10] != 'T' || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2)) return false;
    if (to_int(s, 11, 2) > 23 || to_int(s, 14, 2) > 59) return false;
    if (s.size() == 17) return s[16] == 'Z';
    return s.size() == 20 && s[16] == ':' && digits(s, 17, 2) && to_int(s, 17, 2) <= 59 && s[19] == 'Z';
}

std::string next_day(const std::string& day) {
    std::tm tm{};
    tm.tm_year = to_int(day, 0, 4) - 1900;
    tm.tm_mon = to_int(day, 5, 2) - 1;
    tm.tm_mday = to_int(day, 8, 2) + 1;
    tm.tm_hour = 12;
    const std::time_t t = timegm(&tm);
    std::tm out{};
    gmtime_r(&t, &out);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &out);
    return buf;
}

int run_export(const ExportCommand& cmd) {
    auto usage = [](const std::string& what) {
        std::fprintf(stderr, "engage-hub export: %s\n", what.c_str());
        return 2;
    };
    ExportOptions o;
    if (cmd.format == "csv") o.format = ExportFormat::Csv;
    else if (cmd.format == "json") o.format = ExportFormat::Json;
    else return usage("--format \"" + cmd.format + "\": use csv or json");
    if (cmd.since && !valid_export_date(*cmd.since, true))
        return usage("--since \"" + *cmd.since + "\" is not a date: use YYYY-MM-DD (e.g. 2026-11-22) or a UTC time " +
                     "YYYY-MM-DDTHH:MMZ");
    if (cmd.until && !valid_export_date(*cmd.until, false))
        return usage("--until \"" + *cmd.until + "\" is not a date: use YYYY-MM-DD (e.g. 2026-11-22; that day is " +
                     "included)");
    if (cmd.since && cmd.until && cmd.since->substr(0, 10) > *cmd.until)
        return usage("--since " + *cmd.since + " is after --until " + *cmd.until);
    if (cmd.survey_version && *cmd.survey_version < 1) return usage("--survey-version must be 1 or more");
    o.shareable = cmd.shareable;
    o.min_count = results::clamp_min_count(cmd.min_count);
    if (cmd.min_count < results::kFloorMinCount)
        std::fprintf(stderr, "engage-hub export: --min-count %d raised to %d (it is never below %d)\n", cmd.min_count,
                     o.min_count, results::kFloorMinCount);

    RecordFilter& f = o.filters;
    f.venue = cmd.venue;
    f.since = cmd.since;
    f.survey_id = cmd.survey;
    f.survey_version = cmd.survey_version;
    f.session = cmd.session;
    if (cmd.until) {
        o.until_day = cmd.until;
        f.until = next_day(*cmd.until);  // the day given is included
    }

    ExportSurveys surveys;
    std::vector<std::string> problems;
    if (!cmd.surveys_dir.empty()) {
        if (!surveys.load_dir(cmd.surveys_dir, problems)) return usage("--surveys " + problems.front());
    } else {
        const std::string dir = engage::assets_dir() + "/surveys";
        std::error_code ec;
        if (fs::is_directory(dir, ec)) surveys.load_dir(dir, problems);
    }
    for (const auto& p : problems) std::fprintf(stderr, "engage-hub export: survey %s\n", p.c_str());

    std::vector<RecordRow> rows;
    try {
        auto store = HubStore::open(cmd.db, false);
        rows = store->query_records(f);
        if (o.shareable) o.reviews = store->text_reviews();
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub export: %s\n", e.what());
        return 1;
    }

    const bool to_stdout = cmd.out.empty() || cmd.out == "-";
    const std::string part = cmd.out + ".part";
    std::ofstream file;
    if (!to_stdout) {
        file.open(part, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::fprintf(stderr, "engage-hub export: cannot write %s\n", part.c_str());
            return 1;
        }
    }
    std::ostream& out = to_stdout ? std::cout : static_cast<std::ostream&>(file);

    const bool bar = isatty(STDERR_FILENO) && rows.size() > 10000;
    auto progress = [&](std::size_t done, std::size_t total) {
        if (!bar) return;
        const int width = 30, filled = static_cast<int>(width * done / std::max<std::size_t>(total, 1));
        std::fprintf(stderr, "\rexporting [%s%s] %zu / %zu", std::string(filled, '#').c_str(),
                     std::string(width - filled, ' ').c_str(), done, total);
        std::fflush(stderr);
    };
    ExportReport rep;
    write_export(out, rows, surveys, o, rep, progress);
    out.flush();
    if (bar) std::fprintf(stderr, "\r%60s\r", "");
    if (!out) {
        std::fprintf(stderr, "engage-hub export: writing %s failed (is the disk full?)\n",
                     to_stdout ? "to stdout" : part.c_str());
        if (!to_stdout) {
            file.close();
            std::remove(part.c_str());
        }
        return 1;
    }
    if (!to_stdout) {
        file.close();
        std::error_code ec;
        fs::rename(part, cmd.out, ec);
        if (!file || ec) {
            std::fprintf(stderr, "engage-hub export: cannot write %s: %s\n", cmd.out.c_str(),
                         ec ? ec.message().c_str() : "write failed");
            std::remove(part.c_str());
            return 1;
        }
    }
    for (const auto& n : rep.notes) std::fprintf(stderr, "engage-hub export: %s\n", n.c_str());
    std::fprintf(stderr, "engage-hub export: %zu response%s%s%s\n", rep.rows, rep.rows == 1 ? "" : "s",
                 to_stdout ? "" : " written to ", to_stdout ? "" : cmd.out.c_str());
    return 0;
}

}  // namespace engage::hub
