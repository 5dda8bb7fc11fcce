// The organiser's dashboard (docs/hub.md, "Dashboard"). Every page is built here as a string; every dynamic
// string goes through html_escape (h) on its way in, in text and attribute contexts alike. No JavaScript: the
// Content-Security-Policy forbids scripts entirely, so even an escaping mistake could not run one.
#include "dashboard.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "dashboard_data.h"
#include "dashboard_forms.h"
#include "dashboard_index.h"
#include "dashboard_render.h"
#include "engage/bundle.h"
#include "export.h"
#include "http.h"
#include "throttle.h"
#include "import.h"
#include "server.h"
#include "engage/config.h"
#include "engage/results.h"
#include "engage/storage.h"
#include "engage/strings.h"
#include "engage/survey.h"
#include "engage/textcheck.h"
#include "store.h"

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

bool password_acceptable(const std::string& password, std::string& why) {
    if (utf8_length(password) < kMinPasswordLength) {
        why = "the password must be at least " + std::to_string(kMinPasswordLength) + " characters";
        return false;
    }
    if (password.size() > 1024) {
        why = "the password must be at most 1024 bytes";
        return false;
    }
    return true;
}

std::string hash_password(const std::string& password) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("not enough memory to hash the password");
    return out;
}

bool user_name_ok(const std::string& name, std::string& why) {
    if (name.empty() || name.size() > 64) {
        why = "the user name must be 1 to 64 bytes";
        return false;
    }
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) {
            why = "the user name must not contain control characters";
            return false;
        }
    if (name.front() == ' ' || name.back() == ' ') {
        why = "the user name must not start or end with a space";
        return false;
    }
    return true;
}

namespace dash {

std::string h(std::string_view s) { return html_escape(s); }

constexpr long kSessionSeconds = 12 * 3600;
constexpr int kFreeLoginFailures = 10;  // per (name, client address); then 30 s, 60 s… up to 15 minutes
constexpr std::size_t kMaxFormBody = 64 * 1024;
constexpr const char* kSessionCookie = "engage_session";
constexpr const char* kLoginCookie = "engage_login";
constexpr std::size_t kMaxTextsListed = 1000;

// ---- the app --------------------------------------------------------------------------------------------
class Dashboard {
public:
    Dashboard(HubStore& store, const DashboardOptions& o, LogLine log)
        : store_(store), min_(results::clamp_min_count(o.min_count)), tls_(o.tls), log_(std::move(log)) {
        // Every page is rendered from these: a missing or broken one stops the hub at start (register_dashboard).
        own_templates_ = std::make_unique<Templates>(o.templates_dir.empty() ? templates_dir() : o.templates_dir,
                                                     std::vector<std::string>{"layout", "login", "overview", "needs"});
        templates_ = own_templates_.get();
        const std::string dir = o.surveys_dir.empty() ? engage::assets_dir() + "/surveys" : o.surveys_dir;
        load_surveys(dir);
        std::vector<std::string> export_problems;
        export_surveys_.load_dir(dir, export_problems);
        std::vector<std::string> problems;
        strings_.load(engage::assets_dir() + "/i18n", "en", &problems);
    }

    void install(http::Server& svr, std::size_t max_upload) {
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
        svr.route("POST", "/dashboard/import", [this](const Request& req, Response& res, const ContentReader& reader) {
            import_post(req, res, reader);
        }, max_upload);
    }

    // A page without a session (refusals from the HTTP layer).
    static void send_page(http::Response& res, int status, const std::string& body) {
        send_html(res, status, shell("Not accepted", "", "", body));
    }

private:
    struct Ctx {
        std::string user, csrf;
        Filters f;
        std::vector<std::string> notes;  // filter values that were ignored
        std::optional<std::int64_t> pending;
    };
    using PageFn = std::string (Dashboard::*)(Ctx&, const http::Request&);

    static void redirect(http::Response& res, const std::string& to) {
        res.status = 303;
        res.set_header("Location", to);
        res.set_header("Cache-Control", "no-store");
        res.set_content("", "text/plain");
    }

    static void headers(http::Response& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
                       "frame-ancestors 'none'");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("X-Frame-Options", "DENY");
        res.set_header("Cache-Control", "no-store");
    }

    static void send_html(http::Response& res, int status, const std::string& html) {
        res.status = status;
        headers(res);
        res.set_content(html, "text/html; charset=utf-8");
    }

    std::string cookie_attrs(long max_age) const {
        return "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age) + (tls_ ? "; Secure" : "");
    }

    // Reads a small form body (application/x-www-form-urlencoded). False when too large or unreadable.
    static bool read_form(const http::ContentReader& reader, std::map<std::string, std::string>& form) {
        std::string body;
        bool over = false;
        std::size_t seen = 0;
        reader([&](const char* d, std::size_t n) {
            seen += n;
            if (body.size() + n > kMaxFormBody) over = true;
            if (!over) body.append(d, n);
            return seen <= 64 * kMaxFormBody;
        });
        if (over) return false;
        form = parse_form(body);
        return true;
    }

    std::optional<WebSession> session_of(const http::Request& req, std::string* token_hash = nullptr) {
        const std::string token = cookie(req, kSessionCookie);
        if (token.empty() || token.size() > 100) return std::nullopt;
        const std::string th = sha256_hex(token);
        if (token_hash) *token_hash = th;
        return store_.find_web_session(th);
    }

    void page_route(http::Server& svr, const std::string& path, PageFn fn) {
        svr.route("GET", path, [this, fn](const http::Request& req, http::Response& res, const http::ContentReader&) {
            try {
                auto s = session_of(req);
                if (!s) return redirect(res, "/login");
                Ctx ctx;
                ctx.user = s->user;
                ctx.csrf = s->csrf;
                ctx.f = parse_filters(req, ctx.notes);
                send_html(res, 200, (this->*fn)(ctx, req));
            } catch (const DbError& e) {
                log_(std::string("dashboard: database error: ") + e.what());
                send_html(res, e.transient ? 503 : 500,
                          shell("The hub database is busy", "", "",
                                "<p>The hub database is busy or unreachable. Try again in a moment.</p>"));
            }
        });
    }

    // ---- login ------------------------------------------------------------------------------------------
    void login_form(const http::Request&, http::Response& res, const std::string& error, int status = 200) {
        const std::string token = random_token();
        res.set_header("Set-Cookie", std::string(kLoginCookie) + "=" + token + cookie_attrs(900));
        Data d;
        d.set("token", token);
        if (!error.empty()) d.set("error", error);
        send_html(res, status, shell("Log in", "", "", templates_->render("login", d)));
    }

    bool verify(const std::optional<std::string>& stored, const std::string& password) {
        // Unknown names are checked against a dummy hash, so both take the same (slow) time.
        std::call_once(dummy_once_, [this] { dummy_hash_ = hash_password(random_token()); });
        const std::string& hash = stored ? *stored : dummy_hash_;
        // Each check takes 64 MiB: login runs on the HTTP layer's small pool of its own (Pool::Slow, 2 threads).
        const bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
        return ok && stored.has_value();
    }

    void login(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
        std::map<std::string, std::string> form;
        if (!read_form(reader, form)) return login_form(req, res, "The form was too large.", 413);
        if (!same_secret(form["login_token"], cookie(req, kLoginCookie)))
            return login_form(req, res, "The login form had expired. Please try again.", 400);
        const std::string name = form["name"], password = form["password"];
        std::optional<std::string> stored;
        std::string why;
        if (user_name_ok(name, why) && password.size() <= 1024) stored = store_.user_password_hash(name);
        // A name that is no user may be a password typed in the wrong field: it is never logged.
        const std::string who = "dashboard login user=" + (stored ? one_line(name, 64) : std::string("(not a user)")) +
                                " from " + req.remote_addr;
        const std::string key = lower_ascii(name) + '\n' + req.remote_addr;
        if (const long wait = login_failures_.wait_seconds(key); wait > 0) {
            log_(who + ": refused (too many wrong passwords from this address; " + std::to_string(wait) + " s to wait)");
            login_form(req, res,
                       "Too many wrong passwords for this name from here. Try again in " + std::to_string(wait) +
                           " seconds.",
                       429);
            return res.replace_header("Retry-After", std::to_string(wait));
        }
        if (!verify(stored, password)) {
            const int n = login_failures_.failure(key);
            log_(who + ": refused (" + (stored ? "wrong password" : "no such user") + ", " + std::to_string(n) +
                 " from this address)");
            return login_form(req, res, "That name and password do not match", 403);
        }
        login_failures_.success(key);
        const std::string token = random_token();
        WebSession s{name, random_token(), utc_seconds_now(), utc_after(kSessionSeconds)};
        store_.add_web_session(sha256_hex(token), s);
        log_(who + ": logged in");
        redirect(res, "/dashboard");
        headers(res);
        res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token + cookie_attrs(kSessionSeconds));
    }

    void logout(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
        std::map<std::string, std::string> form;
        std::string th;
        auto s = session_of(req, &th);
        if (!read_form(reader, form) || !s) return redirect(res, "/login");
        if (!same_secret(form["csrf"], s->csrf)) return forbidden(res);
        store_.end_web_session(th);
        log_("dashboard logout user=" + one_line(s->user, 64) + " from " + req.remote_addr);
        redirect(res, "/login");
        res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + cookie_attrs(0));
    }

    void forbidden(http::Response& res) {
        send_html(res, 403, shell("Not accepted", "", "",
                                  "<h1>Not accepted</h1><p>The form did not come from this dashboard (its security "
                                  "token is missing or out of date). Go back, reload the page and try again.</p>"));
    }

    // ---- surveys ------------------------------------------------------------------------------------------
    void load_surveys(const std::string& dir) {
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

    std::string filter_form(const Ctx& c, const std::string& action, bool search = false) {
        const Filters& f = c.f;
        auto select = [&](const char* name, const char* label, const std::string& current,
                          const std::vector<std::pair<std::string, std::string>>& options) {
            std::string s = "<div><label for=\"f-" + std::string(name) + "\">" + label + "</label><select id=\"f-" +
                            name + "\" name=\"" + name + "\">\n<option value=\"\">All</option>\n";
            bool found = current.empty();
            for (const auto& [v, text] : options) {
                const bool sel = v == current;
                found = found || sel;
                s += "<option value=\"" + h(v) + "\"" + (sel ? " selected" : "") + ">" + h(text) + "</option>\n";
            }
            if (!found) s += "<option value=\"" + h(current) + "\" selected>" + h(current) + " (no responses)</option>\n";
            return s + "</select></div>\n";
        };
        std::vector<std::pair<std::string, std::string>> venues, sessions, surveys, versions;
        const Choices all = choices(store_, surveys_);
        for (const auto& v : all.venues) venues.emplace_back(v, v.empty() ? "(no venue)" : v);
        for (const auto& s : all.sessions) sessions.emplace_back(s.key, s.label());
        for (const auto& [id, title] : all.surveys) surveys.emplace_back(id, title == id ? id : title + " (" + id + ")");
        for (int v : all.versions) versions.emplace_back(std::to_string(v), "version " + std::to_string(v));
        std::string s = "<form method=\"get\" action=\"" + h(action) + "\" class=\"filters\" aria-label=\"Filters\">\n";
        s += select("venue", "Venue", f.venue, venues);
        s += select("session", "Session", f.session, sessions);
        s += "<div><label for=\"f-from\">From</label><input type=\"date\" id=\"f-from\" name=\"from\" value=\"" + h(f.from) +
             "\"></div>\n";
        s += "<div><label for=\"f-to\">To</label><input type=\"date\" id=\"f-to\" name=\"to\" value=\"" + h(f.to) +
             "\"></div>\n";
        s += select("survey", "Survey", f.survey, surveys);
        s += select("version", "Survey version", f.version, versions);
        if (search)
            s += "<div><label for=\"f-q\">Search the texts</label><input type=\"search\" id=\"f-q\" name=\"q\" value=\"" +
                 h(f.q) + "\"></div>\n";
        s += "<div><button type=\"submit\">Show</button> <a href=\"" + h(action) + "\">Clear</a></div>\n</form>\n";
        for (const auto& n : c.notes) s += "<p class=\"error\">" + h(n) + "</p>\n";
        return s;
    }

    // ---- page shell ----------------------------------------------------------------------------------------
    static std::string shell(const std::string& title, const std::string& user, const std::string& csrf,
                             const std::string& body, const std::string& current = "", const Filters* f = nullptr,
                             std::int64_t pending = 0) {
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
                {"/dashboard/import", "Import a USB bundle"}};
            for (const auto& [path, text] : links) {
                Data l;
                l.set("href", path + q);
                l.set("text", text);
                l.set("current", Data(path == current ? Data::type::bool_true : Data::type::bool_false));
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
    std::string page(Ctx& c, const std::string& title, const std::string& path, const std::string& body) {
        std::string b;
        b.reserve(body.size() + 256);
        std::size_t at = 0;
        for (std::size_t k; (k = body.find("<table>", at)) != std::string::npos;) {
            const std::size_t end = body.find("</table>", k);
            if (end == std::string::npos) break;
            b.append(body, at, k - at);
            b += "<div class=\"table\" tabindex=\"0\">";
            b.append(body, k, end + 8 - k);
            b += "</div>";
            at = end + 8;
        }
        b.append(body, at, std::string::npos);
        return shell(title, c.user, c.csrf, b, path, &c.f, pending_count(c));
    }

    // "fewer than 5" for 1..min-1, else the number.
    std::string count_text(std::int64_t n) const {
        return results::suppressed(n, min_) ? "fewer than " + std::to_string(min_) : std::to_string(n);
    }
    std::string count_cell(std::int64_t n) const {
        if (results::suppressed(n, min_)) return "<td class=\"few\">fewer than " + std::to_string(min_) + "</td>";
        return "<td class=\"n\">" + std::to_string(n) + "</td>";
    }
    bool too_few(std::int64_t n) const { return n < min_; }
    std::string too_few_note(const std::string& what) const {
        return "<p class=\"few-note\">" + h(what) + ": fewer than " + std::to_string(min_) +
               " responses, so nothing more is shown (to protect the people who took part).</p>\n";
    }

    std::string export_links(const Ctx& c) const;
    void export_file(const http::Request& req, http::Response& res, ExportFormat format);

    // ---- pages (dashboard_pages.cpp) ------------------------------------------------------------------------
    std::string overview(Ctx& c, const http::Request& req);
    std::string questions(Ctx& c, const http::Request& req);
    std::string needs(Ctx& c, const http::Request& req);
    std::string texts(Ctx& c, const http::Request& req);
    std::string review(Ctx& c, const http::Request& req);
    void review_post(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    std::string import_form(Ctx& c, const http::Request&);
    void import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    std::int64_t pending_count(Ctx& c);
    std::string question_prompt(const std::string& survey_id, int version, const std::string& qid) const;
    std::string label(const Survey* s, const results::QuestionTally& q, const std::string& option_id) const;
    std::string chart(const std::string& id, const std::string& title, const std::vector<std::pair<std::string, std::int64_t>>& bars) const;


    static inline const Templates* templates_ = nullptr;  // the last registered dashboard's (one per process)
    std::unique_ptr<Templates> own_templates_;
    HubStore& store_;
    int min_;
    bool tls_;
    LogLine log_;
    SurveySet surveys_;
    ExportSurveys export_surveys_;
    Strings strings_;
    Backoff login_failures_{kFreeLoginFailures, std::chrono::seconds(30), std::chrono::minutes(15), std::chrono::hours(1)};
    std::once_flag dummy_once_;
    std::string dummy_hash_;

};


// ---- pages ------------------------------------------------------------------------------------------------
namespace {

// The first `max` code points of a UTF-8 string, with "…" when cut.
std::string clip(const std::string& s, std::size_t max) {
    std::size_t cps = 0, i = 0;
    while (i < s.size()) {
        if (cps == max) return s.substr(0, i) + "…";
        const unsigned char c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        ++cps;
    }
    return s;
}

std::string day_of(const std::string& utc) { return utc.size() >= 10 ? utc.substr(0, 10) : utc; }

std::string when(const std::string& utc) {
    return utc.size() >= 16 ? utc.substr(0, 10) + " " + utc.substr(11, 5) : utc;
}

}  // namespace

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

std::string Dashboard::export_links(const Ctx& c) const {
    const std::string q = query(c.f);
    return "<p>Download the responses matching these filters, ready to share (groups of fewer than " +
           std::to_string(min_) + " responses left out, texts waiting for review held back): <a href=\"" +
           h("/dashboard/export.csv" + q) + "\">CSV for spreadsheets</a> · <a href=\"" + h("/dashboard/export.json" + q) +
           "\">JSON</a>.</p>\n";
}

// The other engineer's export (hub/export.h) in its shareable mode, with the page's filters.
void Dashboard::export_file(const http::Request& req, http::Response& res, ExportFormat format) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        std::vector<std::string> notes;
        const Filters f = parse_filters(req, notes);
        ExportOptions o;
        o.format = format;
        o.shareable = true;
        o.min_count = min_;
        if (!f.venue.empty()) o.filters.venue = f.venue;
        if (!f.from.empty() && valid_export_date(f.from, false)) o.filters.since = f.from;
        if (!f.to.empty() && valid_export_date(f.to, false)) {
            o.filters.until = next_day(f.to);
            o.until_day = f.to;
        }
        if (!f.survey.empty()) o.filters.survey_id = f.survey;
        if (!f.version.empty()) o.filters.survey_version = std::stoll(f.version);
        auto rows = store_.query_records(o.filters);
        if (!f.session.empty())
            rows.erase(std::remove_if(rows.begin(), rows.end(),
                                      [&](const RecordRow& r) {
                                          return !r.has_session ||
                                                 session_key(r.session_event, r.session_venue, r.session_started_utc) !=
                                                     f.session;
                                      }),
                       rows.end());
        o.reviews = store_.text_reviews();
        std::ostringstream out;
        ExportReport rep;
        write_export(out, rows, export_surveys_, o, rep);
        const bool csv = format == ExportFormat::Csv;
        res.status = 200;
        headers(res);
        res.set_header("Content-Disposition",
                       std::string("attachment; filename=\"engage-responses.") + (csv ? "csv" : "json") + "\"");
        res.set_content(out.str(), csv ? "text/csv; charset=utf-8" : "application/json");
        log_("dashboard export user=" + one_line(s->user, 64) + " format=" + (csv ? "csv" : "json") +
             " shareable rows=" + std::to_string(rep.rows) + " left_out=" + std::to_string(rep.left_out) +
             " held_back=" + std::to_string(rep.held_back));
    } catch (const DbError& e) {
        log_(std::string("dashboard: database error: ") + e.what());
        send_html(res, e.transient ? 503 : 500,
                  shell("The hub database is busy", "", "", "<p>The hub database is busy or unreachable. Try again.</p>"));
    }
}

std::string Dashboard::chart(const std::string& id, const std::string& title,
                             const std::vector<std::pair<std::string, std::int64_t>>& bars) const {
    constexpr int kWidth = 800, kLabelW = 330, kBarX = 340, kBarW = 340, kRow = 36, kPad = 8;
    const int height = kPad * 2 + static_cast<int>(bars.size()) * kRow;
    std::int64_t max = 1;
    for (const auto& [label, n] : bars)
        if (!results::suppressed(n, min_)) max = std::max(max, n);
    std::string s = "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(height) + "\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
                    std::to_string(height) + "\" role=\"img\" aria-labelledby=\"" + h(id) + "-t\">\n<title id=\"" +
                    h(id) + "-t\">" + h(title) + "</title>\n";
    int y = kPad;
    for (const auto& [label, n] : bars) {
        const std::string ty = std::to_string(y + kRow / 2 + 5);
        s += "<text x=\"" + std::to_string(kLabelW) + "\" y=\"" + ty +
             "\" text-anchor=\"end\" font-size=\"15\" fill=\"#1a1a1a\">" + h(clip(label, 38)) + "</text>\n";
        if (results::suppressed(n, min_)) {
            s += "<text x=\"" + std::to_string(kBarX) + "\" y=\"" + ty +
                 "\" font-size=\"15\" font-style=\"italic\" fill=\"#4a4a4a\">fewer than " + std::to_string(min_) +
                 "</text>\n";
        } else {
            const int w = n > 0 ? std::max(2, static_cast<int>(kBarW * n / max)) : 0;
            if (w > 0)
                s += "<rect x=\"" + std::to_string(kBarX) + "\" y=\"" + std::to_string(y + 6) + "\" width=\"" +
                     std::to_string(w) + "\" height=\"" + std::to_string(kRow - 12) + "\" fill=\"#1f5f9e\"/>\n";
            s += "<text x=\"" + std::to_string(kBarX + w + 8) + "\" y=\"" + ty +
                 "\" font-size=\"15\" fill=\"#1a1a1a\">" + std::to_string(n) + "</text>\n";
        }
        y += kRow;
    }
    s += "</svg>\n<details><summary>The same as a table</summary>\n<table>\n<caption>" + h(title) +
         "</caption>\n<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\">Responses</th></tr></thead>\n<tbody>\n";
    for (const auto& [label, n] : bars) s += "<tr><th scope=\"row\">" + h(label) + "</th>" + count_cell(n) + "</tr>\n";
    s += "</tbody>\n</table>\n</details>\n</figure>\n";
    return s;
}

std::string Dashboard::label(const Survey* s, const results::QuestionTally& q, const std::string& id) const {
    const Question* def = s ? s->find(q.id) : nullptr;
    if (def) {
        for (const auto& o : def->options)
            if (o.id == id && !o.label.empty()) return o.label.get("en");
        const std::string key = std::string("option.") + to_string(def->type) + "." + id;
        if (strings_.all().count(key)) return strings_.get(key);
        if (id == kOtherOptionId) return "Other";
        if (def->type == QuestionType::Scale) {
            if (id == "0" && !def->low_label.empty()) return "0 (" + def->low_label.get("en") + ")";
            if (id == "10" && !def->high_label.empty()) return "10 (" + def->high_label.get("en") + ")";
        }
    }
    return id;
}

std::string Dashboard::overview(Ctx& c, const http::Request&) {
    const std::int64_t total = dash::total(store_, c.f);
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard"));
    d.set("export_links", export_links(c));
    d.set("total", count_text(total));
    d.set("min", std::to_string(min_));
    auto count = [&](Data& row, std::int64_t n) {
        row.set("n", std::to_string(n));
        row.set("min", std::to_string(min_));
        row.set("few", Data(results::suppressed(n, min_) ? Data::type::bool_true : Data::type::bool_false));
    };
    auto link = [&](const Filters& f) { return "/dashboard/questions" + query(f); };
    if (total > 0) {
        d.set("any", Data(Data::type::bool_true));
        Data venues{Data::type::list};
        for (const auto& [v, n] : count_by(store_, c.f, "venue")) {
            Data row;
            row.set("name", v.empty() ? "(no venue)" : v);
            count(row, n);
            Filters f = c.f;
            f.venue = v;
            if (!too_few(n)) row.set("link", link(f));
            venues.push_back(row);
        }
        d.set("venues", venues);

        const auto by_session = count_by(store_, c.f, "session_key");
        std::vector<std::string> keys;
        for (const auto& [k, n] : by_session)
            if (!k.empty()) keys.push_back(k);
        auto info = dash::sessions(store_, keys);
        std::vector<std::pair<SessionInfo, std::int64_t>> srows;
        for (const auto& [k, n] : by_session)
            srows.emplace_back(k.empty() ? SessionInfo{"", "(no session)", "", ""} : info[k], n);
        std::sort(srows.begin(), srows.end(), [](const auto& x, const auto& y) {
            return std::tie(x.first.started, x.first.venue, x.first.event) <
                   std::tie(y.first.started, y.first.venue, y.first.event);
        });
        Data sessions{Data::type::list};
        for (const auto& [si, n] : srows) {
            Data row;
            row.set("event", si.event.empty() ? "(no event)" : si.event);
            row.set("venue", si.venue);
            row.set("started", when(si.started));
            count(row, n);
            if (!si.key.empty() && !too_few(n)) {
                Filters f = c.f;
                f.session = si.key;
                row.set("link", link(f));
            }
            sessions.push_back(row);
        }
        d.set("sessions", sessions);

        Data days{Data::type::list};
        for (const auto& [day, n] : count_by(store_, c.f, "day")) {
            Data row;
            row.set("day", day);
            count(row, n);
            days.push_back(row);
        }
        d.set("days", days);
    }
    return page(c, "Overview", "/dashboard", templates_->render("overview", d));
}

std::string Dashboard::questions(Ctx& c, const http::Request&) {
    std::string b = "<h1>Questions</h1>\n" + filter_form(c, "/dashboard/questions");
    const auto counts = by_survey(store_, c.f);
    // Which survey: the chosen one, else the one with the most responses here.
    std::string survey = c.f.survey;
    if (survey.empty()) {
        std::map<std::string, std::int64_t> n;
        for (const auto& sc : counts) n[sc.id] += sc.responses;
        std::int64_t best = -1;
        for (const auto& [id, k] : n)
            if (k > best) best = k, survey = id;
    }
    int version = 0;
    std::int64_t responses = 0, bad = 0;
    std::set<int> versions;
    for (const auto& sc : counts)
        if (sc.id == survey && sc.responses > 0) {
            responses += sc.responses;
            bad += sc.bad;
            versions.insert(sc.version);
            version = std::max(version, sc.version);
        }
    if (survey.empty()) return page(c, "Questions", "/dashboard/questions", b + "<p>No responses match these filters yet.</p>\n");
    const Survey* def = surveys_.find(survey, version);
    std::string vtext;
    for (int v : versions) vtext += (vtext.empty() ? "" : ", ") + std::to_string(v);
    b += "<h2>" + h(surveys_.title(survey)) + "</h2>\n<p class=\"meta\">Survey " + h(survey) + ", version" +
         (versions.size() > 1 ? "s " : " ") + h(vtext) + (def ? "" : " (the hub has no copy of this survey: ids are shown)") +
         ". Responses: " + count_text(responses) + ".</p>\n" + export_links(c);
    if (too_few(responses)) return page(c, "Questions", "/dashboard/questions", b + too_few_note("These filters"));

    const results::Tally t = tally(tally_rows(store_, c.f, survey), def, responses, bad);
    int chart_no = 0;
    for (const auto& q : t.questions) {
        const Question* qd = def ? def->find(q.id) : nullptr;
        const std::string prompt = qd && !qd->prompt.get("en").empty() ? qd->prompt.get("en") : q.id;
        b += "<section>\n<h3>" + h(prompt) + "</h3>\n<p class=\"meta\">" + h(q.id) + " · " + h(q.type) +
             " · answered by " + count_text(q.answered) + "</p>\n";
        if (q.type == "text") {
            Filters f = c.f;
            f.survey = survey;
            b += "<p>Free-text answers are listed on the <a href=\"" + h("/dashboard/texts" + query(f)) +
                 "\">Texts</a> page.</p>\n</section>\n";
            continue;
        }
        if (too_few(q.answered)) {
            b += too_few_note("This question") + "</section>\n";
            continue;
        }
        std::vector<std::pair<std::string, std::int64_t>> bars;
        for (const auto& cnt : q.counts) bars.emplace_back(label(def, q, cnt.id), cnt.n);
        b += chart("chart-" + std::to_string(++chart_no), prompt, bars) + "</section>\n";
    }
    if (t.bad > 0) b += "<p class=\"meta\">Some responses could not be read and are not counted.</p>\n";
    return page(c, "Questions", "/dashboard/questions", b);
}

std::string Dashboard::needs(Ctx& c, const http::Request&) {
    Data d;
    d.set("filter_form", filter_form(c, "/dashboard/needs"));
    d.set("min", std::to_string(min_));
    auto done = [&] { return page(c, "Access needs", "/dashboard/needs", templates_->render("needs", d)); };
    const auto per_group = responses_by_venue_survey(store_, c.f);
    std::int64_t total = 0;
    for (const auto& [k, n] : per_group) total += n;
    if (total == 0) d.set("none", Data(Data::type::bool_true));
    else if (too_few(total)) d.set("too_few", Data(Data::type::bool_true));
    if (total == 0 || too_few(total)) return done();

    struct Row {
        std::int64_t responses = 0, answered = 0;
        std::map<std::string, std::int64_t> n;
    };
    std::map<std::string, Row> rows;
    std::vector<std::string> columns = builtin_option_ids(QuestionType::Needs);
    bool other = false;
    std::int64_t unknown = 0;
    // The needs questions of each (survey, version), or none when the hub has no copy of the survey.
    std::map<std::pair<std::string, int>, std::set<std::string>> needs_of;
    for (const auto& [k, n] : per_group) {
        const auto& [venue, id, version] = k;
        rows[venue].responses += n;
        const Survey* s = surveys_.find(id, version);
        if (!s) {
            unknown += n;
            continue;
        }
        auto& qs = needs_of[{id, version}];
        for (const auto& q : s->questions)
            if (q.type == QuestionType::Needs) qs.insert(q.id);
    }
    for (const auto& r : needs_rows(store_, c.f)) {  // first-seen order
        auto qs = needs_of.find({r.survey_id, r.version});
        if (qs == needs_of.end()) continue;
        if (r.a.kind == "S") {
            std::size_t start = 0;
            bool any = false;
            while (start <= r.a.value.size()) {
                std::size_t end = r.a.value.find('\n', start);
                if (end == std::string::npos) end = r.a.value.size();
                any = any || qs->second.count(r.a.value.substr(start, end - start)) > 0;
                start = end + 1;
            }
            if (any) rows[r.venue].answered += r.a.n;
            continue;
        }
        if (!qs->second.count(r.a.question)) continue;
        const std::string& k = r.a.value;
        rows[r.venue].n[k] += r.a.n;
        if (k == kOtherOptionId) other = true;
        else if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
    if (other) columns.push_back(kOtherOptionId);
    auto col_label = [&](const std::string& id) {
        const std::string key = "option.needs." + id;
        return strings_.all().count(key) ? strings_.get(key) : id;
    };
    Data cols{Data::type::list};
    for (const auto& col : columns) cols.push_back(Data(col_label(col)));
    d.set("columns", cols);
    auto cell = [&](std::int64_t n) {
        Data x;
        x.set("n", std::to_string(n));
        x.set("few", Data(results::suppressed(n, min_) ? Data::type::bool_true : Data::type::bool_false));
        return x;
    };
    Data list{Data::type::list};
    for (const auto& [venue, row] : rows) {
        Data r;
        r.set("venue", venue.empty() ? "(no venue)" : venue);
        r.set("hidden", Data(too_few(row.responses) ? Data::type::bool_true : Data::type::bool_false));
        r.set("span", std::to_string(columns.size() + 2));
        Data cells{Data::type::list};
        cells.push_back(cell(row.responses));
        cells.push_back(cell(row.answered));
        for (const auto& col : columns) {
            auto it = row.n.find(col);
            cells.push_back(cell(it == row.n.end() ? 0 : it->second));
        }
        r.set("cells", cells);
        list.push_back(r);
    }
    d.set("rows", list);
    d.set("table", Data(Data::type::bool_true));
    if (unknown > 0) d.set("unknown", count_text(unknown));
    return done();
}

std::string Dashboard::texts(Ctx& c, const http::Request&) {
    std::string b = "<h1>Texts</h1>\n" + filter_form(c, "/dashboard/texts", true);
    const auto per_venue = count_by(store_, c.f, "venue");
    std::int64_t total = 0;
    std::vector<std::string> small_venues;
    for (const auto& [v, n] : per_venue) {
        total += n;
        if (too_few(n)) small_venues.push_back(v);
    }
    if (total == 0) return page(c, "Texts", "/dashboard/texts", b + "<p>No responses match these filters yet.</p>\n");
    if (too_few(total)) return page(c, "Texts", "/dashboard/texts", b + too_few_note("These filters"));
    const std::string needle = lower_ascii(c.f.q);
    const TextCounts n = text_counts(store_, c.f, small_venues, needle);
    b += "<p>" + (needle.empty() ? std::string("Texts") : "Texts containing “" + h(c.f.q) + "”") + ": <strong>" +
         count_text(n.shown) + "</strong>.";
    if (n.held > 0) b += " Some texts look like they name or contact someone and wait for review on the <a href=\"" +
                         h("/dashboard/review" + query(c.f)) + "\">Review</a> page.";
    if (n.small > 0) b += " Texts from venues with fewer than " + std::to_string(min_) + " responses are not listed.";
    b += "</p>\n" + export_links(c);
    // The first kMaxTextsListed in record order, grouped by question in the order questions first appear.
    const auto items = dash::texts(store_, c.f, small_venues, needle, kMaxTextsListed + 1);
    std::map<std::string, std::vector<const TextRow*>> by_question;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < items.size() && i < kMaxTextsListed; ++i) {
        if (!by_question.count(items[i].question)) order.push_back(items[i].question);
        by_question[items[i].question].push_back(&items[i]);
    }
    for (const auto& qid : order) {
        const auto& list = by_question[qid];
        b += "<section>\n<h2>" + h(question_prompt(list.front()->survey_id, list.front()->version, qid)) +
             "</h2>\n<ul class=\"texts\">\n";
        for (const TextRow* t : list)
            b += "<li><p class=\"text\">" + h(t->text) + "</p><p class=\"meta\">" +
                 h(t->venue.empty() ? "(no venue)" : t->venue) + " · " + h(day_of(t->created_utc)) + "</p></li>\n";
        b += "</ul>\n</section>\n";
    }
    if (items.size() > kMaxTextsListed)
        b += "<p>Only the first " + std::to_string(kMaxTextsListed) + " texts are listed: narrow the filters.</p>\n";
    return page(c, "Texts", "/dashboard/texts", b);
}

std::string Dashboard::review(Ctx& c, const http::Request&) {
    std::string b = "<h1>Review</h1>\n" + filter_form(c, "/dashboard/review") +
                    "<p>These texts look like they name or contact someone. They are not listed on the Texts page "
                    "until you approve them. Hidden texts stay in the hub's database (and in full exports).</p>\n";
    const std::string back = query(c.f);
    auto form = [&](const TextRow& r, const char* decision, const char* text) {
        return "<form method=\"post\" action=\"/dashboard/review\"><input type=\"hidden\" name=\"csrf\" value=\"" +
               h(c.csrf) + "\"><input type=\"hidden\" name=\"kiosk\" value=\"" + h(r.kiosk) +
               "\"><input type=\"hidden\" name=\"uuid\" value=\"" + h(r.uuid) +
               "\"><input type=\"hidden\" name=\"question\" value=\"" + h(r.question) +
               "\"><input type=\"hidden\" name=\"back\" value=\"" + h(back) +
               "\"><input type=\"hidden\" name=\"decision\" value=\"" + decision + "\"><button type=\"submit\">" +
               text + "</button></form>";
    };
    auto item = [&](const TextRow& r) {
        return "<div class=\"review\"><p class=\"meta\">" + h(question_prompt(r.survey_id, r.version, r.question)) +
               " · " + h(r.venue.empty() ? "(no venue)" : r.venue) + " · " + h(day_of(r.created_utc)) +
               "</p><p class=\"text\">" + h(r.text) + "</p>";
    };
    std::string pending, done;
    for (const auto& r : review_items(store_, c.f, false, kMaxTextsListed))
        pending += item(r) + "<p>" + form(r, "approve", "Approve: list it") + " " + form(r, "hide", "Hide it") +
                   "</p></div>\n";
    for (const auto& r : review_items(store_, c.f, true, kMaxTextsListed)) {
        const bool approved = r.decision == "approved";
        done += item(r) + "<p class=\"meta\">" + (approved ? "Approved" : "Hidden") + " by " + h(r.reviewer) + " at " +
                h(when(r.decided_utc)) + ". " +
                form(r, approved ? "hide" : "approve", approved ? "Hide it" : "Approve: list it") + "</p></div>\n";
    }
    b += "<h2>Waiting for review</h2>\n" + (pending.empty() ? std::string("<p>Nothing is waiting.</p>\n") : pending);
    b += "<h2>Decided</h2>\n" + (done.empty() ? std::string("<p>No decisions yet.</p>\n") : done);
    return page(c, "Review", "/dashboard/review", b);
}

void Dashboard::review_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    std::map<std::string, std::string> form;
    try {
        auto s = session_of(req);
        if (!read_form(reader, form) || !s) return redirect(res, "/login");
        if (!same_secret(form["csrf"], s->csrf)) return forbidden(res);
        const std::string decision = form["decision"] == "approve" ? "approved" : form["decision"] == "hide" ? "hidden" : "";
        // The text is (kiosk, uuid, question): a uuid is unique only within its kiosk. A form without the kiosk
        // is taken only when exactly one kiosk has such a text.
        const std::string uuid = form["uuid"], qid = form["question"], kiosk = form["kiosk"];
        std::vector<std::string> kiosks;
        if (!decision.empty() && uuid.size() <= 64 && qid.size() <= 256 && kiosk.size() <= 64)
            kiosks = kiosks_with_text(store_, uuid, qid, kiosk);
        if (kiosks.size() != 1)
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf,
                                             "<h1>Not accepted</h1><p>That text or decision is not known.</p>"));
        store_.set_text_review({*kiosks.begin(), uuid, qid, decision, s->user, utc_seconds_now()});
        log_("dashboard review user=" + one_line(s->user, 64) + " " + decision + " the text " + one_line(qid, 64) +
             " of record " + uuid.substr(0, 8) + "…");
        std::string back = form["back"];
        const bool clean = back.empty() || (back[0] == '?' && std::all_of(back.begin(), back.end(), [](char ch) {
                                                return std::isalnum(static_cast<unsigned char>(ch)) ||
                                                       std::string_view("?&=%-_.~+").find(ch) != std::string_view::npos;
                                            }));
        redirect(res, "/dashboard/review" + (clean ? back : ""));
    } catch (const DbError& e) {
        log_(std::string("dashboard: database error: ") + e.what());
        send_html(res, e.transient ? 503 : 500,
                  shell("The hub database is busy", "", "", "<p>The hub database is busy or unreachable. Try again.</p>"));
    }
}

// ---- USB bundles: the same import as `engage-hub import`, from the browser -------------------------------------
std::string Dashboard::import_form(Ctx& c, const http::Request&) {
    std::string b = "<h1>Import a USB bundle</h1>\n"
                    "<p>A kiosk that never gets a connection saves its responses to a USB stick as a <code>.bundle</code> "
                    "file, locked with a key only this hub holds. Choose the file: each response is stored once, so "
                    "importing a bundle twice, or importing it and later syncing that kiosk, never makes copies.</p>\n"
                    "<form method=\"post\" action=\"/dashboard/import\" enctype=\"multipart/form-data\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"" + h(c.csrf) + "\">"
                    "<label for=\"bundle\">Bundle file</label> <input id=\"bundle\" type=\"file\" name=\"bundle\" "
                    "accept=\".bundle\" required> <button type=\"submit\">Import</button></form>\n";
    return page(c, "Import a USB bundle", "/dashboard/import", b);
}

void Dashboard::import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        if (!req.is_multipart_form_data()) return send_html(res, 400, shell("Not accepted", s->user, s->csrf,
                                                                            "<h1>Not accepted</h1><p>Choose a bundle file to import.</p>"));
        std::string csrf, bytes, current, file_name;
        bool too_big = false;
        reader(
            [&](const http::MultipartHeader& part) {
                current = part.name;
                if (current == "bundle") file_name = part.filename;
                return true;
            },
            [&](const char* data, std::size_t n) {
                if (current == "csrf" && csrf.size() + n <= 256) csrf.append(data, n);
                if (current == "bundle") {
                    if (bytes.size() + n > kBundleMaxBytes) too_big = true;
                    else bytes.append(data, n);
                }
                return !too_big;
            });
        if (!same_secret(csrf, s->csrf)) return forbidden(res);
        std::string body = "<h1>Import a USB bundle</h1>\n";
        int status = 200;
        if (too_big) {
            status = 413;
            body += "<p class=\"error\">That file is larger than a bundle can be. Nothing was stored.</p>";
        } else {
            const ImportOutcome r = import_bundle(store_, bytes);
            log_("dashboard import user=" + one_line(s->user, 64) + " file=" + one_line(file_name, 80) + " " +
                 (r.ok ? "stored " + std::to_string(r.counts.stored) + ", already held " + std::to_string(r.counts.duplicate) +
                             ", conflicts " + std::to_string(r.counts.conflict) + ", invalid " + std::to_string(r.counts.invalid)
                       : "refused: " + one_line(r.error, 200)));
            if (!r.ok) {
                status = 422;
                body += "<p class=\"error\">" + h(file_name) + " was not imported: " + h(r.error) +
                        " Nothing was stored.</p>";
            } else {
                body += "<p>" + h(file_name) + " from <strong>" + h(r.kiosk.name) + "</strong>: " +
                        std::to_string(r.counts.stored) + " responses stored, " + std::to_string(r.counts.duplicate) +
                        " already held";
                if (r.counts.conflict) body += ", " + std::to_string(r.counts.conflict) + " in conflict (kept apart)";
                if (r.counts.invalid) body += ", " + std::to_string(r.counts.invalid) + " refused as invalid";
                body += ".</p>";
            }
        }
        body += "<p><a href=\"/dashboard/import\">Import another</a> · <a href=\"/dashboard\">Overview</a></p>";
        send_html(res, status, shell("Import a USB bundle", s->user, s->csrf, body));
    } catch (const DbError& e) {
        log_(std::string("dashboard: database error: ") + e.what());
        send_html(res, e.transient ? 503 : 500,
                  shell("The hub database is busy", "", "", "<p>The hub database is busy or unreachable. Nothing was stored.</p>"));
    }
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
    std::string body;
    if (status == 413)
        body = "<h1>Too large</h1><p>That upload is larger than the hub accepts (" + std::to_string(max_body >> 20) +
               " MiB). Nothing was stored. A bigger USB bundle can be imported on the hub's computer with "
               "<code>engage-hub import FILE</code>.</p>";
    else if (status == 404)
        body = "<h1>Not found</h1><p>There is no such page. <a href=\"/dashboard\">Overview</a></p>";
    else if (status == 405)
        body = "<h1>Not allowed</h1><p>This page cannot be used that way. <a href=\"/dashboard\">Overview</a></p>";
    else
        body = "<h1>Not accepted</h1><p>The request was not understood.</p>";
    dash::Dashboard::send_page(res, status, body);
}

}  // namespace engage::hub
