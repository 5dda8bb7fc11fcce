// libFuzzer target: what a browser sends the dashboard (hub/dashboard_forms.cpp): form bodies, URL decoding,
// cookies and the filters every page reads from its query. The first byte picks the parser, the rest is the input.
// Checks beyond "no crash, leak or UB": the filters a query gives survive a round trip through query() and the
// form parser, and url_encode/url_decode are inverse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dashboard_forms.h"
#include "http.h"

using namespace engage::hub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: (void)dash::parse_form(in); break;
        case 1:
            if (dash::url_decode(dash::url_encode(in)) != in) __builtin_trap();
            break;
        case 2: {
            http::Request req;
            req.headers.emplace_back("Cookie", in);
            (void)dash::cookie(req, "engage_session");
            (void)dash::cookie(req, "engage_csrf");
            break;
        }
        default: {
            // The query as a browser sends it (the server decodes it into params as the form parser does).
            http::Request req;
            for (const auto& [k, v] : dash::parse_form(in)) req.params.emplace(k, v);
            std::vector<std::string> notes;
            const dash::Filters f = dash::parse_filters(req, notes);
            const std::string q = dash::query(f, true);
            http::Request again;
            for (const auto& [k, v] : dash::parse_form(q.empty() ? q : q.substr(1))) again.params.emplace(k, v);
            std::vector<std::string> notes2;
            if (dash::query(dash::parse_filters(again, notes2), true) != q) __builtin_trap();
            break;
        }
    }
    return 0;
}
