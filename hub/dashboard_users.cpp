// engage-hub user add | list | remove: the organisers who may log in to the dashboard.
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "dashboard.h"
#include "store.h"

namespace engage::hub {
namespace {

// One line from the terminal without echo. False at end of input.
bool read_hidden(const char* prompt, std::string& out) {
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    termios old{};
    const bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    const bool ok = static_cast<bool>(std::getline(std::cin, out));
    if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return ok;
}

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

}  // namespace

int user_add(const std::string& db, const std::string& name, bool password_stdin) {
    std::string why;
    if (!user_name_ok(name, why)) {
        std::fprintf(stderr, "engage-hub user add: %s\n", why.c_str());
        return 2;
    }
    std::string pw, again;
    if (password_stdin) {
        if (!std::getline(std::cin, pw)) {
            std::fprintf(stderr, "engage-hub user add: no password on standard input\n");
            return 2;
        }
        if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    } else {
        if (!isatty(STDIN_FILENO)) {
            std::fprintf(stderr, "engage-hub user add: standard input is not a terminal: type the password in a "
                                 "terminal, or give it on standard input with --password-stdin\n");
            return 2;
        }
        if (!read_hidden("Password (at least 10 characters): ", pw) || !read_hidden("The same password again: ", again)) {
            std::fprintf(stderr, "engage-hub user add: no password given\n");
            return 2;
        }
        if (pw != again) {
            wipe(pw);
            wipe(again);
            std::fprintf(stderr, "engage-hub user add: the two passwords differ; nothing was changed\n");
            return 2;
        }
        wipe(again);
    }
    if (!password_acceptable(pw, why)) {
        wipe(pw);
        std::fprintf(stderr, "engage-hub user add: %s\n", why.c_str());
        return 2;
    }
    std::string hash;
    try {
        hash = hash_password(pw);
    } catch (const std::exception& e) {
        wipe(pw);
        std::fprintf(stderr, "engage-hub user add: %s\n", e.what());
        return 1;
    }
    wipe(pw);
    try {
        auto store = HubStore::open(db, true);
        bool existed = false;
        for (const auto& u : store->list_users()) existed = existed || u.name == name;
        store->set_user(name, hash);
        std::printf(existed ? "Changed the password of \"%s\" (their dashboard sessions have ended).\n"
                            : "Added \"%s\": they can log in to the dashboard now.\n",
                    name.c_str());
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub user add: %s\n", e.what());
        return 1;
    }
}

int user_list(const std::string& db, bool as_json) {
    try {
        auto store = HubStore::open(db, false);
        const auto users = store->list_users();
        if (as_json) {
            auto arr = nlohmann::json::array();
            for (const auto& u : users) arr.push_back({{"name", u.name}, {"created_utc", u.created_utc}});
            std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
            return 0;
        }
        if (users.empty()) {
            std::printf("No dashboard users yet: engage-hub user add NAME --db %s\n", db.c_str());
            return 0;
        }
        std::printf("%-32s %s\n", "NAME", "CREATED");
        for (const auto& u : users) std::printf("%-32s %s\n", u.name.c_str(), u.created_utc.c_str());
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub user list: %s\n", e.what());
        return 1;
    }
}

int user_remove(const std::string& db, const std::string& name) {
    try {
        auto store = HubStore::open(db, false);
        if (!store->remove_user(name)) {
            std::fprintf(stderr, "engage-hub user remove: no dashboard user \"%s\" (see engage-hub user list)\n",
                         name.c_str());
            return 1;
        }
        std::printf("Removed \"%s\": they can no longer log in, and their sessions have ended.\n", name.c_str());
        return 0;
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub user remove: %s\n", e.what());
        return 1;
    }
}

}  // namespace engage::hub
