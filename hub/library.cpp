// engage-hub survey add|list|show|retire: see library.h and docs/hub.md, "Survey library".
#include "library.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engage/bundle.h"
#include "engage/config.h"
#include "engage/kiosk_pack.h"
#include "engage/protocol.h"
#include "engage/survey.h"
#include "engage/xlsform.h"
#include "store.h"

namespace engage::hub {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

int fail(const char* cmd, const std::string& msg) {
    std::fprintf(stderr, "engage-hub survey %s: %s\n", cmd, msg.c_str());
    return 1;
}

bool is_xlsx(const std::string& file, const std::string& head) {
    const std::string ext = fs::path(file).extension().string();
    std::string e;
    for (char c : ext) e += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e == ".xlsx" || head.rfind("PK\x03\x04", 0) == 0;
}

// The file's bytes, at most `max` (+1 to tell "too large"); nullopt with `why`.
std::optional<std::string> read_bounded(const std::string& file, std::size_t max, std::string& why) {
    std::error_code ec;
    const auto st = fs::status(file, ec);
    if (st.type() == fs::file_type::not_found) return why = "no such file", std::nullopt;
    if (st.type() == fs::file_type::directory) return why = "it is a folder, not a file", std::nullopt;
    if (st.type() != fs::file_type::regular) return why = "not a regular file", std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) return why = "cannot be opened", std::nullopt;
    std::string buf(max + 1, '\0');
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) return why = "read error", std::nullopt;
    buf.resize(static_cast<std::size_t>(in.gcount()));
    return buf;
}

std::string canonical_hash(const std::string& definition) {
    return sha256_hex(json::parse(definition).dump());
}

// survey add; exceptions go to survey_add.
int add_file(const std::string& db, const std::string& file) {
    std::string why;
    auto bytes = read_bounded(file, kMaxXlsxBytes, why);
    if (!bytes) return fail("add", file + ": cannot read (" + why + "); nothing stored");
    const CheckedSurvey checked =
        check_survey_bytes(*bytes, fs::path(file).filename().string(), fs::path(file).parent_path().empty() ? "." : fs::path(file).parent_path().string());
    if (!checked.survey) {
        for (const auto& p : checked.problems) std::fprintf(stderr, "%s\n", p.c_str());
        return fail("add", file + ": " + std::to_string(checked.problems.size()) + " problem" +
                               (checked.problems.size() == 1 ? "" : "s") + "; nothing stored");
    }
    auto store = HubStore::open(db, true);
    bool ok = false;
    const std::string said = add_survey_outcome(checked, store->add_survey(*checked.survey), ok);
    if (!ok) return fail("add", file + ": " + said);
    std::printf("%s\n", said.c_str());
    return 0;
}

}  // namespace

CheckedSurvey check_survey_bytes(const std::string& bytes, const std::string& file_name, const std::string& base_dir) {
    CheckedSurvey out;
    std::vector<SurveyProblem> problems;
    std::optional<Survey> survey;
    std::string definition;
    if (is_xlsx(file_name, bytes.substr(0, 4))) {
        auto r = import_xlsform(bytes, file_name);
        problems = std::move(r.problems);
        survey = std::move(r.survey);
        definition = std::move(r.json);
    } else {
        // A folder gives the pictures beside the file; they are stored in the definition (self-contained).
        auto r = parse_survey(bytes, base_dir);
        problems = std::move(r.problems);
        survey = std::move(r.survey);
        if (survey) definition = embed_survey_media(bytes, *survey);
    }
    for (const auto& p : problems) out.problems.push_back(p.str());
    if (!survey) {
        if (out.problems.empty()) out.problems.push_back(file_name + ": not a survey");
        return out;
    }
    LibrarySurvey s;
    s.id = survey->id;
    s.version = survey->version;
    s.title = survey->title.get(survey->default_language());
    s.definition = definition;
    s.content_hash = canonical_hash(definition);
    s.source = file_name;
    out.survey = std::move(s);
    out.questions = survey->questions.size();
    for (const auto& l : survey->languages) out.languages += (out.languages.empty() ? "" : ", ") + l;
    return out;
}

std::string add_survey_outcome(const CheckedSurvey& c, const AddSurveyResult& r, bool& ok) {
    const LibrarySurvey& s = *c.survey;
    const std::string name = "'" + s.id + "' version " + std::to_string(s.version);
    ok = r.status == AddSurveyStatus::Added || r.status == AddSurveyStatus::Unchanged;
    switch (r.status) {
        case AddSurveyStatus::Added:
            return "Added survey " + name + " (" + std::to_string(c.questions) + " questions; languages " +
                   c.languages + ") from " + s.source + ".";
        case AddSurveyStatus::Unchanged:
            return "Survey " + name + " is already in the library with the same content; nothing changed.";
        case AddSurveyStatus::Changed:
            return "survey " + name + " is already in the library with different content; raise the version (to " +
                   std::to_string(r.latest + 1) + " or more); nothing stored";
        case AddSurveyStatus::NotRaised:
            return "survey " + name + " is older than the library's version " + std::to_string(r.latest) +
                   "; a new upload must raise the version (to " + std::to_string(r.latest + 1) +
                   " or more); nothing stored";
    }
    return "";
}

int survey_add(const std::string& db, const std::string& file) {
    try {
        return add_file(db, file);
    } catch (const DbError& e) {
        return fail("add", e.what());
    } catch (const std::exception& e) {
        return fail("add", file + ": " + e.what() + "; nothing stored");
    }
}

int survey_list(const std::string& db, bool as_json) {
    try {
        auto store = HubStore::open(db, false);
        const auto all = store->list_surveys(false);
        if (as_json) {
            json arr = json::array();
            for (const auto& s : all)
                arr.push_back({{"id", s.id}, {"version", s.version}, {"title", s.title}, {"source", s.source},
                               {"added_utc", s.added_utc},
                               {"retired_utc", s.retired() ? json(s.retired_utc) : json(nullptr)}});
            std::printf("%s\n", arr.dump(2, ' ', false, json::error_handler_t::replace).c_str());
            return 0;
        }
        if (all.empty()) {
            std::printf("No surveys yet: engage-hub survey add FILE --db %s\n", db.c_str());
            return 0;
        }
        std::printf("%-24s %-8s %-20s %-20s %s\n", "ID", "VERSION", "ADDED", "RETIRED", "TITLE");
        for (const auto& s : all)
            std::printf("%-24s %-8lld %-20s %-20s %s\n", s.id.c_str(), static_cast<long long>(s.version),
                        s.added_utc.c_str(), s.retired() ? s.retired_utc.c_str() : "no", s.title.c_str());
        return 0;
    } catch (const DbError& e) {
        return fail("list", e.what());
    }
}

int survey_show(const std::string& db, const std::string& id, std::optional<std::int64_t> version) {
    try {
        auto store = HubStore::open(db, false);
        auto s = store->get_survey(id, version);
        if (!s)
            return fail("show", "no survey '" + id + "'" + (version ? " version " + std::to_string(*version) : "") +
                                    " in the library (see engage-hub survey list)");
        std::printf("%s\n", s->definition.c_str());
        return 0;
    } catch (const DbError& e) {
        return fail("show", e.what());
    }
}

int survey_retire(const std::string& db, const std::string& id) {
    try {
        auto store = HubStore::open(db, false);
        if (!store->get_survey(id, std::nullopt))
            return fail("retire", "no survey '" + id + "' in the library (see engage-hub survey list)");
        if (!store->retire_survey(id)) {
            std::printf("Survey '%s' was already retired.\n", id.c_str());
            return 0;
        }
        std::printf("Retired survey '%s' (every version). Its responses and definitions stay; adding a higher "
                    "version brings it back.\n", id.c_str());
        return 0;
    } catch (const DbError& e) {
        return fail("retire", e.what());
    }
}

std::string target_words(HubStore& store, const Publication& p) {
    if (p.target == "all") return "every kiosk";
    if (p.target == "venue") return "the kiosks at venue \"" + p.value + "\"";
    std::string why;
    const auto k = store.find_kiosk(p.value, why);
    return "kiosk \"" + (k ? k->name : std::string("?")) + "\" (" + p.value.substr(0, 8) + ")";
}

namespace {

// The selector as (target, values): kiosk ids resolved and checked. nullopt: refused, `r` says why.
std::optional<std::pair<std::string, std::vector<std::string>>> resolve_target(bool publishing, HubStore& store,
                                                                            const PublishTarget& t, PublishResult& r) {
    const int given = (t.all ? 1 : 0) + (t.kiosks.empty() ? 0 : 1) + (t.venues.empty() ? 0 : 1);
    auto refuse = [&](int rc, std::string why) {
        r.rc = rc;
        r.error = std::move(why);
        return std::nullopt;
    };
    if (given != 1) return refuse(2, "give exactly one of --all, --kiosk K (one or more) or --venue V");
    if (t.all) return std::make_pair(std::string("all"), std::vector<std::string>{""});
    if (!t.venues.empty()) {
        for (const auto& v : t.venues)
            if (v.empty() || v.size() > 4096) return refuse(2, "--venue: a venue name is 1 to 4096 bytes");
        return std::make_pair(std::string("venue"), t.venues);
    }
    std::vector<std::string> ids;
    for (const auto& k : t.kiosks) {
        std::string why;
        const auto info = store.find_kiosk(k, why);
        if (!info) return refuse(1, "--kiosk " + k + ": " + why + "; nothing changed");
        if (publishing && info->revoked())
            return refuse(1, "--kiosk " + k + ": kiosk \"" + info->name + "\" was revoked; nothing changed");
        ids.push_back(info->id);
    }
    return std::make_pair(std::string("kiosk"), ids);
}

}  // namespace

std::string survey_list_etag(const std::vector<LibrarySurvey>& list) {
    std::string key;
    for (const auto& sv : list) key += sv.id + "\n" + std::to_string(sv.version) + "\n" + sv.content_hash + "\n";
    return "\"" + sha256_hex(key).substr(0, 32) + "\"";
}

std::string survey_list_body(const std::vector<LibrarySurvey>& list) {
    // The definitions are stored as checked JSON: put them in as they are, as `survey show` prints them.
    std::string body = "{\"protocol\":" + std::to_string(protocol::kVersion) + ",\"hub\":" +
                       json(protocol::kHubName).dump() + ",\"surveys\":[";
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& sv = list[i];
        body += (i ? "," : "") + std::string("{\"id\":") + json(sv.id).dump(-1, ' ', false, json::error_handler_t::replace) +
                ",\"version\":" + std::to_string(sv.version) + ",\"content_hash\":" + json(sv.content_hash).dump() +
                ",\"survey\":" + sv.definition + "}";
    }
    return body + "]}";
}

int kiosk_pack_command(const std::string& db, const std::string& id, const std::string& dir,
                       const std::string& hub_url) {
    const char* cmd = "kiosk pack";
    auto refuse = [&](const std::string& msg) {
        std::fprintf(stderr, "engage-hub %s: %s\n", cmd, msg.c_str());
        return 1;
    };
    if (!hub_url.empty() && hub_url.rfind("https://", 0) != 0 && hub_url.rfind("http://127.0.0.1", 0) != 0 &&
        hub_url.rfind("http://localhost", 0) != 0) {
        std::fprintf(stderr, "engage-hub %s: --hub-url must start with https:// (the address kiosks reach the hub at)\n", cmd);
        return 2;
    }
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return refuse(dir + ": not a folder (give the USB stick's folder with --out)");
    try {
        auto store = HubStore::open(db, false);
        std::string why;
        const auto k = store->find_kiosk(id, why);
        if (!k) return refuse(id + ": " + why);
        if (k->revoked()) return refuse("kiosk \"" + k->name + "\" was revoked; nothing written");
        const auto bytes = store->bundle_key(k->id, true);
        if (!bytes) return refuse("kiosk \"" + k->name + "\" has no key");
        BundleKey key{k->id, *bytes, k->name, store->seal_keys().public_key};
        const auto list = store->surveys_for_kiosk(*k, true);
        const std::string sealed = seal_pack(key, hub_url, survey_list_body(list));
        if (sealed.size() > kPackMaxBytes)
            return refuse("the surveys published to this kiosk are too large for one pack (over " +
                          std::to_string(kPackMaxBytes >> 20) + " MiB)");
        // The key file beside it, for a kiosk that has none yet: never replaced (the same one there is fine).
        const std::string key_path = (fs::path(dir) / ("engage-" + k->id.substr(0, 8) + ".key")).string();
        BundleKey there;
        if (fs::exists(fs::symlink_status(key_path, ec))) {
            if (!read_bundle_key_file(key_path, there, why) || there.bytes != key.bytes)
                return refuse(key_path + " already exists and is not this kiosk's key; move it away first");
        } else if (!write_bundle_key_file(key_path, key, why)) {
            return refuse(why);
        }
        // The pack: aside, fsync'd, renamed over an older pack for this kiosk.
        const std::string path = (fs::path(dir) / pack_file_name(k->id)).string(), tmp = path + ".tmp";
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out.write(sealed.data(), static_cast<std::streamsize>(sealed.size()));
            out.flush();
            if (!out) {
                fs::remove(tmp, ec);
                return refuse("cannot write " + tmp);
            }
        }
        if (const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
        fs::rename(tmp, path, ec);
        if (ec) {
            fs::remove(tmp, ec);
            return refuse("cannot write " + path);
        }
        std::printf("Wrote %s for kiosk \"%s\" (%zu survey%s%s) and its key file %s.\n", path.c_str(),
                    k->name.c_str(), list.size(), list.size() == 1 ? "" : "s",
                    hub_url.empty() ? "" : (", hub " + hub_url).c_str(), fs::path(key_path).filename().c_str());
        std::printf("On the kiosk: facilitator panel, \"Set up from a USB stick\", then the pack. Delete the key file "
                    "from the stick afterwards: whoever holds it can read that kiosk's bundles.\n");
        return 0;
    } catch (const DbError& e) {
        return refuse(e.what());
    }
}

PublishResult publish_in(HubStore& store, const std::string& id, std::optional<std::int64_t> version,
                         const PublishTarget& to) {
    PublishResult r;
    const auto target = resolve_target(true, store, to, r);
    if (!target) return r;
    const auto s = store.get_survey(id, version);
    if (!s || s->retired()) {
        r.rc = 1;
        r.error = !s ? "no survey '" + id + "'" + (version ? " version " + std::to_string(*version) : "") +
                           " in the library (see engage-hub survey list); nothing changed"
                     : "survey '" + id + "' was retired; add a higher version to bring it back; nothing changed";
        return r;
    }
    store.publish_survey(s->id, s->version, target->first, target->second);
    for (const auto& v : target->second)
        r.lines.push_back("Published survey '" + s->id + "' version " + std::to_string(s->version) + " to " +
                          target_words(store, Publication{s->id, s->version, target->first, v, ""}) + ".");
    return r;
}

PublishResult unpublish_in(HubStore& store, const std::string& id, std::optional<std::int64_t> version,
                           const PublishTarget& from) {
    PublishResult r;
    const auto target = resolve_target(false, store, from, r);
    if (!target) return r;
    for (const auto& p : store.unpublish_survey(id, version, target->first, target->second))
        r.lines.push_back("Unpublished survey '" + p.survey_id + "' version " + std::to_string(p.version) + " from " +
                          target_words(store, p) + ".");
    return r;
}

int survey_publish(const std::string& db, const std::string& id, std::optional<std::int64_t> version,
                   const PublishTarget& to) {
    try {
        auto store = HubStore::open(db, false);
        const PublishResult r = publish_in(*store, id, version, to);
        if (r.rc) {
            fail("publish", r.error);
            return r.rc;
        }
        for (const auto& l : r.lines) std::printf("%s\n", l.c_str());
        std::printf("Kiosks take it at their next sync and show it from their next welcome screen.\n");
        return 0;
    } catch (const DbError& e) {
        return fail("publish", e.what());
    }
}

int survey_unpublish(const std::string& db, const std::string& id, std::optional<std::int64_t> version,
                     const PublishTarget& from) {
    try {
        auto store = HubStore::open(db, false);
        const PublishResult r = unpublish_in(*store, id, version, from);
        if (r.rc) {
            fail("unpublish", r.error);
            return r.rc;
        }
        if (r.lines.empty()) {
            std::printf("Survey '%s'%s was not published there; nothing changed.\n", id.c_str(),
                        version ? (" version " + std::to_string(*version)).c_str() : "");
            return 0;
        }
        for (const auto& l : r.lines) std::printf("%s\n", l.c_str());
        std::printf("Only the publications above were removed: the survey stays in the library and every response "
                    "stays. A kiosk drops it at its next sync, unless it is running it (then it stays until the "
                    "facilitator chooses another).\n");
        return 0;
    } catch (const DbError& e) {
        return fail("unpublish", e.what());
    }
}

}  // namespace engage::hub
