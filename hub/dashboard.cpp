// The organiser's dashboard (docs/hub.md, "Dashboard"): its routes, the page shell, the filter form and the
// HTTP layer's refusals; the login is in dashboard_auth.cpp, each page in dashboard_page_*.cpp (dashboard_app.h).
// Every dynamic string goes through html_escape (h) on its way in, in text and attribute contexts alike. No
// JavaScript: the Content-Security-Policy forbids scripts entirely, so even an escaping mistake could not run one.
#include "dashboard.h"

#include <filesystem>
#include <map>
#include <stdexcept>

#include "dashboard_app.h"
#include "dashboard_data.h"
#include "engage/config.h"
#include "server.h"

namespace engage::hub {

// ---- escaping, passwords, names (public) ---------------------------------------------------------------
std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            switch (c) {
                case '&': out += "&amp;"; break;
                case '<': out += "&lt;"; break;
                case '>': out += "&gt;"; break;
                case '"': out += "&quot;"; break;
                case '\'': out += "&#39;"; break;
                case '\t':
                case '\n': out += static_cast<char>(c); break;
                default:
                    if (c < 0x20 || c == 0x7f) out += "\xEF\xBF\xBD";
                    else out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (no overlongs, no surrogates) is copied; anything else is U+FFFD.
        std::size_t len = 0;
        std::uint32_t cp = 0, min = 0;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
        bool ok = len > 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            ok = (p[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp < 0xA0);
        if (ok) {
            out.append(s.data() + i, len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

namespace dash {

namespace {
// Every page and every piece of one (assets/hub/templates/NAME.mustache).
const std::vector<std::string> kTemplates = {"layout",    "login",    "filters",  "export_links", "overview",
                                             "questions", "chart",    "needs",    "texts",        "review",
                                             "import",    "refusal",  "kiosks",   "surveys"};
}  // namespace

const std::vector<std::string>& template_names() { return kTemplates; }

Dashboard::Dashboard(HubStore& store, const DashboardOptions& o, LogLine log)
    : store_(store), min_(results::clamp_min_count(o.min_count)), tls_(o.tls), log_(std::move(log)),
      stale_days_(o.stale_days) {
    // Every page is rendered from these: a missing or broken one stops the hub at start (register_dashboard).
    own_templates_ = std::make_unique<Templates>(o.templates_dir.empty() ? templates_dir() : o.templates_dir, kTemplates);
    templates_ = own_templates_.get();
    const std::string dir = o.surveys_dir.empty() ? engage::assets_dir() + "/surveys" : o.surveys_dir;
    load_surveys(dir);
    std::vector<std::string> export_problems;
    export_surveys_.load_dir(dir, export_problems);
    refresh_library();
    std::vector<std::string> problems;
    strings_.load(engage::assets_dir() + "/i18n", "en", &problems);
}

void Dashboard::install(http::Server& svr, std::size_t max_upload) {
    using http::ContentReader;
    using http::Request;
    using http::Response;
    svr.route("GET", "/", [](const Request&, Response& res, const ContentReader&) { redirect(res, "/dashboard"); });
    svr.route("GET", "/login", [this](const Request& req, Response& res, const ContentReader&) {
        login_form(req, res, "");
    });
    // Password checks (Argon2id, 64 MiB and tens of milliseconds each) have a small pool of their own.
    svr.route("POST", "/login", [this](const Request& req, Response& res, const ContentReader& reader) {
        login(req, res, reader);
    }, kMaxFormBody, http::Pool::Slow);
    svr.route("POST", "/logout", [this](const Request& req, Response& res, const ContentReader& reader) {
        logout(req, res, reader);
    }, kMaxFormBody);
    svr.route("POST", "/dashboard/review", [this](const Request& req, Response& res, const ContentReader& reader) {
        review_post(req, res, reader);
    }, kMaxFormBody);
    svr.route("GET", "/dashboard/export.csv", [this](const Request& req, Response& res, const ContentReader&) {
        export_file(req, res, ExportFormat::Csv);
    });
    svr.route("GET", "/dashboard/export.json", [this](const Request& req, Response& res, const ContentReader&) {
        export_file(req, res, ExportFormat::Json);
    });
    page_route(svr, "/dashboard", &Dashboard::overview);
    page_route(svr, "/dashboard/questions", &Dashboard::questions);
    page_route(svr, "/dashboard/needs", &Dashboard::needs);
    page_route(svr, "/dashboard/texts", &Dashboard::texts);
    page_route(svr, "/dashboard/review", &Dashboard::review);
    page_route(svr, "/dashboard/import", &Dashboard::import_form);
    page_route(svr, "/dashboard/kiosks", &Dashboard::kiosks);
    page_route(svr, "/dashboard/surveys", &Dashboard::surveys_page);
    svr.route("POST", "/dashboard/surveys", [this](const Request& req, Response& res, const ContentReader& reader) {
        surveys_post(req, res, reader);
    }, max_upload);
    svr.route("POST", "/dashboard/surveys/publish", [this](const Request& req, Response& res, const ContentReader& reader) {
        publish_post(req, res, reader, true);
    }, kMaxFormBody);
    svr.route("POST", "/dashboard/surveys/unpublish", [this](const Request& req, Response& res, const ContentReader& reader) {
        publish_post(req, res, reader, false);
    }, kMaxFormBody);
    svr.route("POST", "/dashboard/import", [this](const Request& req, Response& res, const ContentReader& reader) {
        import_post(req, res, reader);
    }, max_upload);
}

// A page without a session (refusals from the HTTP layer).
void Dashboard::send_page(http::Response& res, int status, const std::string& body) {
    send_html(res, status, shell("Not accepted", "", "", body));
}

void Dashboard::redirect(http::Response& res, const std::string& to) {
    res.status = 303;
    res.set_header("Location", to);
    res.set_header("Cache-Control", "no-store");
    res.set_content("", "text/plain");
}

void Dashboard::headers(http::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
                   "frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Cache-Control", "no-store");
}

void Dashboard::send_html(http::Response& res, int status, const std::string& html) {
    res.status = status;
    headers(res);
    res.set_content(html, "text/html; charset=utf-8");
}

void Dashboard::page_route(http::Server& svr, const std::string& path, PageFn fn) {
    svr.route("GET", path, [this, fn](const http::Request& req, http::Response& res, const http::ContentReader&) {
        try {
            auto s = session_of(req);
            if (!s) return redirect(res, "/login");
            // What was stored a moment ago goes into the summaries first, up to a couple of thousand records (serve's
            // indexer does it in the background; a larger backlog shows as "still being added to the charts").
            try {
                for (int i = 0; i < 2 && store_.index_queued(1000) > 0; ++i) {
                }
            } catch (const DbError& e) {
                log_(std::string("dashboard: adding new responses to the charts: ") + e.what());
            }
            Ctx ctx;
            ctx.user = s->user;
            ctx.csrf = s->csrf;
            ctx.f = parse_filters(req, ctx.notes);
            refresh_library();
            std::shared_lock library(library_mu_);
            send_html(res, 200, (this->*fn)(ctx, req));
        } catch (const DbError& e) {
            db_error(res, e, "Try again in a moment.");
        }
    });
}

std::string Dashboard::refusal(const std::string& kind, Data d) {
    d.set(kind, yes(true));
    return templates_->render("refusal", d);
}

void Dashboard::db_error(http::Response& res, const DbError& e, const std::string& then) {
    log_(std::string("dashboard: database error: ") + e.what());
    Data d;
    d.set("then", then);
    send_html(res, e.transient ? 503 : 500, shell("The hub database is busy", "", "", refusal("busy", d)));
}

void Dashboard::load_surveys(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".json") continue;
        auto l = load_survey_file(e.path().string());
        if (!l.ok()) {
            log_("dashboard: survey file " + e.path().string() + " not used: " +
                 (l.problems.empty() ? std::string("unreadable") : l.problems.front().str()));
            continue;
        }
        surveys_.add(std::move(*l.survey));
    }
}

// The survey library (`engage-hub survey add`, the Surveys page): every version, after the folder's files; read at
// start and whenever the library's stamp moves (refresh_library, with library_mu_ held exclusively).
void Dashboard::load_library_surveys() {
    std::vector<LibrarySurvey> held;
    try {
        held = store_.list_surveys(true);
    } catch (const DbError& e) {
        log_(std::string("dashboard: survey library not read: ") + e.what());
        return;
    }
    for (const auto& s : held) {
        auto l = parse_survey(s.definition);
        if (!l.ok()) {
            log_("dashboard: library survey " + s.id + " version " + std::to_string(s.version) + " not used: " +
                 (l.problems.empty() ? std::string("unreadable") : l.problems.front().str()));
            continue;
        }
        export_surveys_.add(*l.survey);
        surveys_.add(std::move(*l.survey));
    }
}

std::string Dashboard::filter_form(const Ctx& c, const std::string& action, bool search) {
    const Filters& f = c.f;
    Data fields{Data::type::list};
    auto field = [&](const char* name, const char* label) {
        Data x;
        x.set("name", name);
        x.set("label", label);
        return x;
    };
    auto select = [&](const char* name, const char* label, const std::string& current,
                      const std::vector<std::pair<std::string, std::string>>& options) {
        Data x = field(name, label), list{Data::type::list};
        bool found = current.empty();
        for (const auto& [v, text] : options) {
            Data o;
            o.set("value", v);
            o.set("text", text);
            o.set("selected", yes(v == current));
            found = found || v == current;
            list.push_back(o);
        }
        x.set("select", yes(true));
        x.set("options", list);
        if (!found) x.set("missing", current);
        fields.push_back(x);
    };
    auto input = [&](const char* name, const char* label, const char* type, const std::string& value) {
        Data x = field(name, label);
        x.set("input", type);
        x.set("value", value);
        fields.push_back(x);
    };
    std::vector<std::pair<std::string, std::string>> venues, sessions, surveys, versions;
    const Choices all = choices(store_, surveys_);
    for (const auto& v : all.venues) venues.emplace_back(venue_value(v), v.empty() ? "(no venue)" : v);
    for (const auto& s : all.sessions) sessions.emplace_back(s.key, s.label());
    for (const auto& [id, title] : all.surveys) surveys.emplace_back(id, title == id ? id : title + " (" + id + ")");
    for (int v : all.versions) versions.emplace_back(std::to_string(v), "version " + std::to_string(v));
    select("venue", "Venue", f.venue, venues);
    select("session", "Session", f.session, sessions);
    input("from", "From", "date", f.from);
    input("to", "To", "date", f.to);
    select("survey", "Survey", f.survey, surveys);
    select("version", "Survey version", f.version, versions);
    if (search) input("q", "Search the texts", "search", f.q);
    Data d, notes{Data::type::list};
    for (const auto& n : c.notes) notes.push_back(Data(n));
    d.set("action", action);
    d.set("fields", fields);
    d.set("notes", notes);
    return templates_->render("filters", d);
}

std::string Dashboard::shell(const std::string& title, const std::string& user, const std::string& csrf,
                         const std::string& body, const std::string& current, const Filters* f,
                         std::int64_t pending) {
    Data d;
    d.set("title", title);
    d.set("body", body);
    if (!user.empty()) {
        const std::string q = f ? query(*f) : "";
        Data nav{Data::type::list};
        const std::pair<const char*, std::string> links[] = {
            {"/dashboard", "Overview"},
            {"/dashboard/questions", "Questions"},
            {"/dashboard/needs", "Access needs"},
            {"/dashboard/texts", "Texts"},
            {"/dashboard/review", pending > 0 ? "Review (" + std::to_string(pending) + " waiting)" : "Review"},
            {"/dashboard/import", "Import a USB bundle"},
            {"/dashboard/kiosks", "Kiosks"},
            {"/dashboard/surveys", "Surveys"}};
        for (const auto& [path, text] : links) {
            Data l;
            l.set("href", path + q);
            l.set("text", text);
            l.set("current", yes(path == current));
            nav.push_back(l);
        }
        d.set("nav", nav);
        Data u;
        u.set("name", user);
        u.set("csrf", csrf);
        d.set("user", u);
    }
    return templates_->render("layout", d);
}

// Wide tables scroll inside their own box (at 200 % zoom), never the whole page.
std::string Dashboard::page(Ctx& c, const std::string& title, const std::string& path, const std::string& body) {
    return shell(title, c.user, c.csrf, body, path, &c.f, pending_count(c));
}

std::string Dashboard::question_prompt(const std::string& survey_id, int version, const std::string& qid) const {
    const Survey* s = surveys_.find(survey_id, version);
    const Question* q = s ? s->find(qid) : nullptr;
    if (!q) return qid;
    const std::string& p = q->prompt.get("en");
    return p.empty() ? qid : p;
}

std::int64_t Dashboard::pending_count(Ctx& c) {
    if (!c.pending) c.pending = pending_reviews(store_);
    return *c.pending;
}

}  // namespace dash

void register_dashboard(http::Server& svr, HubStore& store, const DashboardOptions& opts, LogLine log) {
    static std::vector<std::unique_ptr<dash::Dashboard>> keep;  // lives as long as the server
    keep.push_back(std::make_unique<dash::Dashboard>(store, opts, std::move(log)));
    keep.back()->install(svr, std::size_t(opts.max_body_mib) * 1024 * 1024);
}

bool is_dashboard_path(const std::string& path) {
    return path == "/" || path == "/login" || path == "/logout" || path == "/dashboard" ||
           path.rfind("/dashboard/", 0) == 0;
}

void dashboard_refusal(http::Response& res, int status, std::size_t max_body) {
    dash::Data d;
    d.set("mib", std::to_string(max_body >> 20));
    const char* kind = status == 413 ? "too_large" : status == 404 ? "not_found" : status == 405 ? "not_allowed" : "bad_request";
    dash::Dashboard::send_page(res, status, dash::Dashboard::refusal(kind, d));
}

}  // namespace engage::hub
