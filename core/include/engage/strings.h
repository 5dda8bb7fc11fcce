// UI strings by key from per-language files (assets/i18n/<lang>.json). No UI includes.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace engage {

class Strings {
public:
    // Loads DIR/<lang>.json, with DIR/en.json underneath for any missing key.
    // Problems (unreadable file, bad JSON, non-string values) go to `problems`.
    bool load(const std::string& dir, const std::string& lang, std::vector<std::string>* problems = nullptr);
    // The text for `key`; the key itself (so a gap is visible, never a crash) when missing.
    const std::string& get(const std::string& key) const;
    // "{n}"-style substitution: fmt("counts.today", {{"n", "12"}}).
    std::string fmt(const std::string& key, const std::map<std::string, std::string>& args) const;
    const std::string& lang() const { return lang_; }
    const std::map<std::string, std::string>& all() const { return table_; }

private:
    std::string lang_;
    std::map<std::string, std::string> table_;
};

// Reads one language file into a flat key -> text map. Returns false with a message on error.
bool read_strings_file(const std::string& path, std::map<std::string, std::string>& out, std::string& error);

}  // namespace engage
