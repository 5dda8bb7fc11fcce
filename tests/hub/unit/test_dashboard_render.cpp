// The dashboard's templates (hub/dashboard_render.h): escaped by default, the shipped ones all load, and a
// missing or broken template is an error naming the file, never a blank page.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dashboard_app.h"
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
    CHECK_NOTHROW(Templates(std::string(ENGAGE_ASSETS) + "/hub/templates", template_names()));
}

namespace {
const std::string kHostile = "\"'><script>alert(1)</script>&amp; <img src=x onerror=alert(2)>";
const std::string kEscaped =
    "&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp; &lt;img src=x onerror=alert(2)&gt;";

// The names a template uses: {{name}} (escaped), {{{name}}} (the dashboard's own HTML) and {{#name}} / {{^name}}.
struct Names {
    std::set<std::string> values, raw, sections, inverted;
};
Names names_in(const std::string& text) {
    Names n;
    static const std::regex tag(R"(\{\{(\{?)\s*([#^/!>&]?)\s*([A-Za-z_][A-Za-z_0-9]*)\s*\}?\}\})");
    for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it) {
        const std::string brace = (*it)[1], kind = (*it)[2], name = (*it)[3];
        if (!brace.empty()) n.raw.insert(name);
        else if (kind == "#" || kind == "^") n.sections.insert(name);
        if (kind == "^") n.inverted.insert(name);
        else if (kind.empty()) n.values.insert(name);
    }
    return n;
}
std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

// Every shipped template, with every value it shows set to markup, quotes and '&': each comes out escaped,
// in text and attribute contexts alike. Sections are rendered once as true (a section over a string shows the
// values inside it), then once with the names of inverted sections false ({{^name}}), so every {{value}} in every
// branch is seen, nested ones too.
TEST_CASE("every shipped template escapes hostile values in every branch") {
    const std::string dir = std::string(ENGAGE_ASSETS) + "/hub/templates";
    const Templates t(dir, template_names());
    for (const auto& name : template_names()) {
        const Names n = names_in(read(dir + "/" + name + ".mustache"));
        // Unescaped only where one rendered template goes inside another: a page's body, the filter form, the
        // export links, a chart. Any other {{{name}}} would put a value into the page as it is.
        for (const auto& v : n.raw) {
            INFO("template " << name << ".mustache: {{{" << v << "}}}");
            CHECK(std::set<std::string>{"body", "filter_form", "export_links", "chart"}.count(v) == 1);
        }
        for (const bool sections_on : {true, false}) {
            INFO("template " << name << ".mustache, " << (sections_on ? "all sections true" : "inverted sections false"));
            Data d;
            for (const auto& v : n.values) d.set(v, kHostile);
            for (const auto& v : n.sections)
                if (sections_on || !n.inverted.count(v)) d.set(v, kHostile);
                else d.set(v, Data(Data::type::bool_false));
            for (const auto& v : n.raw) d.set(v, "<b>built</b>");
            const std::string out = t.render(name, d);
            CHECK(out.find("<script") == std::string::npos);
            CHECK(out.find("<img") == std::string::npos);
            CHECK(out.find("\"'") == std::string::npos);
            CHECK(out.find("&amp; ") == std::string::npos);  // a bare & always becomes &amp;amp;
            if (sections_on) {
                CHECK(out.find(kEscaped) != std::string::npos);
                if (!n.raw.empty()) CHECK(out.find("<b>built</b>") != std::string::npos);
            }
        }
    }
}

TEST_CASE("a value is escaped in the review page's hidden form fields and in the filter form's options") {
    const Templates t(std::string(ENGAGE_ASSETS) + "/hub/templates", template_names());
    Data item, forms{Data::type::list}, form, items{Data::type::list};
    form.set("decision", "approve");
    form.set("button", "Approve: list it");
    forms.push_back(form);
    item.set("kiosk", "k\"><script>");
    item.set("uuid", "u'&");
    item.set("question", "q<");
    item.set("text", "Call me on <b>0123</b> & \"soon\"");
    item.set("forms", forms);
    items.push_back(item);
    Data d;
    d.set("csrf", "c\"x");
    d.set("back", "?venue=a&b=\"");
    Data groups{Data::type::list}, waiting, decided;
    waiting.set("heading", "Waiting for review");
    waiting.set("items", items);
    waiting.set("empty", "Nothing is waiting.");
    decided.set("heading", "Decided");
    decided.set("items", Data(Data::type::list));
    decided.set("empty", "No decisions yet.");
    groups.push_back(waiting);
    groups.push_back(decided);
    d.set("groups", groups);
    const std::string out = t.render("review", d);
    CHECK(out.find(R"(name="kiosk" value="k&quot;&gt;&lt;script&gt;")") != std::string::npos);
    CHECK(out.find(R"(name="uuid" value="u&#39;&amp;")") != std::string::npos);
    CHECK(out.find(R"(name="csrf" value="c&quot;x")") != std::string::npos);
    CHECK(out.find(R"(name="back" value="?venue=a&amp;b=&quot;")") != std::string::npos);
    CHECK(out.find("Call me on &lt;b&gt;0123&lt;/b&gt; &amp; &quot;soon&quot;") != std::string::npos);
    CHECK(out.find("No decisions yet.") != std::string::npos);
    CHECK(out.find("Nothing is waiting.") == std::string::npos);

    Data opt, opts{Data::type::list}, field, fields{Data::type::list};
    opt.set("value", "Hall \"A\" & <B>");
    opt.set("text", "Hall \"A\" & <B>");
    opt.set("selected", Data(Data::type::bool_true));
    opts.push_back(opt);
    field.set("name", "venue");
    field.set("label", "Venue");
    field.set("select", Data(Data::type::bool_true));
    field.set("options", opts);
    field.set("missing", "gone'<");
    fields.push_back(field);
    Data f;
    f.set("action", "/dashboard");
    f.set("fields", fields);
    f.set("notes", Data(Data::type::list));
    const std::string form_out = t.render("filters", f);
    CHECK(form_out.find(R"(<option value="Hall &quot;A&quot; &amp; &lt;B&gt;" selected>Hall &quot;A&quot; &amp; &lt;B&gt;</option>)") !=
          std::string::npos);
    CHECK(form_out.find(R"(<option value="gone&#39;&lt;" selected>gone&#39;&lt; (no responses)</option>)") != std::string::npos);
}
