// Translations: every assets/i18n/<lang>.json matches en.json key for key and placeholder for
// placeholder, and the demo survey has text in every language it lists.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engage/strings.h"
#include "engage/survey.h"

namespace fs = std::filesystem;

namespace {

const std::string kAssets = ENGAGE_ASSETS;

// The names inside {…} in `s`, e.g. "{n} of {total}" -> {"n", "total"}.
std::set<std::string> placeholders(const std::string& s) {
    std::set<std::string> out;
    for (std::size_t open = s.find('{'); open != std::string::npos; open = s.find('{', open + 1)) {
        const std::size_t close = s.find('}', open + 1);
        if (close == std::string::npos) break;
        const std::string name = s.substr(open + 1, close - open - 1);
        bool word = !name.empty();
        for (char c : name) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!ok) word = false;
        }
        if (word) out.insert(name);
    }
    return out;
}

std::string join(const std::set<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "{" : ", {") + n + "}";
    return s.empty() ? "(none)" : s;
}

std::map<std::string, std::string> read_or_fail(const std::string& path) {
    std::map<std::string, std::string> table;
    std::string error;
    INFO(path);
    REQUIRE(engage::read_strings_file(path, table, error));
    return table;
}

}  // namespace

TEST_CASE("placeholders() finds {names} only", "[i18n]") {
    CHECK(placeholders("Question {n} of {total}") == std::set<std::string>{"n", "total"});
    CHECK(placeholders("{error} — trying again in {when}") == std::set<std::string>{"error", "when"});
    CHECK(placeholders("no braces, { spaced } or {}").empty());
}

TEST_CASE("every language file has exactly en.json's keys and placeholders", "[i18n]") {
    const fs::path dir = fs::path(kAssets) / "i18n";
    const auto en = read_or_fail((dir / "en.json").string());
    REQUIRE(!en.empty());

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".json" && entry.path().filename() != "en.json")
            files.push_back(entry.path());
    REQUIRE(!files.empty());

    for (const auto& path : files) {
        const std::string file = path.filename().string();
        const auto table = read_or_fail(path.string());
        for (const auto& [key, text] : en) {
            auto it = table.find(key);
            if (it == table.end()) {
                FAIL_CHECK(file << ": missing key '" << key << "'");
                continue;
            }
            const auto want = placeholders(text), got = placeholders(it->second);
            if (want != got)
                FAIL_CHECK(file << ": key '" << key << "' has placeholders " << join(got)
                                << " but en.json has " << join(want));
        }
        for (const auto& [key, text] : table)
            if (!en.count(key)) FAIL_CHECK(file << ": key '" << key << "' is not in en.json");
    }
}

TEST_CASE("the demo survey has every text in every language it lists", "[i18n]") {
    const std::string path = kAssets + "/surveys/demo.json";
    const auto load = engage::load_survey_file(path);
    for (const auto& p : load.problems) FAIL_CHECK(path << ": " << p.str());
    REQUIRE(load.ok());
    const engage::Survey& survey = *load.survey;
    REQUIRE(survey.languages.size() > 1);

    std::size_t checked = 0;
    auto check = [&](const engage::LocalText& text, const std::string& where) {
        if (text.empty()) return;  // optional text left out (or a built-in label)
        ++checked;
        for (const auto& lang : survey.languages) {
            auto it = text.by_lang.find(lang);
            if (it == text.by_lang.end() || it->second.empty())
                FAIL_CHECK("demo.json: " << where << " has no '" << lang << "' text");
        }
    };

    check(survey.title, "title");
    check(survey.intro, "intro");
    for (std::size_t i = 0; i < survey.questions.size(); ++i) {
        const auto& q = survey.questions[i];
        const std::string at = "questions[" + std::to_string(i) + "] (" + q.id + ")";
        check(q.prompt, at + ".prompt");
        check(q.help, at + ".help");
        check(q.low_label, at + ".low_label");
        check(q.high_label, at + ".high_label");
        for (std::size_t o = 0; o < q.options.size(); ++o)
            check(q.options[o].label, at + ".options[" + std::to_string(o) + "] (" + q.options[o].id + ").label");
    }
    CHECK(checked > survey.questions.size());

    // A language the survey offers should also have the kiosk's own words.
    for (const auto& lang : survey.languages) {
        INFO("survey language '" << lang << "' has no assets/i18n/" << lang << ".json");
        CHECK(fs::is_regular_file(fs::path(kAssets) / "i18n" / (lang + ".json")));
    }
}
