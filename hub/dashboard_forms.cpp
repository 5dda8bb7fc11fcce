// Parsing what a browser sends the dashboard: form bodies, query strings, cookies, filter values. Every input
// here comes from the network: nothing throws, nothing grows beyond its input.
#include "dashboard_forms.h"

#include <sodium.h>

#include <algorithm>

#include "http.h"

namespace engage::hub::dash {

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~')
            out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string url_decode(std::string_view s) {
    std::string out;
    auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out += ' ';
        else if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else out += s[i];
    }
    return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        const std::string_view part = body.substr(start, end - start);
        if (!part.empty()) {
            const auto eq = part.find('=');
            std::string k = url_decode(part.substr(0, eq));
            std::string v = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
            out.emplace(std::move(k), std::move(v));  // the first one wins
        }
        start = end + 1;
    }
    return out;
}

std::string cookie(const http::Request& req, const std::string& name) {
    const std::string all = req.get_header_value("Cookie");
    std::size_t start = 0;
    while (start < all.size()) {
        std::size_t end = all.find(';', start);
        if (end == std::string::npos) end = all.size();
        std::string part = all.substr(start, end - start);
        while (!part.empty() && part.front() == ' ') part.erase(0, 1);
        const auto eq = part.find('=');
        if (eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
        start = end + 1;
    }
    return "";
}

bool same_secret(const std::string& a, const std::string& b) {
    return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_date(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

bool is_digits(const std::string& s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower_ascii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

Filters parse_filters(const http::Request& req, std::vector<std::string>& notes) {
    Filters f;
    auto get = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : std::string(); };
    f.venue = get("venue");
    f.session = get("session");
    f.survey = get("survey");
    f.q = get("q");
    if (f.q.size() > 200) f.q.resize(200);
    const std::string from = get("from"), to = get("to"), version = get("version");
    if (!from.empty() && !is_date(from)) notes.push_back("From: “" + from + "” is not a date (YYYY-MM-DD); ignored.");
    else f.from = from;
    if (!to.empty() && !is_date(to)) notes.push_back("To: “" + to + "” is not a date (YYYY-MM-DD); ignored.");
    else f.to = to;
    if (!version.empty() && !is_digits(version)) notes.push_back("Version: “" + version + "” is not a number; ignored.");
    else f.version = version;
    return f;
}

std::string query(const Filters& f, bool with_q) {
    const std::pair<const char*, const std::string*> fields[] = {
        {"venue", &f.venue}, {"session", &f.session}, {"from", &f.from},       {"to", &f.to},
        {"survey", &f.survey}, {"version", &f.version}, {"q", with_q ? &f.q : nullptr}};
    std::string q;
    for (const auto& [k, v] : fields)
        if (v && !v->empty()) q += (q.empty() ? "?" : "&") + std::string(k) + "=" + url_encode(*v);
    return q;
}

}  // namespace engage::hub::dash
