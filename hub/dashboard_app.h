// The dashboard's inner parts, shared by its source files (not an interface outside hub/dashboard*.cpp):
// the Dashboard class, whose routes, login and pages live in
//   dashboard.cpp            routes, page shell, filter form, refusals, html_escape
//   dashboard_auth.cpp       login, logout, web sessions, CSRF, login throttling, passwords and user names
//   dashboard_export.cpp     the export links and GET /dashboard/export.{csv,json}
//   dashboard_page_*.cpp     one file per page (overview, questions, needs, texts, review, import, kiosks, surveys)
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dashboard.h"
#include "dashboard_forms.h"
#include "dashboard_render.h"
#include "engage/results.h"
#include "engage/strings.h"
#include "engage/survey.h"
#include "export.h"
#include "http.h"
#include "store.h"
#include "throttle.h"

namespace engage::hub::dash {

constexpr long kSessionSeconds = 12 * 3600;
constexpr int kFreeLoginFailures = 10;  // per (name, client address); then 30 s, 60 s… up to 15 minutes
constexpr std::size_t kMaxFormBody = 64 * 1024;
constexpr const char* kSessionCookie = "engage_session";
constexpr const char* kLoginCookie = "engage_login";
constexpr std::size_t kMaxTextsListed = 1000;  // on the Review page
constexpr std::size_t kTextsPerPage = 50;      // on the Texts page

// The first `max` code points of a UTF-8 string, with "…" when cut.
inline std::string clip(const std::string& s, std::size_t max) {
    std::size_t cps = 0, i = 0;
    while (i < s.size()) {
        if (cps == max) return s.substr(0, i) + "…";
        const unsigned char c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        ++cps;
    }
    return s;
}

inline std::string day_of(const std::string& utc) { return utc.size() >= 10 ? utc.substr(0, 10) : utc; }

inline Data yes(bool b) { return Data(b ? Data::type::bool_true : Data::type::bool_false); }

// The names of the dashboard's templates (assets/hub/templates/NAME.mustache), all read at start.
const std::vector<std::string>& template_names();

inline std::string when(const std::string& utc) {
    return utc.size() >= 16 ? utc.substr(0, 10) + " " + utc.substr(11, 5) : utc;
}

class Dashboard {
public:
    Dashboard(HubStore& store, const DashboardOptions& o, LogLine log);
    void install(http::Server& svr, std::size_t max_upload);
    // A page without a session (refusals from the HTTP layer).
    static void send_page(http::Response& res, int status, const std::string& body);
    // A refusal or problem page's body (refusal.mustache): `kind` is the one section set, d the values it shows.
    static std::string refusal(const std::string& kind, Data d = Data());

private:
    struct Ctx {
        std::string user, csrf;
        Filters f;
        std::vector<std::string> notes;  // filter values that were ignored
        std::optional<std::int64_t> pending;
    };
    using PageFn = std::string (Dashboard::*)(Ctx&, const http::Request&);

    // ---- responses (dashboard.cpp) --------------------------------------------------------------------------
    static void redirect(http::Response& res, const std::string& to);
    static void headers(http::Response& res);
    static void send_html(http::Response& res, int status, const std::string& html);
    // A database error: logged, and a 503 (transient) or 500 page saying so, ending with `then`.
    void db_error(http::Response& res, const DbError& e, const std::string& then);
    void page_route(http::Server& svr, const std::string& path, PageFn fn);
    void load_surveys(const std::string& dir);
    void load_library_surveys();
    // Re-reads the library when its stamp (HubStore::library_stamp) moved: surveys added by the CLI or an upload
    // show without a restart. Pages read surveys_ under a shared lock of library_mu_.
    void refresh_library();
    std::string filter_form(const Ctx& c, const std::string& action, bool search = false);
    static std::string shell(const std::string& title, const std::string& user, const std::string& csrf,
                             const std::string& body, const std::string& current = "", const Filters* f = nullptr,
                             std::int64_t pending = 0);
    // A signed-in page around `body` (layout.mustache). Wide tables scroll inside their own box
    // (<div class="table"> in the templates, at 200 % zoom), never the whole page.
    std::string page(Ctx& c, const std::string& title, const std::string& path, const std::string& body);

    // ---- login and sessions (dashboard_auth.cpp) ------------------------------------------------------------
    std::string cookie_attrs(long max_age) const;
    // Reads a small form body (application/x-www-form-urlencoded). False when too large or unreadable.
    static bool read_form(const http::ContentReader& reader, std::map<std::string, std::string>& form);
    std::optional<WebSession> session_of(const http::Request& req, std::string* token_hash = nullptr);
    void login_form(const http::Request&, http::Response& res, const std::string& error, int status = 200);
    bool verify(const std::optional<std::string>& stored, const std::string& password);
    void login(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    void logout(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    void forbidden(http::Response& res);

    // "fewer than 5" for 1..min-1, else the number.
    std::string count_text(std::int64_t n) const {
        return results::suppressed(n, min_) ? "fewer than " + std::to_string(min_) : std::to_string(n);
    }
    bool too_few(std::int64_t n) const { return n < min_; }

    // ---- exports (dashboard_export.cpp) ---------------------------------------------------------------------
    std::string export_links(const Ctx& c) const;
    void export_file(const http::Request& req, http::Response& res, ExportFormat format);

    // ---- pages (dashboard_page_*.cpp) -----------------------------------------------------------------------
    std::string overview(Ctx& c, const http::Request& req);
    std::string questions(Ctx& c, const http::Request& req);
    std::string needs(Ctx& c, const http::Request& req);
    std::string texts(Ctx& c, const http::Request& req);
    std::string review(Ctx& c, const http::Request& req);
    void review_post(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    struct Upload {
        std::string csrf, bytes, file_name;
        bool too_big = false;
    };
    static Upload read_upload(const http::ContentReader& reader, const std::string& field, std::size_t max);
    std::string import_form(Ctx& c, const http::Request&);
    void import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    std::string kiosks(Ctx& c, const http::Request& req);
    std::string surveys_page(Ctx& c, const http::Request& req);
    std::string surveys_body(const std::string& csrf, Data d);
    void surveys_post(const http::Request& req, http::Response& res, const http::ContentReader& reader);
    // POST /dashboard/surveys/publish and /unpublish: what `engage-hub survey publish|unpublish` does.
    void publish_post(const http::Request& req, http::Response& res, const http::ContentReader& reader, bool publish);
    std::int64_t pending_count(Ctx& c);
    // The kiosks' names from `engage-hub kiosk add`, by the kiosk's own id (device id).
    std::map<std::string, std::string> kiosk_names();
    std::string question_prompt(const std::string& survey_id, int version, const std::string& qid) const;
    std::string label(const Survey* s, const results::QuestionTally& q, const std::string& option_id) const;
    struct Bar {
        std::string label;
        std::int64_t n = 0;
        std::optional<int> percent;  // none under the small-number rule
    };
    std::string chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars) const;

    static inline const Templates* templates_ = nullptr;  // the last registered dashboard's (one per process)
    std::unique_ptr<Templates> own_templates_;
    HubStore& store_;
    int min_;
    bool tls_;
    LogLine log_;
    SurveySet surveys_;
    ExportSurveys export_surveys_;
    Strings strings_;
    int stale_days_ = 3;
    std::shared_mutex library_mu_;  // surveys_ and export_surveys_: written only by refresh_library
    std::mutex stamp_mu_;
    std::string library_stamp_;
    Backoff login_failures_{kFreeLoginFailures, std::chrono::seconds(30), std::chrono::minutes(15), std::chrono::hours(1)};
    std::once_flag dummy_once_;
    std::string dummy_hash_;
};

}  // namespace engage::hub::dash
