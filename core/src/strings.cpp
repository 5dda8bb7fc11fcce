#include "engage/strings.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace engage {

bool read_strings_file(const std::string& path, std::map<std::string, std::string>& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path;
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error = path + ": not a JSON object of key: text";
        return false;
    }
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string()) {
            error = path + ": " + k + ": must be a string";
            return false;
        }
        out[k] = v.get<std::string>();
    }
    return true;
}

bool Strings::load(const std::string& dir, const std::string& lang, std::vector<std::string>* problems) {
    std::map<std::string, std::string> table;
    bool ok = true;
    std::string err;
    if (!read_strings_file(dir + "/en.json", table, err)) {
        ok = false;
        if (problems) problems->push_back(err);
    }
    if (lang != "en" && !read_strings_file(dir + "/" + lang + ".json", table, err)) {
        ok = false;
        if (problems) problems->push_back(err);
    }
    table_ = std::move(table);
    lang_ = lang;
    return ok;
}

const std::string& Strings::get(const std::string& key) const {
    auto it = table_.find(key);
    return it == table_.end() ? key : it->second;
}

std::string Strings::fmt(const std::string& key, const std::map<std::string, std::string>& args) const {
    std::string s = get(key);
    for (const auto& [name, value] : args) {
        const std::string tag = "{" + name + "}";
        for (std::size_t p = s.find(tag); p != std::string::npos; p = s.find(tag, p + value.size()))
            s.replace(p, tag.size(), value);
    }
    return s;
}

}  // namespace engage
