// engage-hub survey add|list|show|retire: see library.h and docs/hub.md, "Survey library".
#include "library.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engage/config.h"
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
    const CheckedSurvey checked = check_survey_bytes(*bytes, fs::path(file).filename().string());
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

CheckedSurvey check_survey_bytes(const std::string& bytes, const std::string& file_name) {
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
        auto r = parse_survey(bytes);
        problems = std::move(r.problems);
        survey = std::move(r.survey);
        if (survey) definition = ordered_json::parse(bytes).dump(2, ' ', false, ordered_json::error_handler_t::replace);
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

}  // namespace engage::hub
