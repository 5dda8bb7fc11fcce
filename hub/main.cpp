// engage-hub: the organiser's hub. Kiosks upload their responses to it (docs/sync-protocol.md);
// see docs/hub.md and hub/README.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "backup.h"
#include "dashboard.h"
#include "export.h"
#include "fleet.h"
#include "import.h"
#include "library.h"
#include "server.h"
#include "store.h"

namespace {

using engage::hub::DbError;
using engage::hub::HubStore;
using nlohmann::json;

constexpr const char* kVersionText = "engage-hub " ENGAGE_VERSION;

std::string or_never(const std::string& s) { return s.empty() ? "never" : s; }

json kiosk_json(const engage::hub::KioskInfo& k) {
    auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
    return json{{"id", k.id},
                {"name", k.name},
                {"created_utc", k.created_utc},
                {"kiosk_id", opt(k.device_id)},
                {"last_seen_utc", opt(k.last_seen_utc)},
                {"revoked_utc", opt(k.revoked_utc)}};
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

int db_fail(const char* cmd, const DbError& e) {
    std::fprintf(stderr, "engage-hub %s: %s\n", cmd, e.what());
    return 1;
}

bool name_ok(const std::string& name, std::string& why) {
    if (name.empty() || name.size() > 200) {
        why = "the kiosk name must be 1 to 200 characters";
        return false;
    }
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) {
            why = "the kiosk name must not contain control characters (new lines, tabs)";
            return false;
        }
    return true;
}

int kiosk_add(const std::string& db, const std::string& name, bool as_json) {
    std::string why;
    if (!name_ok(name, why)) {
        std::fprintf(stderr, "engage-hub kiosk add: %s\n", why.c_str());
        return 2;
    }
    try {
        auto store = HubStore::open(db, true);
        const auto e = store->add_kiosk(name);
        if (as_json) {
            json j = kiosk_json(e.kiosk);
            j["token"] = e.token;
            j["pairing_code"] = e.pairing_code;
            j["pairing_code_expires_utc"] = e.code_expires_utc;
            std::printf("%s\n", dump(j).c_str());
        } else {
            std::printf("Enrolled kiosk \"%s\".\n", e.kiosk.name.c_str());
            std::printf("  hub kiosk id:  %s\n", e.kiosk.id.c_str());
            std::printf("  token:         %s\n", e.token.c_str());
            std::printf("  pairing code:  %s\n", e.pairing_code.c_str());
            std::printf("The token is shown only this once: put it in the kiosk's settings, or type the pairing\n"
                        "code on the kiosk instead (usable once, until %s).\n",
                        e.code_expires_utc.c_str());
        }
        return 0;
    } catch (const DbError& e) {
        return db_fail("kiosk add", e);
    }
}

int kiosk_list(const std::string& db, bool as_json) {
    try {
        auto store = HubStore::open(db, false);
        const auto ks = store->list_kiosks();
        if (as_json) {
            json arr = json::array();
            for (const auto& k : ks) arr.push_back(kiosk_json(k));
            std::printf("%s\n", dump(arr).c_str());
            return 0;
        }
        if (ks.empty()) {
            std::printf("No kiosks yet: engage-hub kiosk add NAME --db %s\n", db.c_str());
            return 0;
        }
        std::printf("%-28s %-36s %-20s %-20s %s\n", "NAME", "ID", "CREATED", "LAST HEARD FROM", "REVOKED");
        for (const auto& k : ks)
            std::printf("%-28s %-36s %-20s %-20s %s\n", k.name.c_str(), k.id.c_str(), k.created_utc.c_str(),
                        or_never(k.last_seen_utc).c_str(), k.revoked() ? k.revoked_utc.c_str() : "no");
        return 0;
    } catch (const DbError& e) {
        return db_fail("kiosk list", e);
    }
}

int kiosk_revoke(const std::string& db, const std::string& id) {
    try {
        auto store = HubStore::open(db, false);
        std::string why;
        auto k = store->find_kiosk(id, why);
        if (!k) {
            std::fprintf(stderr, "engage-hub kiosk revoke: %s\n", why.c_str());
            return 1;
        }
        if (!store->revoke_kiosk(k->id)) {
            std::printf("Kiosk \"%s\" (%s) was already revoked at %s.\n", k->name.c_str(), k->id.c_str(),
                        k->revoked_utc.c_str());
            return 0;
        }
        std::printf("Revoked kiosk \"%s\" (%s): its tokens and pairing codes no longer work. Its records stay.\n",
                    k->name.c_str(), k->id.c_str());
        return 0;
    } catch (const DbError& e) {
        return db_fail("kiosk revoke", e);
    }
}

int kiosk_code(const std::string& db, const std::string& id) {
    try {
        auto store = HubStore::open(db, false);
        std::string why;
        auto k = store->find_kiosk(id, why);
        if (!k) {
            std::fprintf(stderr, "engage-hub kiosk code: %s\n", why.c_str());
            return 1;
        }
        if (k->revoked()) {
            std::fprintf(stderr, "engage-hub kiosk code: kiosk \"%s\" is revoked; enrol it again with kiosk add\n",
                         k->name.c_str());
            return 1;
        }
        const auto [code, expires] = store->new_pairing_code(k->id);
        std::printf("Pairing code for \"%s\": %s (usable once, until %s)\n", k->name.c_str(), code.c_str(),
                    expires.c_str());
        return 0;
    } catch (const DbError& e) {
        return db_fail("kiosk code", e);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"engage-hub: the organiser's hub. Kiosks upload their responses to it; each arrives once."};
    app.set_version_flag("--version", kVersionText);
    app.require_subcommand(1);

    const char* db_help = "Hub database: a SQLite file or a postgresql://user@host/db URL";
    std::string db;

    engage::hub::ServeOptions so;
    CLI::App* serve = app.add_subcommand("serve", "Receive batches from kiosks over HTTP(S) (POST /v1/batches)");
    serve->set_version_flag("--version", kVersionText);
    serve->add_option("--db", so.db, db_help)->envname("ENGAGE_HUB_DB")->required();
    serve->add_option("--listen", so.listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
    serve->add_option("--tls-cert", so.tls_cert, "PEM certificate (chain) for HTTPS; with --tls-key")->check(CLI::ExistingFile);
    serve->add_option("--tls-key", so.tls_key, "PEM private key for HTTPS; with --tls-cert")->check(CLI::ExistingFile);
    serve->add_option("--max-body-mib", so.max_body_mib, "Largest compressed request body in MiB; larger gets 413 (default 8)")
        ->check(CLI::Range(1, 1024));
    serve->add_option("--threads", so.threads, "Worker threads (default 32; each holds one database connection)")
        ->check(CLI::Range(1, 256));
    serve->add_option("--max-connections", so.max_connections, "Open connections at most, in total (default 1000)")
        ->check(CLI::Range(1, 60000));
    serve->add_option("--max-per-address", so.max_per_address,
                      "Open connections at most from one client address (default 100; kiosks behind one router share one)")
        ->check(CLI::Range(1, 60000));
    serve->add_option("--idle-timeout", so.idle_timeout_s,
                      "Seconds a connection may send or read nothing before it is closed (default 15)")
        ->check(CLI::Range(1, 3600));
    serve->add_option("--log", so.log_file, "Also append the request log (one line per request) to FILE");
    serve->add_option("--min-count", so.min_count,
                      "Dashboard: counts from fewer than N responses show as \"fewer than N\" (default 5; below 3 counts as 3)")
        ->check(CLI::Range(1, 1000000));
    serve->add_option("--stale-days", so.stale_days,
                      "Kiosks page: flag kiosks not heard from for more than N days (default 3)")
        ->check(CLI::Range(1, 3650));
    serve->add_option("--surveys", so.surveys_dir,
                      "Dashboard: optional folder of survey files for prompts and labels, besides the survey "
                      "library (default: the bundled surveys)");

    CLI::App* kiosk = app.add_subcommand("kiosk", "Enrol, list and revoke kiosks");
    kiosk->set_version_flag("--version", kVersionText);
    kiosk->require_subcommand(1);

    std::string name, id;
    bool as_json = false;
    CLI::App* add = kiosk->add_subcommand("add", "Enrol a kiosk: prints its hub id, token (once) and a pairing code");
    add->set_version_flag("--version", kVersionText);
    add->add_option("NAME", name, "A name people recognise, e.g. \"Library, Main St\"")->required();
    add->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    add->add_flag("--json", as_json, "Print JSON");

    CLI::App* list = kiosk->add_subcommand("list", "List kiosks: name, id, created, last heard from, revoked");
    list->set_version_flag("--version", kVersionText);
    list->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    list->add_flag("--json", as_json, "Print JSON");

    CLI::App* revoke = kiosk->add_subcommand("revoke", "Revoke a kiosk: its tokens stop working (its records stay)");
    revoke->set_version_flag("--version", kVersionText);
    revoke->add_option("ID", id, "Hub kiosk id (or its first 6+ characters)")->required();
    revoke->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();

    CLI::App* code = kiosk->add_subcommand("code", "A new pairing code for a kiosk (usable once, valid 24 hours)");
    code->set_version_flag("--version", kVersionText);
    code->add_option("ID", id, "Hub kiosk id (or its first 6+ characters)")->required();
    code->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();

    // USB bundles (hub/import.cpp): a kiosk's key file, and importing bundles.
    std::string key_out;
    CLI::App* key = kiosk->add_subcommand("key", "Write a kiosk's USB bundle key to a file, for a kiosk that never connects");
    key->set_version_flag("--version", kVersionText);
    key->add_option("ID", id, "Hub kiosk id (or its first 6+ characters)")->required();
    key->add_option("--out", key_out, "The key file to write (mode 0600; an existing file is never replaced)")->required();
    key->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    CLI::App* reset_code = kiosk->add_subcommand(
        "reset-code", "A one-time code that clears a kiosk's forgotten facilitator PIN (the kiosk needs its USB key)");
    reset_code->set_version_flag("--version", kVersionText);
    reset_code->add_option("ID", id, "Hub kiosk id (or its first 6+ characters)")->required();
    reset_code->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    std::vector<std::string> import_files;
    CLI::App* import_cmd = app.add_subcommand("import", "Import USB bundles written by kiosks; each response is stored once");
    import_cmd->set_version_flag("--version", kVersionText);
    import_cmd->add_option("FILE", import_files, "Bundle files (engage-….bundle)")->required();
    import_cmd->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    import_cmd->add_flag("--json", as_json, "Print JSON");

    int stale_days = engage::hub::kDefaultStaleDays;
    CLI::App* st = app.add_subcommand("status", "Per kiosk: name, venue, last heard, app version, live survey, waiting, "
                                                "gaps, conflicts, low disk, clock skew");
    st->set_version_flag("--version", kVersionText);
    st->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    st->add_flag("--json", as_json, "Print JSON");
    st->add_option("--stale-days", stale_days, "Flag kiosks not heard from for more than N days (default 3)")
        ->check(CLI::Range(1, 3650));

    // export: responses as CSV or JSON (hub/export.h; docs/hub.md "Exports and small numbers").
    engage::hub::ExportCommand ex;
    CLI::App* export_cmd = app.add_subcommand("export", "Export responses as CSV or JSON: one row per response, "
                                                        "one column per question");
    export_cmd->set_version_flag("--version", kVersionText);
    export_cmd->add_option("--db", ex.db, db_help)->envname("ENGAGE_HUB_DB")->required();
    export_cmd->add_option("--format", ex.format, "csv (UTF-8 with a BOM, for spreadsheets; the default) or json");
    export_cmd->add_option("--venue", ex.venue, "Only this venue (exact name)");
    export_cmd->add_option("--since", ex.since, "Only responses from this day on: YYYY-MM-DD (UTC)");
    export_cmd->add_option("--until", ex.until, "Only responses up to and including this day: YYYY-MM-DD (UTC)");
    export_cmd->add_option("--survey", ex.survey, "Only this survey id");
    export_cmd->add_option("--survey-version", ex.survey_version, "Only this survey version");
    export_cmd->add_option("--session", ex.session, "Only sessions of this event (exact name)");
    export_cmd->add_flag("--shareable", ex.shareable,
                         "For sharing: leave out venues and sessions with fewer than --min-count responses, "
                         "hold back free text that may name or contact someone");
    export_cmd->add_option("--min-count", ex.min_count, "The small-number rule for --shareable (default 5, never below 3)");
    export_cmd->add_option("--surveys", ex.surveys_dir, "Folder of survey files, for the question columns "
                                                        "(default: the bundled surveys)");
    export_cmd->add_option("--out", ex.out, "Write to FILE (default: standard output)");

    // Dashboard users (hub/dashboard_users.cpp).
    std::string user_name;
    bool password_stdin = false;
    CLI::App* user = app.add_subcommand("user", "Organisers who may log in to the dashboard: add, list, remove");
    user->set_version_flag("--version", kVersionText);
    user->require_subcommand(1);
    CLI::App* user_add = user->add_subcommand("add", "Add a dashboard user, or set a new password (asked twice, not shown)");
    user_add->set_version_flag("--version", kVersionText);
    user_add->add_option("NAME", user_name, "The name to log in with")->required();
    user_add->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    user_add->add_flag("--password-stdin", password_stdin, "Read the password (one line) from standard input");
    CLI::App* user_list = user->add_subcommand("list", "List dashboard users");
    user_list->set_version_flag("--version", kVersionText);
    user_list->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    user_list->add_flag("--json", as_json, "Print JSON");
    CLI::App* user_remove = user->add_subcommand("remove", "Remove a dashboard user (their sessions end)");
    user_remove->set_version_flag("--version", kVersionText);
    user_remove->add_option("NAME", user_name, "The user's name")->required();
    user_remove->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();

    // A kiosk pack for a kiosk that never connects (hub/library.cpp; docs/sync-protocol.md "Kiosk packs").
    std::string pack_out, pack_hub_url;
    CLI::App* pack = kiosk->add_subcommand("pack", "Write a kiosk pack (the surveys published to it, the hub address, "
                                                   "sealed with its key) and its key file to a folder, e.g. a USB stick");
    pack->set_version_flag("--version", kVersionText);
    pack->add_option("ID", id, "The hub kiosk id or its first 6+ characters")->required();
    pack->add_option("--out", pack_out, "The folder to write to (the USB stick)")->required();
    pack->add_option("--hub-url", pack_hub_url, "The hub's address as kiosks reach it, e.g. https://hub.example.org");
    pack->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();

    // The survey library (hub/library.cpp; docs/hub.md "Survey library").
    std::string survey_file, survey_id;
    std::int64_t survey_version = 0;
    CLI::App* survey = app.add_subcommand("survey", "The survey library: add (Engage JSON or XLSForm .xlsx), list, "
                                                    "show, retire");
    survey->set_version_flag("--version", kVersionText);
    survey->require_subcommand(1);
    CLI::App* survey_add = survey->add_subcommand("add", "Check a survey (Engage JSON or XLSForm .xlsx) and add it; "
                                                         "every problem is printed, and nothing is stored if there is one");
    survey_add->add_option("FILE", survey_file, "An Engage survey .json or an XLSForm .xlsx")->required();
    survey_add->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    CLI::App* survey_list = survey->add_subcommand("list", "Every survey version in the library");
    survey_list->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    survey_list->add_flag("--json", as_json, "Print JSON");
    CLI::App* survey_show = survey->add_subcommand("show", "Print a survey as Engage JSON (the highest version unless --version)");
    survey_show->add_option("ID", survey_id, "The survey id")->required();
    CLI::Option* show_version = survey_show->add_option("--version", survey_version, "That version")->check(CLI::Range(1, 2147483647));
    survey_show->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    CLI::App* survey_retire = survey->add_subcommand("retire", "Retire a survey (every version); its responses stay");
    survey_retire->add_option("ID", survey_id, "The survey id")->required();
    survey_retire->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    engage::hub::PublishTarget pub_target;
    std::int64_t pub_version = 0;
    auto publish_options = [&](CLI::App* c) {
        c->add_option("ID", survey_id, "The survey id")->required();
        c->add_flag("--all", pub_target.all, "Every kiosk (also kiosks enrolled later)");
        c->add_option("--kiosk", pub_target.kiosks, "These kiosks: hub kiosk ids or their first 6+ characters")
            ->expected(1, -1);
        c->add_option("--venue", pub_target.venues, "The kiosks whose newest response held was at this venue")
            ->expected(1, -1);
        c->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
        return c->add_option("--version", pub_version, "That version (default: the highest held)")
            ->check(CLI::Range(1, 2147483647));
    };
    CLI::App* survey_publish = survey->add_subcommand("publish", "Publish a survey version to kiosks: they fetch it "
                                                                 "at their next sync (GET /v1/surveys)");
    CLI::Option* publish_version = publish_options(survey_publish);
    CLI::App* survey_unpublish = survey->add_subcommand(
        "unpublish", "Remove publications of a survey (--all: every one of them, to any kiosk or venue; --kiosk / "
                     "--venue: only those; --version: only of that version). The library and responses stay");
    CLI::Option* unpublish_version = publish_options(survey_unpublish);

    // Backups of a SQLite hub (hub/backup.h; docs/install.md).
    std::string backup_out, restore_file;
    bool replace = false;
    CLI::App* backup = app.add_subcommand("backup", "Copy a SQLite hub database to a new file, also while it serves "
                                                    "(PostgreSQL: pg_dump)");
    backup->set_version_flag("--version", kVersionText);
    backup->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    backup->add_option("--out", backup_out, "The backup file to write (mode 0600; an existing file is never replaced)")
        ->required();
    CLI::App* restore = app.add_subcommand("restore", "Put a backup back as the hub database and upgrade it "
                                                      "(PostgreSQL: pg_restore)");
    restore->set_version_flag("--version", kVersionText);
    restore->add_option("FILE", restore_file, "A file written by engage-hub backup")->required();
    restore->add_option("--db", db, db_help)->envname("ENGAGE_HUB_DB")->required();
    restore->add_flag("--replace", replace, "Replace an existing hub database (saved first as DB.before-restore-TIME)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help / --version: 0; bad usage: 2 (docs/hub.md)
    }

    if (*serve) return engage::hub::serve(so);
    if (*add) return kiosk_add(db, name, as_json);
    if (*list) return kiosk_list(db, as_json);
    if (*revoke) return kiosk_revoke(db, id);
    if (*code) return kiosk_code(db, id);
    if (*key) return engage::hub::kiosk_key_command(db, id, key_out);
    if (*pack) return engage::hub::kiosk_pack_command(db, id, pack_out, pack_hub_url);
    if (*reset_code) return engage::hub::kiosk_reset_code_command(db, id);
    if (*import_cmd) return engage::hub::import_command(db, import_files, as_json);
    if (*st) return engage::hub::status_command(db, as_json, stale_days);
    if (*export_cmd) return engage::hub::run_export(ex);
    if (*user_add) return engage::hub::user_add(db, user_name, password_stdin);
    if (*user_list) return engage::hub::user_list(db, as_json);
    if (*user_remove) return engage::hub::user_remove(db, user_name);
    if (*survey_add) return engage::hub::survey_add(db, survey_file);
    if (*survey_list) return engage::hub::survey_list(db, as_json);
    if (*survey_show)
        return engage::hub::survey_show(db, survey_id, *show_version ? std::optional<std::int64_t>(survey_version)
                                                                     : std::nullopt);
    if (*survey_retire) return engage::hub::survey_retire(db, survey_id);
    auto pub_v = [&](CLI::Option* o) { return *o ? std::optional<std::int64_t>(pub_version) : std::nullopt; };
    if (*survey_publish) return engage::hub::survey_publish(db, survey_id, pub_v(publish_version), pub_target);
    if (*survey_unpublish) return engage::hub::survey_unpublish(db, survey_id, pub_v(unpublish_version), pub_target);
    if (*backup) return engage::hub::backup_command(db, backup_out);
    if (*restore) return engage::hub::restore_command(restore_file, db, replace);
    return 2;
}
