// See engage/json_fast.h. What nlohmann::json (3.11) reads and writes, in the cases this reader takes on:
// strings are checked as UTF-8 (overlong forms, surrogates and code points past U+10FFFF refused), \uXXXX pairs
// joined; integers are int64 when negative, uint64 otherwise ("-0" is 0); objects are std::maps (keys sorted
// by byte, the last of a repeated key kept: refused here); dump() escapes " \ and control characters only.
#include "engage/json_fast.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <cstring>
#include <utility>
#include <vector>

namespace engage::json_fast {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Bytes of one UTF-8 sequence starting at p (lead byte >= 0x80), or 0 if it is not a well-formed one.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
    const unsigned char c = p[0];
    auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return p + i < end && p[i] >= lo && p[i] <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
    static const char* const hex = "0123456789abcdef";
    std::size_t run = 0;  // start of the bytes copied as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
        }
    }
    out.append(s.data() + run, s.size() - run);
}

void Reader::ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
}

bool Reader::at_end() {
    ws();
    return p_ == end_;
}

bool Reader::open(char c) {
    ws();
    if (p_ == end_ || *p_ != c || depth_ + 1 > max_depth_) return fail();
    ++p_;
    ++depth_;
    return true;
}

bool Reader::begin_object() { return open('{'); }
bool Reader::begin_array() { return open('['); }

// Before a member or an element: false at `close` (consumed), true when one follows (its comma consumed).
bool Reader::another(char close, bool& first) {
    ws();
    if (p_ == end_) return fail();
    if (*p_ == close) {
        ++p_;
        --depth_;
        return false;
    }
    if (!first) {
        if (*p_ != ',') return fail();
        ++p_;
        ws();
    }
    first = false;
    return true;
}

bool Reader::next_key(bool& first, std::string& key) {
    if (!another('}', first) || !string_token(key, nullptr)) return false;
    ws();
    if (p_ == end_ || *p_ != ':') return fail();
    ++p_;
    return true;
}

bool Reader::next_element(bool& first) { return another(']', first); }

bool Reader::string(std::string& out) {
    ws();
    return string_token(out, nullptr);
}

bool Reader::peek_null() {
    ws();
    return end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0;
}

bool Reader::null() {
    if (!peek_null()) return fail();
    p_ += 4;
    return true;
}

// A string at p_ (its opening quote): decoded into `decoded`; its canonical text appended to *canonical if given.
bool Reader::string_token(std::string& decoded, std::string* canonical) {
    if (p_ == end_ || *p_ != '"') return fail();
    const char* start = ++p_;
    bool escaped = false;
    decoded.clear();
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const auto* uend = reinterpret_cast<const unsigned char*>(end_);
    const unsigned char* run = u;  // decoded bytes not yet copied
    while (u < uend) {
        const unsigned char c = *u;
        if (c == '"') break;
        if (c < 0x20) return fail();
        if (c < 0x80 && c != '\\') {
            ++u;
            continue;
        }
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(u, uend);
            if (n == 0) return fail();
            u += n;
            continue;
        }
        // an escape
        escaped = true;
        decoded.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(u - run));
        if (uend - u < 2) return fail();
        const unsigned char e = u[1];
        u += 2;
        switch (e) {
            case '"': decoded += '"'; break;
            case '\\': decoded += '\\'; break;
            case '/': decoded += '/'; break;
            case 'b': decoded += '\b'; break;
            case 'f': decoded += '\f'; break;
            case 'n': decoded += '\n'; break;
            case 'r': decoded += '\r'; break;
            case 't': decoded += '\t'; break;
            case 'u': {
                auto hex4 = [&](std::uint32_t& v) {
                    if (uend - u < 4) return false;
                    v = 0;
                    for (int i = 0; i < 4; ++i) {
                        const int h = hex_value(static_cast<char>(u[i]));
                        if (h < 0) return false;
                        v = v * 16 + static_cast<std::uint32_t>(h);
                    }
                    u += 4;
                    return true;
                };
                std::uint32_t cp = 0;
                if (!hex4(cp)) return fail();
                if (cp >= 0xDC00 && cp <= 0xDFFF) return fail();  // a low surrogate alone
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t lo = 0;
                    if (uend - u < 2 || u[0] != '\\' || u[1] != 'u') return fail();
                    u += 2;
                    if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return fail();
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                append_utf8(decoded, cp);
                break;
            }
            default: return fail();
        }
        run = u;
    }
    if (u == uend) return fail();  // no closing quote
    p_ = reinterpret_cast<const char*>(u) + 1;
    if (!escaped) {
        decoded.assign(start, reinterpret_cast<const char*>(u));
        if (canonical) canonical->append(decoded);  // nothing to escape: no control characters, no " or \.
    } else {
        decoded.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(u - run));
        if (canonical) append_escaped(*canonical, decoded);
    }
    return true;
}

// An integer token appended as nlohmann writes it; false for anything else (decimals and exponents, which
// nlohmann reads as floating point; numbers outside int64 / uint64, the same).
bool Reader::number(std::string& out) {
    const char* s = p_;
    bool negative = false;
    if (p_ < end_ && *p_ == '-') {
        negative = true;
        ++p_;
    }
    const char* digits = p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return fail();
    if (*p_ == '0') ++p_;
    else
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E' || (*p_ >= '0' && *p_ <= '9'))) return fail();
    const std::size_t n = static_cast<std::size_t>(p_ - digits);
    const std::string_view d(digits, n);
    if (negative ? (n > 19 || (n == 19 && d > "9223372036854775808")) : (n > 20 || (n == 20 && d > "18446744073709551615")))
        return fail();
    if (negative && d == "0") out += '0';  // -0 is the integer 0
    else out.append(s, static_cast<std::size_t>(p_ - s));
    return true;
}

bool Reader::integer(std::int64_t& value) {
    ws();
    std::string text;
    if (!number(text)) return false;
    const bool negative = text[0] == '-';
    const std::size_t n = text.size() - (negative ? 1 : 0);
    if (!negative && (n > 19 || (n == 19 && text > "9223372036854775807"))) return fail();
    std::int64_t v = 0;
    for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) {
        const int digit = text[i] - '0';
        v = negative ? v * 10 - digit : v * 10 + digit;  // -9223372036854775808 fits on the way down
    }
    value = v;
    return true;
}

bool Reader::value(std::string& out, int depth) {
    ws();
    if (p_ == end_) return fail();
    switch (*p_) {
        case '"': {
            std::string decoded;
            out += '"';
            if (!string_token(decoded, &out)) return false;
            out += '"';
            return true;
        }
        case '{': {
            if (depth + 1 > max_depth_) return fail();
            ++p_;
            out += '{';
            struct Member {
                std::string key;
                std::size_t from, to;  // "key":value in out
            };
            std::vector<Member> members;
            bool sorted = true;
            bool first = true;
            std::string key;
            for (;;) {
                ws();
                if (p_ == end_) return fail();
                if (*p_ == '}') {
                    ++p_;
                    break;
                }
                if (!first) {
                    if (*p_ != ',') return fail();
                    ++p_;
                    ws();
                    out += ',';
                }
                first = false;
                const std::size_t from = out.size();
                out += '"';
                if (!string_token(key, &out)) return false;
                out += "\":";
                ws();
                if (p_ == end_ || *p_ != ':') return fail();
                ++p_;
                if (!value(out, depth + 1)) return false;
                if (!members.empty() && !(members.back().key < key)) sorted = false;
                members.push_back({key, from, out.size()});
            }
            if (!sorted) {  // std::map order, and a repeated key is refused (nlohmann would keep only the last)
                const std::size_t start = members.front().from;
                std::vector<std::pair<std::string, std::string>> texts;
                texts.reserve(members.size());
                for (const auto& m : members) texts.emplace_back(m.key, out.substr(m.from, m.to - m.from));
                std::sort(texts.begin(), texts.end(),
                          [](const auto& a, const auto& b) { return a.first < b.first; });
                for (std::size_t i = 1; i < texts.size(); ++i)
                    if (texts[i].first == texts[i - 1].first) return fail();
                out.resize(start);
                for (std::size_t i = 0; i < texts.size(); ++i) {
                    if (i) out += ',';
                    out += texts[i].second;
                }
            }
            out += '}';
            return true;
        }
        case '[': {
            if (depth + 1 > max_depth_) return fail();
            ++p_;
            out += '[';
            bool first = true;
            for (;;) {
                ws();
                if (p_ == end_) return fail();
                if (*p_ == ']') {
                    ++p_;
                    break;
                }
                if (!first) {
                    if (*p_ != ',') return fail();
                    ++p_;
                    out += ',';
                }
                first = false;
                if (!value(out, depth + 1)) return false;
            }
            out += ']';
            return true;
        }
        case 't':
            if (end_ - p_ < 4 || std::memcmp(p_, "true", 4) != 0) return fail();
            p_ += 4;
            out += "true";
            return true;
        case 'f':
            if (end_ - p_ < 5 || std::memcmp(p_, "false", 5) != 0) return fail();
            p_ += 5;
            out += "false";
            return true;
        case 'n':
            if (end_ - p_ < 4 || std::memcmp(p_, "null", 4) != 0) return fail();
            p_ += 4;
            out += "null";
            return true;
        default: return number(out);
    }
}

bool canonical(std::string_view text, std::string& out, int max_depth) {
    Reader r(text, max_depth);
    out.clear();
    return r.canonical(out) && r.at_end();
}

bool canonical_or_dump(std::string_view text, std::string& out) {
    if (canonical(text, out)) return true;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return false;
    out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return true;
}

}  // namespace engage::json_fast
