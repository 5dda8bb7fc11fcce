#include "engage/textcheck.h"

#include <cctype>

namespace engage {
namespace {
bool is_local_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool is_domain_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; }
}  // namespace

bool looks_like_email(std::string_view t) {
    for (std::size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
        // someone@example.org, also "someone at example dot org" is left alone (too many false alarms)
        std::size_t l = at;
        while (l > 0 && is_local_char(static_cast<unsigned char>(t[l - 1]))) --l;
        if (l == at) continue;
        std::size_t r = at + 1;
        bool dot = false;
        std::size_t last_dot = 0;
        while (r < t.size() && is_domain_char(static_cast<unsigned char>(t[r]))) {
            if (t[r] == '.') {
                dot = true;
                last_dot = r;
            }
            ++r;
        }
        // a dot with at least two letters after it
        if (dot && last_dot > at + 1 && r >= last_dot + 3) return true;
    }
    return false;
}

bool looks_like_phone(std::string_view t) {
    // A run of digits, allowing spaces, dashes, dots, brackets and a leading +, holding 9 to 15 digits.
    int digits = 0;
    int gap = 0;
    for (std::size_t i = 0; i <= t.size(); ++i) {
        const unsigned char c = i < t.size() ? static_cast<unsigned char>(t[i]) : '\0';
        if (std::isdigit(c)) {
            ++digits;
            gap = 0;
        } else if (digits > 0 && (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && gap == 0) {
            gap = 1;  // one separator between digit groups
        } else if (c == '+' && digits == 0) {
            continue;
        } else {
            if (digits >= 9 && digits <= 15) return true;
            digits = 0;
            gap = 0;
        }
    }
    return false;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

void utf8_pop_back(std::string& s) {
    while (!s.empty()) {
        const unsigned char c = static_cast<unsigned char>(s.back());
        s.pop_back();
        if ((c & 0xC0) != 0x80) break;
    }
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

}  // namespace engage
