// A strict one-pass JSON reader for the sync protocol's hot path (the hub's batch parse, the kiosk's batch build):
// no DOM, and a value's canonical text — byte for byte what nlohmann::json::parse(text).dump() gives (keys sorted,
// compact, the same escapes) — written as it reads. It gives up (false) on anything it cannot promise to read
// exactly as nlohmann::json would: a decimal or out-of-range number, a repeated key, nesting past the limit, and
// of course text that is not JSON. The caller then takes the nlohmann path, which also says what is wrong.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace engage::json_fast {

class Reader {
public:
    explicit Reader(std::string_view text, int max_depth = 64) : p_(text.data()), end_(text.data() + text.size()),
                                                                  max_depth_(max_depth) {}

    // Each skips the whitespace before its token; false: not that token here (the reader is then unusable).
    bool begin_object();          // {
    bool begin_array();           // [
    // After begin_object (first = true) or a member: true with the next key in `key`, false at the closing }
    // (check failed() to tell the end from an error).
    bool next_key(bool& first, std::string& key);
    // After begin_array: true when another element follows, false at the closing ].
    bool next_element(bool& first);
    bool string(std::string& out);  // decoded (UTF-8 checked, escapes resolved)
    // An integer in int64's range; false for decimals, exponents and anything larger.
    bool integer(std::int64_t& value);
    bool null();
    bool peek_null();  // the next token is null (not consumed)
    // Any value, appended to `out` in canonical form (nlohmann's dump()).
    bool canonical(std::string& out) { return value(out, depth_); }
    bool at_end();     // only whitespace is left
    bool failed() const { return failed_; }
    void set_depth(int d) { depth_ = d; }  // the nesting of the reader's position (the limit counts from 0)

private:
    bool open(char c);
    bool another(char close, bool& first);
    bool value(std::string& out, int depth);
    bool string_token(std::string& decoded, std::string* canonical);
    bool number(std::string& out);
    void ws();
    bool fail() {
        failed_ = true;
        return false;
    }

    const char* p_;
    const char* end_;
    int max_depth_;
    int depth_ = 0;
    bool failed_ = false;
};

// `text` is a JSON value; its canonical text (see above) in `out`. false: not JSON, or not one this reader can
// promise to write as nlohmann does (the caller parses and dumps with nlohmann instead).
bool canonical(std::string_view text, std::string& out, int max_depth = 64);

// The same, falling back to nlohmann::json parse and dump() for what this reader does not take on; false only
// when `text` is not JSON at all.
bool canonical_or_dump(std::string_view text, std::string& out);

// nlohmann's dump() of a string: the escapes it writes (\" \\ \b \f \n \r \t, \u00XX for other control
// characters), everything else as is. `s` must be valid UTF-8.
void append_escaped(std::string& out, std::string_view s);

}  // namespace engage::json_fast
