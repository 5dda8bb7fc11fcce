// SQLite connection: WAL, synchronous=FULL, foreign keys, a busy timeout; prepared statements are cached.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>
#include <sqlite3.h>

#include <unordered_map>

#include "sql.h"
#include "store.h"

namespace engage::hub::sql {
namespace {

constexpr int kBusyTimeoutMs = 5000;

bool transient_code(int rc) {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_PROTOCOL:
            return true;
        default:
            return false;
    }
}

// $12 -> ?12 (outside quotes).
std::string to_sqlite_placeholders(const std::string& sql) {
    std::string out;
    out.reserve(sql.size());
    bool quoted = false;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'') quoted = !quoted;
        if (!quoted && c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') out += '?';
        else out += c;
    }
    return out;
}

class SqliteConn final : public Conn {
public:
    SqliteConn(const std::string& path, bool create) : path_(path) {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
        int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            if (!create && (rc & 0xff) == SQLITE_CANTOPEN)
                throw DbError("no hub database at " + path + " (serve or kiosk add creates one)", false);
            throw DbError("cannot open " + path + ": " + msg, false);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        try {
            auto r = run("PRAGMA journal_mode=WAL", {});
            if (r.rows.empty() || r.rows[0].empty() || r.rows[0][0].value_or("") != "wal")
                throw DbError(path + ": cannot switch to WAL journal mode", false);
            // temp_store=MEMORY: a multi-row INSERT keeps the pages it may have to roll back in a statement
            // journal; in a temporary file that (with a savepoint per batch, as then) was more than half of what
            // ingest wrote.
            // wal_autocheckpoint: pages the WAL holds before they are copied into the database (SQLite's default
            // 1,000); each batch rewrites many pages of the (random) uuid index, and a longer WAL copies each once
            // per checkpoint rather than every few batches (docs/hub.md "Storage").
            script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                   " PRAGMA wal_autocheckpoint=10000;");
        } catch (...) {
            close();
            throw;
        }
    }
    ~SqliteConn() override { close(); }

    Dialect dialect() const override { return Dialect::Sqlite; }

    Result run(const std::string& sql, const std::vector<Param>& params) override {
        sqlite3_stmt* st = prepare(sql);
        Result out;
        int rc = SQLITE_OK;
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int at = static_cast<int>(i) + 1;
            if (std::holds_alternative<std::nullptr_t>(params[i])) rc = sqlite3_bind_null(st, at);
            else if (auto* n = std::get_if<std::int64_t>(&params[i])) rc = sqlite3_bind_int64(st, at, *n);
            else {  // params outlive the statement's steps below: no copy (SQLITE_STATIC)
                const std::string_view s = std::holds_alternative<std::string>(params[i])
                                               ? std::string_view(std::get<std::string>(params[i]))
                                               : std::get<TextRef>(params[i]).text;
                rc = sqlite3_bind_text(st, at, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
            }
            if (rc != SQLITE_OK) fail(st, rc);
        }
        const int cols = sqlite3_column_count(st);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            Row row(static_cast<std::size_t>(cols));
            for (int c = 0; c < cols; ++c) {
                if (sqlite3_column_type(st, c) == SQLITE_NULL) continue;
                const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                row[static_cast<std::size_t>(c)] = std::string(t ? t : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
            }
            out.rows.push_back(std::move(row));
        }
        if (rc != SQLITE_DONE) fail(st, rc);
        out.affected = sqlite3_changes64(db_);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return out;
    }

    void script(const std::string& sql) override {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errstr(rc);
            sqlite3_free(err);
            throw DbError(path_ + ": " + msg, transient_code(sqlite3_extended_errcode(db_)));
        }
    }

    void begin() override { script("BEGIN IMMEDIATE"); }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override {
        if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    bool usable() const override { return db_ != nullptr; }

private:
    sqlite3_stmt* prepare(const std::string& sql) {
        auto it = cache_.find(sql);
        if (it != cache_.end()) return it->second;
        sqlite3_stmt* st = nullptr;
        const std::string text = to_sqlite_placeholders(sql);
        int rc = sqlite3_prepare_v3(db_, text.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(st);
            throw DbError(path_ + ": " + sqlite3_errmsg(db_), transient_code(rc));
        }
        cache_.emplace(sql, st);
        return st;
    }

    [[noreturn]] void fail(sqlite3_stmt* st, int rc) {
        std::string msg = path_ + ": " + sqlite3_errmsg(db_);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        throw DbError(msg, transient_code(rc));
    }

    void close() {
        for (auto& [_, st] : cache_) sqlite3_finalize(st);
        cache_.clear();
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    std::string path_;
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

// A new hub database holds bundle keys and password hashes: its folder (when the hub makes it) is 0700 and the
// file 0600; SQLite gives the -wal and -shm files the database file's mode.
static void create_private(const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
    std::error_code ec;
    if (fs::exists(path, ec)) return;
    const fs::path parent = fs::absolute(fs::path(path), ec).parent_path();
    std::vector<fs::path> made;
    for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        made.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = made.rbegin(); it != made.rend(); ++it)
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
            throw DbError("cannot create the folder " + it->string() + ": " + std::strerror(errno), false);
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    else if (errno != EEXIST)
        throw DbError("cannot create " + path + ": " + std::strerror(errno), false);
}

std::unique_ptr<Conn> open_sqlite(const std::string& path, bool create) {
    if (create) create_private(path);
    return std::make_unique<SqliteConn>(path, create);
}

}  // namespace engage::hub::sql
