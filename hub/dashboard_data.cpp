// The dashboard's data: records from HubStore::query_records, filtered in memory.
#include "dashboard_data.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "store.h"

namespace engage::hub::dash {

using nlohmann::json;

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

std::string session_key(const std::string& event, const std::string& venue, const std::string& started) {
    return sha256_hex(event + '\n' + venue + '\n' + started).substr(0, 16);
}

Data load(HubStore& store, const SurveySet& surveys) {
    Data d;
    for (auto& row : store.query_records(RecordFilter{})) {
        Resp r;
        r.kiosk = std::move(row.kiosk_name);
        r.device = std::move(row.kiosk_id);
        r.uuid = std::move(row.uuid);
        r.created_utc = std::move(row.created_utc);
        r.language = std::move(row.language);
        r.survey_id = std::move(row.survey_id);
        r.version = static_cast<int>(row.survey_version);
        r.has_session = row.has_session;
        r.event = std::move(row.session_event);
        r.venue = std::move(row.session_venue);
        r.started = std::move(row.session_started_utc);
        r.answers = std::move(row.answers);
        if (r.has_session) r.session_key = session_key(r.event, r.venue, r.started);
        r.day = r.created_utc.substr(0, 10);
        d.all.push_back(std::move(r));
    }
    std::set<std::string> venues, survey_ids;
    std::set<int> versions;
    std::map<std::string, SessionInfo> sessions;
    for (const auto& r : d.all) {
        venues.insert(r.venue);
        survey_ids.insert(r.survey_id);
        versions.insert(r.version);
        if (r.has_session) sessions.emplace(r.session_key, SessionInfo{r.session_key, r.event, r.venue, r.started});
    }
    d.all_venues.assign(venues.begin(), venues.end());
    for (auto& [k, s] : sessions) d.all_sessions.push_back(std::move(s));
    std::sort(d.all_sessions.begin(), d.all_sessions.end(), [](const SessionInfo& a, const SessionInfo& b) {
        return std::tie(a.started, a.venue, a.event) < std::tie(b.started, b.venue, b.event);
    });
    for (const auto& id : survey_ids) d.all_surveys.emplace_back(id, surveys.title(id));
    d.all_versions.assign(versions.begin(), versions.end());
    for (std::size_t i = 0; i < d.all.size(); ++i) d.view.push_back(i);
    return d;
}

void apply(Data& d, const Filters& f) {
    d.view.clear();
    for (std::size_t i = 0; i < d.all.size(); ++i) {
        const Resp& r = d.all[i];
        if (!f.venue.empty() && r.venue != f.venue) continue;
        if (!f.session.empty() && r.session_key != f.session) continue;
        if (!f.from.empty() && r.day < f.from) continue;
        if (!f.to.empty() && r.day > f.to) continue;
        if (!f.survey.empty() && r.survey_id != f.survey) continue;
        if (!f.version.empty() && std::to_string(r.version) != f.version) continue;
        d.view.push_back(i);
    }
}

namespace {
bool id_like(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}
}  // namespace

std::vector<TextItem> extract_texts(const Data& d, const SurveySet& surveys, bool everything) {
    std::vector<TextItem> out;
    const std::size_t n = everything ? d.all.size() : d.view.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = everything ? k : d.view[k];
        const Resp& r = d.all[i];
        const json a = json::parse(r.answers, nullptr, false);
        if (a.is_discarded() || !a.is_object()) continue;
        const Survey* s = surveys.find(r.survey_id, r.version);
        for (const auto& [key, v] : a.items()) {
            const Question* q = s ? s->find(key) : nullptr;
            if (v.is_string()) {
                const std::string t = v.get<std::string>();
                const bool text = q ? q->type == QuestionType::Text : !id_like(t);
                if (text && !t.empty()) out.push_back({i, key, t});
            } else if (v.is_object()) {
                auto o = v.find("other");
                const bool options = !q || q->type == QuestionType::Multi || q->type == QuestionType::Needs;
                if (options && o != v.end() && o->is_string() && !o->get<std::string>().empty())
                    out.push_back({i, key, o->get<std::string>()});
            }
        }
    }
    return out;
}

}  // namespace engage::hub::dash
