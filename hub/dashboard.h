// The organiser's dashboard, served by engage-hub serve: server-rendered HTML (no JavaScript), an organiser
// login (Argon2id password hashes, HttpOnly SameSite=Strict session cookie, per-session CSRF token), the
// small-number rule (fewer than --min-count responses never shows a number) and a review queue for free text
// that looks like it names or contacts someone. See docs/hub.md, "Dashboard".
#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace engage::hub::http {
class Server;
struct Response;
}

namespace engage::hub {

class HubStore;

struct DashboardOptions {
    std::string surveys_dir;  // survey definitions (prompts, option labels); "" = engage::assets_dir() + "/surveys"
    int min_count = 5;        // the small-number rule; clamped to at least 3
    bool tls = false;         // the hub serves HTTPS: cookies get Secure
    int max_body_mib = 8;     // the largest upload (a USB bundle) the dashboard takes
    std::string templates_dir;  // the page templates; "" = engage::assets_dir() + "/hub/templates"
    int stale_days = 3;         // the Kiosks page flags kiosks not heard from for longer
};

using LogLine = std::function<void(const std::string&)>;

// Registers GET /, /login, /dashboard… and POST /login, /logout, /dashboard/review. Call before the hub's
// catch-all routes. Throws std::runtime_error when a page template is missing or invalid. `log` writes one line to the hub's log (logins, review decisions).
void register_dashboard(http::Server& svr, HubStore& store, const DashboardOptions& opts, LogLine log);
// Dashboard paths (/, /login, /logout, /dashboard...) get HTML refusals from the HTTP layer.
bool is_dashboard_path(const std::string& path);
// The plain page for a request the HTTP layer refused (413: the upload is larger than `max_body` bytes).
void dashboard_refusal(http::Response& res, int status, std::size_t max_body);

// The one escaper for every dynamic string in the dashboard's HTML (text and attribute contexts):
// & < > " ' become entities; bytes that are not valid UTF-8 and control characters (but tab and new line)
// become U+FFFD.
std::string html_escape(std::string_view s);

// Passwords for `engage-hub user add`: at least kMinPasswordLength characters (code points), at most 1024 bytes.
inline constexpr std::size_t kMinPasswordLength = 10;
bool password_acceptable(const std::string& password, std::string& why);
// libsodium crypto_pwhash_str (Argon2id, interactive limits). Throws std::runtime_error when out of memory.
std::string hash_password(const std::string& password);
// User names: 1 to 64 bytes, no control characters, no leading or trailing spaces.
bool user_name_ok(const std::string& name, std::string& why);

}  // namespace engage::hub

namespace engage::hub {

// `engage-hub user add|list|remove` (hub/dashboard_users.cpp). Return the process exit code.
// add: the password from the terminal (no echo, asked twice), or one line from standard input with
// password_stdin; sets or replaces the password (a replaced one ends the user's dashboard sessions).
int user_add(const std::string& db, const std::string& name, bool password_stdin);
int user_list(const std::string& db, bool as_json);
int user_remove(const std::string& db, const std::string& name);

}  // namespace engage::hub
