// UI strings by key from per-language files (assets/i18n/<lang>.json). No UI includes.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace engage {

// CLDR plural categories for whole numbers: "zero", "one", "two", "few", "many", "other".
// The category of the count `n` in language `lang` (en, gd, pl, uk, zh-Hans, ar, ur, pa, bn;
// any other language: "one" for 1, else "other").
std::string plural_category(const std::string& lang, long long n);
// Every category `lang` needs in a file, "other" last (e.g. pl: one, few, many, other).
std::vector<std::string> plural_categories(const std::string& lang);

// A string whose words change with a count: {"one": "{n} try", "other": "{n} tries"}.
// `count` names the argument that holds the count ("n" unless the file says "_count": "seconds").
struct PluralText {
    std::string count = "n";
    std::map<std::string, std::string> forms;  // category -> text
};

class Strings {
public:
    // Loads DIR/<lang>.json, with DIR/en.json underneath for any missing key.
    // Problems (unreadable file, bad JSON, non-string values) go to `problems`.
    bool load(const std::string& dir, const std::string& lang, std::vector<std::string>* problems = nullptr);
    // The text for `key`; the key itself (so a gap is visible, never a crash) when missing.
    // For a plural key, its "other" form.
    const std::string& get(const std::string& key) const;
    // "{n}"-style substitution: fmt("counts.today", {{"n", "12"}}). For a plural key, the form is
    // chosen by the language's rule from the count argument (a non-number or missing count: "other").
    std::string fmt(const std::string& key, const std::map<std::string, std::string>& args) const;
    const std::string& lang() const { return lang_; }
    // key -> text; a plural key appears as key -> its "other" form and key#<category> -> each form.
    const std::map<std::string, std::string>& all() const { return table_; }
    const std::map<std::string, PluralText>& plurals() const { return plurals_; }

private:
    std::string lang_;
    std::map<std::string, std::string> table_;
    std::map<std::string, PluralText> plurals_;
};

// Reads one language file into a flat key -> text map (plural keys as in Strings::all()) and, when
// `plurals` is given, each plural key's forms. Returns false with a message saying where on error.
bool read_strings_file(const std::string& path, std::map<std::string, std::string>& out, std::string& error,
                       std::map<std::string, PluralText>* plurals = nullptr);

}  // namespace engage
