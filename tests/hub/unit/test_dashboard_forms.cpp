// The dashboard's parsing of what browsers send (hub/dashboard_forms.h) and its HTML escaping, with hostile input.
#include <catch2/catch.hpp>

#include "dashboard.h"
#include "dashboard_forms.h"
#include "http.h"

using namespace engage::hub;
using namespace engage::hub::dash;

TEST_CASE("url_decode keeps what is not a valid escape and never reads past the end") {
    CHECK(url_decode("a+b%20c") == "a b c");
    CHECK(url_decode("%") == "%");
    CHECK(url_decode("%4") == "%4");
    CHECK(url_decode("%zz%4g") == "%zz%4g");
    CHECK(url_decode("%3d%3D") == "==");
    CHECK(url_decode("%00x") == std::string("\0x", 2));
    CHECK(url_decode(std::string(100000, '%')).size() == 100000);
    CHECK(url_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    CHECK(url_decode(url_encode("Gorgie <Hall> & \"co\" ' ; %")) == "Gorgie <Hall> & \"co\" ' ; %");
}

TEST_CASE("parse_form: the first of a repeated name wins; empty and odd parts are harmless") {
    auto f = parse_form("csrf=good&csrf=evil&&=x&k&%3D=%26&name=a+b");
    CHECK(f["csrf"] == "good");
    CHECK(f.count("k") == 1);
    CHECK(f["k"].empty());
    CHECK(f[""] == "x");
    CHECK(f["="] == "&");
    CHECK(f["name"] == "a b");
    CHECK(parse_form("").empty());
    CHECK(parse_form("&&&&").empty());
}

TEST_CASE("cookie: exact names only, the first one wins, spaces and junk tolerated") {
    http::Request req;
    req.headers.emplace_back("Cookie", "xengage_session=bad;engage_session=good; engage_session=second;junk;=;");
    CHECK(cookie(req, "engage_session") == "good");
    CHECK(cookie(req, "missing").empty());
    http::Request none;
    CHECK(cookie(none, "engage_session").empty());
    http::Request odd;
    odd.headers.emplace_back("Cookie", std::string(5000, ';') + "   engage_login=t=1");
    CHECK(cookie(odd, "engage_login") == "t=1");
}

TEST_CASE("same_secret refuses empty and different lengths") {
    CHECK(same_secret("abc", "abc"));
    CHECK_FALSE(same_secret("", ""));
    CHECK_FALSE(same_secret("abc", "abcd"));
    CHECK_FALSE(same_secret("abc", "abd"));
}

TEST_CASE("parse_filters: values that are not dates or numbers are ignored with a note") {
    http::Request req;
    req.params.emplace("from", "2026-01-01' OR '1'='1");
    req.params.emplace("to", "2026-02-30");
    req.params.emplace("version", "1e9");
    req.params.emplace("venue", "x' OR '1'='1");
    req.params.emplace("q", std::string(300, 'a'));
    std::vector<std::string> notes;
    const Filters f = parse_filters(req, notes);
    CHECK(f.from.empty());
    CHECK(f.to == "2026-02-30");  // the shape is checked, not the calendar: no day matches it
    CHECK(f.version.empty());
    CHECK(f.venue == "x' OR '1'='1");  // a value like any other: it goes to SQL as a parameter
    CHECK(f.q.size() == 200);
    CHECK(notes.size() == 2);
    CHECK_FALSE(is_digits("1234567890"));  // more than 9 digits: never overflows a version number
    CHECK(is_digits("123456789"));
    CHECK_FALSE(is_date("2026-1-01"));
    CHECK(query(f) == "?venue=x%27%20OR%20%271%27%3D%271&to=2026-02-30");
}

TEST_CASE("html_escape: markup, quotes, control characters and bad UTF-8") {
    CHECK(html_escape("<script>alert('x')</script>&\"") ==
          "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    CHECK(html_escape(std::string("a\x01" "b\tc\n", 6)) == "a\xEF\xBF\xBD" "b\tc\n");
    CHECK(html_escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");        // an overlong '/'
    CHECK(html_escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(html_escape("Łódź 王先生") == "Łódź 王先生");
}

TEST_CASE("the Venue filter: every venue, no venue and any venue name are three different values") {
    Filters f;
    CHECK(!venue_of(f));  // "" = every venue
    f.venue = venue_value("");
    CHECK(f.venue == kNoVenue);
    REQUIRE(venue_of(f));
    CHECK(venue_of(f)->empty());
    // Venue names that look like the special value, or start with "~", come back as themselves.
    for (const std::string name : {"Leith Library", "~none", "~", "~~none", "(no venue)", " ", "x' OR '1'='1"}) {
        f.venue = venue_value(name);
        CHECK(f.venue != kNoVenue);
        REQUIRE(venue_of(f));
        CHECK(*venue_of(f) == name);
    }
    f.venue = "Leith Library";  // old links (?venue=NAME) still mean that venue
    CHECK(*venue_of(f) == "Leith Library");
}
