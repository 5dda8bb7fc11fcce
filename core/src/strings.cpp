#include "engage/strings.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace engage {

namespace {

bool in(long long v, long long lo, long long hi) { return v >= lo && v <= hi; }

const std::set<std::string>& known_categories() {
    static const std::set<std::string> k{"zero", "one", "two", "few", "many", "other"};
    return k;
}

// The language part of a tag: "zh-Hans" -> "zh", "pl" -> "pl".
std::string base_language(const std::string& lang) { return lang.substr(0, lang.find_first_of("-_")); }

}  // namespace

std::string plural_category(const std::string& lang, long long n) {
    const std::string l = base_language(lang);
    const long long a = n < 0 ? -n : n;
    const long long m10 = a % 10, m100 = a % 100;
    if (l == "zh" || l == "ja" || l == "ko") return "other";
    if (l == "gd") {
        if (a == 1 || a == 11) return "one";
        if (a == 2 || a == 12) return "two";
        if (in(a, 3, 10) || in(a, 13, 19)) return "few";
        return "other";
    }
    if (l == "pl") {
        if (a == 1) return "one";
        if (in(m10, 2, 4) && !in(m100, 12, 14)) return "few";
        return "many";
    }
    if (l == "uk" || l == "ru") {
        if (m10 == 1 && m100 != 11) return "one";
        if (in(m10, 2, 4) && !in(m100, 12, 14)) return "few";
        return "many";
    }
    if (l == "ar") {
        if (a == 0) return "zero";
        if (a == 1) return "one";
        if (a == 2) return "two";
        if (in(m100, 3, 10)) return "few";
        if (in(m100, 11, 99)) return "many";
        return "other";
    }
    if (l == "bn" || l == "pa") return a <= 1 ? "one" : "other";  // bn: i = 0 or n = 1; pa: n = 0..1
    return a == 1 ? "one" : "other";                               // en, ur and the rest
}

std::vector<std::string> plural_categories(const std::string& lang) {
    const std::string l = base_language(lang);
    if (l == "zh" || l == "ja" || l == "ko") return {"other"};
    if (l == "gd") return {"one", "two", "few", "other"};
    if (l == "pl" || l == "uk" || l == "ru") return {"one", "few", "many", "other"};
    if (l == "ar") return {"zero", "one", "two", "few", "many", "other"};
    return {"one", "other"};
}

bool read_strings_file(const std::string& path, std::map<std::string, std::string>& out, std::string& error,
                       std::map<std::string, PluralText>* plurals) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        error = "cannot read " + path;
        return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error = path + ": not a JSON object of key: text";
        return false;
    }
    for (const auto& [k, v] : j.items()) {
        if (k.find('#') != std::string::npos) {
            error = path + ": " + k + ": a key cannot contain '#'";
            return false;
        }
        if (v.is_string()) {
            for (auto it = out.lower_bound(k + "#"); it != out.end() && it->first.rfind(k + "#", 0) == 0;)
                it = out.erase(it);  // a plain string here replaces plural forms from underneath
            out[k] = v.get<std::string>();
            if (plurals) plurals->erase(k);
            continue;
        }
        if (!v.is_object()) {
            error = path + ": " + k + ": must be a string, or an object of plural forms";
            return false;
        }
        PluralText p;
        for (const auto& [form, text] : v.items()) {
            if (form == "_count") {
                if (!text.is_string() || text.get<std::string>().empty()) {
                    error = path + ": " + k + "._count: must be the name of the argument that holds the count";
                    return false;
                }
                p.count = text.get<std::string>();
            } else if (!known_categories().count(form)) {
                error = path + ": " + k + ": '" + form +
                        "' is not a plural form (zero, one, two, few, many, other or _count)";
                return false;
            } else if (!text.is_string()) {
                error = path + ": " + k + "." + form + ": must be a string";
                return false;
            } else {
                p.forms[form] = text.get<std::string>();
            }
        }
        if (!p.forms.count("other")) {
            error = path + ": " + k + ": a plural text needs an \"other\" form";
            return false;
        }
        for (auto it = out.lower_bound(k + "#"); it != out.end() && it->first.rfind(k + "#", 0) == 0;)
            it = out.erase(it);
        out[k] = p.forms["other"];
        for (const auto& [form, text] : p.forms)
            if (form != "other") out[k + "#" + form] = text;
        if (plurals) (*plurals)[k] = std::move(p);
    }
    return true;
}

bool Strings::load(const std::string& dir, const std::string& lang, std::vector<std::string>* problems) {
    std::map<std::string, std::string> table;
    std::map<std::string, PluralText> plurals;
    bool ok = true;
    std::string err;
    if (!read_strings_file(dir + "/en.json", table, err, &plurals)) {
        ok = false;
        if (problems) problems->push_back(err);
    }
    if (lang != "en") {
        // Read into copies so a broken file leaves the English whole.
        auto t = table;
        auto p = plurals;
        if (read_strings_file(dir + "/" + lang + ".json", t, err, &p)) {
            table = std::move(t);
            plurals = std::move(p);
        } else {
            ok = false;
            if (problems) problems->push_back(err);
        }
    }
    table_ = std::move(table);
    plurals_ = std::move(plurals);
    lang_ = lang;
    return ok;
}

const std::string& Strings::get(const std::string& key) const {
    auto it = table_.find(key);
    return it == table_.end() ? key : it->second;
}

std::string Strings::fmt(const std::string& key, const std::map<std::string, std::string>& args) const {
    std::string s = get(key);
    if (auto p = plurals_.find(key); p != plurals_.end()) {
        if (auto a = args.find(p->second.count); a != args.end() && !a->second.empty()) {
            const std::string& v = a->second;
            char* end = nullptr;
            errno = 0;
            const long long n = std::strtoll(v.c_str(), &end, 10);
            if (errno == 0 && end && *end == '\0') {
                // A form the file leaves out (English underneath a language with more forms) uses "other".
                auto f = p->second.forms.find(plural_category(lang_, n));
                if (f != p->second.forms.end()) s = f->second;
            }
        }
    }
    for (const auto& [name, value] : args) {
        const std::string tag = "{" + name + "}";
        for (std::size_t p = s.find(tag); p != std::string::npos; p = s.find(tag, p + value.size()))
            s.replace(p, tag.size(), value);
    }
    return s;
}

}  // namespace engage
