// Published surveys on the kiosk: see engage/published.h and docs/sync-protocol.md, "Published surveys".
#include "engage/published.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engage/json_depth.h"
#include "engage/log.h"
#include "engage/survey.h"

namespace engage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMaxListDepth = 64;

bool safe_id(const std::string& id) {
    if (id.empty() || id.size() > 64 || id[0] == '.') return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-' || c == '.';
    });
}

std::string file_name(const std::string& id, long long version) {
    return id + "-v" + std::to_string(version) + ".json";
}

// Writes `text` to `path` aside, fsync'd, renamed, the folder fsync'd. "" or why not.
std::string write_atomically(const std::string& dir, const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return tmp + ": " + std::strerror(errno);
    std::size_t done = 0;
    int err = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        return path + ": " + std::strerror(err);
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return "";
}

std::string setting_or_empty(const Store& store, const char* key) {
    try {
        return store.setting(key).value_or("");
    } catch (const std::exception&) {
        return "";
    }
}

// (id, version) of a held file's name "<id>-v<N>.json"; false for anything else.
bool parse_file_name(const std::string& name, std::string& id, long long& version) {
    if (name.size() < 9 || name.compare(name.size() - 5, 5, ".json") != 0) return false;
    const std::string stem = name.substr(0, name.size() - 5);
    const auto v = stem.rfind("-v");
    if (v == std::string::npos || v == 0 || v + 2 >= stem.size()) return false;
    const std::string num = stem.substr(v + 2);
    if (num.size() > 10 || !std::all_of(num.begin(), num.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    id = stem.substr(0, v);
    version = std::stoll(num);
    return safe_id(id);
}

bool same_file(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    std::error_code ec;
    return fs::equivalent(a, b, ec) || a == b;
}

}  // namespace

std::string hub_survey_dir(const std::string& data_dir) { return (fs::path(data_dir) / "surveys" / "hub").string(); }

SurveyListResult apply_survey_list(Store& store, const std::string& data_dir, const std::string& body) {
    SurveyListResult res;
    auto refuse = [&](const std::string& why) {
        res.error = why;
        log_warn("Published surveys: the hub's list was refused: " + why + "; the kiosk keeps the surveys it has");
        return res;
    };
    if (body.size() > kSurveyListMaxBytes)
        return refuse("the reply is larger than " + std::to_string(kSurveyListMaxBytes >> 20) + " MiB");
    if (json_depth(body, kMaxListDepth) > kMaxListDepth)
        return refuse("the reply is nested deeper than " + std::to_string(kMaxListDepth) + " levels");
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return refuse("the reply is not JSON (a captive portal or a proxy may be in the way)");
    if (!j.is_object() || j.value("hub", json()) != "engage-hub" || !j.contains("surveys"))
        return refuse("the reply is not from an Engage hub");
    if (j.value("protocol", json()) != 1) return refuse("the reply is for another protocol version");
    const json& list = j["surveys"];
    if (!list.is_array()) return refuse("\"surveys\" is not a list");
    if (list.size() > kSurveyListMaxSurveys)
        return refuse("more than " + std::to_string(kSurveyListMaxSurveys) + " surveys in the list");

    const std::string dir = hub_survey_dir(data_dir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        res.retry = true;
        return refuse("the folder " + dir + " cannot be made: " + ec.message());
    }
    const std::string live = setting_or_empty(store, kSettingSurveyPath);
    std::string pending = setting_or_empty(store, kSettingSurveySwitch);
    std::string live_id;
    if (!live.empty())
        if (const SurveyLoad l = load_survey_file(live); l.ok()) live_id = l.survey->id;

    std::map<std::string, long long> listed;  // id -> version the hub lists (valid or not)
    std::map<std::string, long long> usable;  // id -> version held and valid after this list
    std::vector<std::string> fresh;           // files stored now, in list order
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json& e = list[i];
        const std::string where = "surveys[" + std::to_string(i) + "]";
        auto problem = [&](const std::string& what) {
            res.problems.push_back(where + ": " + what);
            log_warn("Published surveys: " + where + ": " + what + "; not used");
        };
        if (!e.is_object()) {
            problem("not an object");
            continue;
        }
        const json id_j = e.value("id", json()), ver_j = e.value("version", json());
        if (!id_j.is_string() || !safe_id(id_j.get<std::string>())) {
            problem("the id is not 1 to 64 letters, digits, '_', '-' or '.'");
            continue;
        }
        if (!ver_j.is_number_integer() || ver_j.get<long long>() < 1 || ver_j.get<long long>() > 2147483647) {
            problem("the version is not a whole number from 1");
            continue;
        }
        const std::string id = id_j.get<std::string>();
        const long long version = ver_j.get<long long>();
        if (listed.count(id)) {
            problem("survey '" + id + "' is listed twice");
            continue;
        }
        listed[id] = version;
        const std::string name = "survey '" + id + "' version " + std::to_string(version);
        if (!e.contains("survey") || !e["survey"].is_object()) {
            problem(name + ": no survey in it");
            continue;
        }
        const std::string text = e["survey"].dump(2, ' ', false, json::error_handler_t::replace) + "\n";
        const SurveyLoad load = parse_survey(text);
        if (!load.ok()) {
            for (const auto& p : load.problems) problem(name + ": " + p.str());
            continue;
        }
        if (load.survey->id != id || load.survey->version != version) {
            problem(name + ": the file inside is survey '" + load.survey->id + "' version " +
                    std::to_string(load.survey->version));
            continue;
        }
        const std::string path = (fs::path(dir) / file_name(id, version)).string();
        const SurveyLoad held = load_survey_file(path);
        if (held.ok() && held.survey->id == id && held.survey->version == version) {
            usable[id] = version;  // already here (a survey's content never changes within a version)
            continue;
        }
        if (const std::string why = write_atomically(dir, path, text); !why.empty()) {
            res.retry = true;
            problem(name + ": could not be stored (" + why + ")");
            continue;
        }
        usable[id] = version;
        fresh.push_back(path);
        res.added.push_back(id + " v" + std::to_string(version));
        log_info("Published survey stored: " + name + " (" + path + ")");
    }

    // What goes live next: a new version of the survey running, else the first new one in the list.
    for (const auto& f : fresh) {
        std::string id;
        long long v = 0;
        parse_file_name(fs::path(f).filename().string(), id, v);
        if (res.switch_to.empty() || id == live_id) res.switch_to = f;
        if (id == live_id) break;
    }
    if (!res.switch_to.empty()) {
        try {
            store.set_setting(kSettingSurveySwitch, res.switch_to);
            pending = res.switch_to;
        } catch (const std::exception& e) {
            res.retry = true;
            log_warn(std::string("Published surveys: could not note the survey to go live: ") + e.what());
            res.switch_to.clear();
        }
    }

    // A survey waiting to go live that is no longer published (or was replaced) does not go live.
    if (std::string pid; !pending.empty() && res.switch_to.empty()) {
        long long pv = 0;
        const bool from_hub = fs::path(pending).parent_path() == fs::path(dir);
        if (from_hub && (!parse_file_name(fs::path(pending).filename().string(), pid, pv) || !usable.count(pid) ||
                         usable[pid] != pv)) {
            try {
                store.clear_setting(kSettingSurveySwitch);
                pending.clear();
            } catch (const std::exception&) {
            }
        }
    }

    // Files of surveys no longer published, and older versions of those held anew, go; the one held for a listed
    // survey whose new version was refused stays, and so do the live one and the one waiting to go live.
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string id;
        long long v = 0;
        const std::string path = it->path().string();
        if (!parse_file_name(it->path().filename().string(), id, v)) continue;
        const auto u = usable.find(id);
        const bool keep = (u != usable.end() && u->second == v) ||
                          (listed.count(id) && u == usable.end()) ||  // its new version was refused: keep the old
                          same_file(path, live) || same_file(path, pending);
        if (keep) continue;
        std::error_code rm;
        if (fs::remove(path, rm)) {
            res.removed.push_back(id + " v" + std::to_string(v));
            log_info("Published survey removed (no longer published to this kiosk): " + path);
        }
    }
    res.ok = true;
    return res;
}

const char* source_name(SurveySource s) {
    switch (s) {
        case SurveySource::Bundled: return "bundled";
        case SurveySource::Hub: return "hub";
        case SurveySource::Local: return "local file";
    }
    return "";
}

SurveySource survey_source(const std::string& path, const std::string& data_dir, const std::string& assets_dir) {
    std::error_code ec;
    const fs::path p = fs::weakly_canonical(path, ec).parent_path();
    if (p == fs::weakly_canonical(hub_survey_dir(data_dir), ec)) return SurveySource::Hub;
    if (p == fs::weakly_canonical(fs::path(assets_dir) / "surveys", ec)) return SurveySource::Bundled;
    return SurveySource::Local;
}

std::string live_survey_path(const Store& store, const std::string& data_dir, const std::string& assets_dir,
                             const std::string& config_survey) {
    const std::string chosen = setting_or_empty(store, kSettingSurveyPath);
    std::error_code ec;
    if (!chosen.empty() && survey_source(chosen, data_dir, assets_dir) == SurveySource::Hub &&
        fs::is_regular_file(chosen, ec))
        return chosen;
    if (!config_survey.empty()) return config_survey;
    if (!chosen.empty()) return chosen;
    return (fs::path(assets_dir) / "surveys" / "demo.json").string();
}

std::vector<HeldSurvey> held_surveys(const Store& store, const std::string& data_dir, const std::string& assets_dir,
                                     const std::string& config_survey, std::string live_path) {
    if (live_path.empty()) live_path = live_survey_path(store, data_dir, assets_dir, config_survey);
    const std::string next = setting_or_empty(store, kSettingSurveySwitch);
    std::vector<std::string> paths;
    for (const fs::path& dir : {fs::path(assets_dir) / "surveys", fs::path(data_dir) / "surveys",
                               fs::path(hub_survey_dir(data_dir))}) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".json" && it->is_regular_file(ec)) paths.push_back(it->path().string());
    }
    for (const std::string& extra : {live_path, config_survey})  // wherever they are
        if (!extra.empty() &&
            std::none_of(paths.begin(), paths.end(), [&](const std::string& p) { return same_file(p, extra); }))
            paths.push_back(extra);
    std::vector<HeldSurvey> out;
    for (const auto& p : paths) {
        HeldSurvey h;
        h.path = p;
        h.source = survey_source(p, data_dir, assets_dir);
        h.live = same_file(p, live_path);
        h.next = same_file(p, next);
        const SurveyLoad r = load_survey_file(p);
        if (r.ok()) {
            h.id = r.survey->id;
            h.version = r.survey->version;
            h.title = r.survey->title.get(r.survey->default_language());
        } else {
            h.problem = r.problems.empty() ? "cannot be read" : r.problems.front().str();
        }
        out.push_back(std::move(h));
    }
    std::sort(out.begin(), out.end(), [](const HeldSurvey& a, const HeldSurvey& b) {
        return std::tie(a.source, a.id, a.version, a.path) < std::tie(b.source, b.id, b.version, b.path);
    });
    return out;
}

}  // namespace engage
