// The dashboard's templates (hub/dashboard_render.h): escaped by default, the shipped ones all load, and a
// missing or broken template is an error naming the file, never a blank page.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dashboard_render.h"

using namespace engage::hub::dash;

namespace {
struct Dir {
    std::filesystem::path path;
    Dir() {
        std::string tmpl = "/tmp/engage-hub-templates-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~Dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / (name + ".mustache")) << text;
    }
};
}  // namespace

TEST_CASE("templates escape every {{value}}; only {{{value}}} is taken as it is") {
    Dir d;
    d.write("t", "<p title=\"{{v}}\">{{v}}</p>{{{html}}}");
    Templates t(d.path.string(), {"t"});
    Data data;
    data.set("v", "\"><script>alert('x')</script>&\x01\xff");
    data.set("html", "<b>built</b>");
    CHECK(t.render("t", data) ==
          "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\xEF\xBF\xBD\xEF\xBF\xBD\">"
          "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\xEF\xBF\xBD\xEF\xBF\xBD</p><b>built</b>");
    CHECK_THROWS_AS(t.render("not-loaded", data), std::logic_error);
    d.write("s", "{{#u}}[{{u}}]{{/u}}{{^missing}}-{{/missing}}");
    Templates s(d.path.string(), {"s"});
    Data u;
    u.set("u", "fewer than 5 <");
    CHECK(s.render("s", u) == "[fewer than 5 &lt;]-");
}

TEST_CASE("a missing or invalid template stops the dashboard with the file's name") {
    Dir d;
    d.write("broken", "{{#open}} never closed");
    CHECK_THROWS_WITH(Templates(d.path.string(), {"absent"}), Catch::Contains("absent.mustache") && Catch::Contains("missing"));
    CHECK_THROWS_WITH(Templates(d.path.string(), {"broken"}), Catch::Contains("broken.mustache") && Catch::Contains("not valid"));
}

TEST_CASE("the shipped templates load") {
    CHECK_NOTHROW(Templates(std::string(ENGAGE_ASSETS) + "/hub/templates", {"layout", "login", "overview", "needs"}));
}
