// The dashboard's login and web sessions (dashboard_app.h): the login form, Argon2id password checks,
// throttling of wrong passwords, session and login cookies, CSRF tokens, logout; passwords and user names.
#include <sodium.h>

#include <map>
#include <optional>
#include <stdexcept>

#include "dashboard_app.h"
#include "engage/storage.h"
#include "engage/strings.h"
#include "engage/textcheck.h"
#include "server.h"

namespace engage::hub {

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

}  // namespace engage::hub

namespace engage::hub::dash {

std::string Dashboard::cookie_attrs(long max_age) const {
    return "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age) + (tls_ ? "; Secure" : "");
}

// Reads a small form body (application/x-www-form-urlencoded). False when too large or unreadable.
bool Dashboard::read_form(const http::ContentReader& reader, std::map<std::string, std::string>& form) {
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

std::optional<WebSession> Dashboard::session_of(const http::Request& req, std::string* token_hash) {
    const std::string token = cookie(req, kSessionCookie);
    if (token.empty() || token.size() > 100) return std::nullopt;
    const std::string th = sha256_hex(token);
    if (token_hash) *token_hash = th;
    return store_.find_web_session(th);
}

void Dashboard::login_form(const http::Request&, http::Response& res, const std::string& error, int status) {
    const std::string token = random_token();
    res.set_header("Set-Cookie", std::string(kLoginCookie) + "=" + token + cookie_attrs(900));
    Data d;
    d.set("token", token);
    if (!error.empty()) d.set("error", error);
    send_html(res, status, shell("Log in", "", "", templates_->render("login", d)));
}

bool Dashboard::verify(const std::optional<std::string>& stored, const std::string& password) {
    // Unknown names are checked against a dummy hash, so both take the same (slow) time.
    std::call_once(dummy_once_, [this] { dummy_hash_ = hash_password(random_token()); });
    const std::string& hash = stored ? *stored : dummy_hash_;
    // Each check takes 64 MiB: login runs on the HTTP layer's small pool of its own (Pool::Slow, 2 threads).
    const bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
    return ok && stored.has_value();
}

void Dashboard::login(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
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

void Dashboard::logout(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
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

void Dashboard::forbidden(http::Response& res) {
    send_html(res, 403, shell("Not accepted", "", "", refusal("forged")));
}

}  // namespace engage::hub::dash
