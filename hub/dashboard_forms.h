// Parsing what a browser sends the dashboard (hub/dashboard_forms.cpp): form bodies, query strings, cookies and
// the filter values every page carries. Pure functions over strings, tested in tests/hub/unit.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dashboard_data.h"

namespace engage::hub::http {
struct Request;
}

namespace engage::hub::dash {

// RFC 3986 unreserved characters stay, every other byte becomes %XX.
std::string url_encode(std::string_view s);
// %XX (hex, either case) and + (a space); a % without two hex digits stays as it is.
std::string url_decode(std::string_view s);
// application/x-www-form-urlencoded: name=value pairs split on &, decoded; the first of a repeated name wins.
std::map<std::string, std::string> parse_form(std::string_view body);
// The value of the cookie `name` in the request's Cookie header, "" when absent.
std::string cookie(const http::Request& req, const std::string& name);
// Constant-time comparison of two secrets; false when either is empty.
bool same_secret(const std::string& a, const std::string& b);
bool is_date(const std::string& s);                          // YYYY-MM-DD, digits only (no calendar check)
bool is_digits(const std::string& s, std::size_t max = 9);   // 1..max ASCII digits
std::string lower_ascii(std::string s);

// The filters of a page's query string; values that are not valid are left out, with a note for each.
// q (the text search) is cut to 200 bytes.
Filters parse_filters(const http::Request& req, std::vector<std::string>& notes);
// "?venue=...&from=..." for the filters set (q too when with_q), "" when none.
std::string query(const Filters& f, bool with_q = false);

}  // namespace engage::hub::dash
