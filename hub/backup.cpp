// engage-hub backup / restore (hub/backup.h): SQLite's online backup API (https://sqlite.org/backup.html) copies
// every page of a database within one read transaction, so the copy is consistent while the hub writes.
#include "backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "engage/storage.h"
#include "store.h"

namespace engage::hub {
namespace {

// A refusal or failure, in plain words for the organiser.
struct Refused {
    std::string why;
};

class Db {
public:
    Db(const std::string& path, int flags) : path_(path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw Refused{"cannot open " + path + ": " + msg};
        }
        sqlite3_busy_timeout(db_, 10000);
    }
    ~Db() { sqlite3_close_v2(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    sqlite3* get() const { return db_; }
    const std::string& path() const { return path_; }

    // The first column of the first row as text ("" when no row).
    std::string one(const char* sql) {
        sqlite3_stmt* st = nullptr;
        int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
        std::string out;
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const unsigned char* t = sqlite3_column_text(st, 0);
                out = t ? reinterpret_cast<const char*>(t) : "";
                rc = SQLITE_OK;
            } else if (rc == SQLITE_DONE) {
                rc = SQLITE_OK;
            }
        }
        const std::string msg = sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        if ((rc & 0xff) == SQLITE_NOTADB)
            throw Refused{path_ + " is not a SQLite database (an engage-hub database or backup is one)"};
        if (rc != SQLITE_OK) throw Refused{path_ + ": " + msg};
        return out;
    }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

struct HubFile {
    int version = 0;
    std::string kiosks, records;
};

std::string newer_text(const std::string& path, int v) {
    return path + " has hub schema version " + std::to_string(v) + ", newer than this engage-hub understands (" +
           std::to_string(kHubSchemaVersion) + "): it was written by a newer engage-hub; use that version or newer";
}

// What a hub database holds; refuses anything else (not SQLite, not a hub, newer than this engage-hub, damaged).
HubFile describe(Db& db, bool check_integrity) {
    db.one("SELECT count(*) FROM sqlite_master");  // reads the header: "not a database" shows here
    const std::string tables =
        db.one("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('kiosks', 'records')");
    if (tables != "2")
        throw Refused{db.path() + " is a SQLite database but not an engage-hub database (no kiosks and records tables)"};
    HubFile f;
    f.version = std::stoi(db.one("PRAGMA user_version"));
    if (f.version > kHubSchemaVersion) throw Refused{newer_text(db.path(), f.version)};
    if (check_integrity) {
        const std::string ic = db.one("PRAGMA integrity_check");
        if (ic != "ok") throw Refused{db.path() + " is damaged (SQLite integrity check: " + ic + ")"};
    }
    f.kiosks = db.one("SELECT count(*) FROM kiosks");
    f.records = db.one("SELECT count(*) FROM records");
    return f;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

void must_be_file(const std::string& path, const char* what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw Refused{std::string(what) + " " + path + ": " + std::strerror(errno)};
    if (!S_ISREG(st.st_mode)) throw Refused{std::string(what) + " " + path + " is not a regular file"};
}

// "2026-12-04T181134Z": the time in a file name (no colons).
std::string utc_stamp() {
    std::string t = utc_seconds_now();
    std::erase(t, ':');
    return t;
}

// Every page of `from` into `to` in one step (one read transaction on `from`: a consistent snapshot). Busy or
// locked (another connection writing without WAL, or readers of `to`) is retried for up to 30 s.
void copy_pages(Db& from, Db& to) {
    sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (!b) throw Refused{"cannot copy " + from.path() + " to " + to.path() + ": " + sqlite3_errmsg(to.get())};
    int rc = SQLITE_OK;
    for (int tries = 0; tries < 600; ++tries) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE) return;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        throw Refused{"the database stayed busy for 30 seconds; nothing was copied to " + to.path()};
    if (rc == SQLITE_READONLY)
        throw Refused{"cannot write " + to.path() + " (read-only, or a page size that differs in WAL mode); stop "
                      "engage-hub and move the file aside, then restore again"};
    throw Refused{"copying " + from.path() + " to " + to.path() + " failed: " + sqlite3_errstr(rc)};
}

void fsync_path(const std::string& path, bool dir) {
    const int fd = ::open(path.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        if (dir) return;
        throw Refused{"cannot reopen " + path + ": " + std::strerror(errno)};
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // Some file systems cannot fsync a folder (EINVAL); the rename is as durable as they make it.
    if (rc != 0 && !(dir && err == EINVAL)) throw Refused{"cannot flush " + path + " to disk: " + std::strerror(err)};
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// A new self-contained SQLite file `out` (mode 0600) with every page of `from`. Never replaces a file; on any
// failure `out` does not exist afterwards (a partial copy is removed).
void copy_to_new_file(Db& from, const std::string& out) {
    if (exists(out)) throw Refused{out + " already exists; engage-hub never replaces a file: choose another name"};
    const std::string tmp = out + ".partial-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw Refused{"cannot write " + out + ": " + std::strerror(errno)};
    ::close(fd);
    try {
        {
            Db to(tmp, SQLITE_OPEN_READWRITE);
            copy_pages(from, to);
            to.one("PRAGMA journal_mode=DELETE");  // one file, no -wal beside it
            const std::string ic = to.one("PRAGMA integrity_check");
            if (ic != "ok") throw Refused{"the copy failed SQLite's integrity check (" + ic + "); nothing written"};
        }
        fsync_path(tmp, false);
        if (::link(tmp.c_str(), out.c_str()) != 0) {
            const int err = errno;
            if (err == EEXIST) throw Refused{out + " appeared while copying; engage-hub never replaces a file"};
            // File systems without hard links (FAT on a USB stick): rename, after checking once more.
            if (exists(out)) throw Refused{out + " appeared while copying; engage-hub never replaces a file"};
            if (::rename(tmp.c_str(), out.c_str()) != 0)
                throw Refused{"cannot write " + out + ": " + std::strerror(errno)};
        }
        ::unlink(tmp.c_str());
        fsync_path(parent_of(out), true);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

std::string summary(const HubFile& f) {
    return f.kiosks + " kiosk(s), " + f.records + " response(s), hub schema version " + std::to_string(f.version);
}

}  // namespace

int backup_command(const std::string& db, const std::string& out) {
    try {
        if (is_postgres_url(db))
            throw Refused{"--db is a PostgreSQL database: back it up with pg_dump, e.g. pg_dump -Fc -f FILE '" +
                          redact_db(db) + "' (docs/install.md, \"Backups\")"};
        if (out.empty()) throw Refused{"--out is empty: name the backup file to write"};
        must_be_file(db, "--db");
        Db from(db, SQLITE_OPEN_READWRITE);  // never created: a missing file was refused above
        const HubFile f = describe(from, false);
        copy_to_new_file(from, out);
        std::printf("Backed up %s to %s: %s.\n", db.c_str(), out.c_str(), summary(f).c_str());
        return 0;
    } catch (const Refused& r) {
        std::fprintf(stderr, "engage-hub backup: %s\n", r.why.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "engage-hub backup: %s\n", e.what());
    }
    return 1;
}

int restore_command(const std::string& file, const std::string& db, bool replace) {
    try {
        if (is_postgres_url(db))
            throw Refused{"--db is a PostgreSQL database: restore a pg_dump file with pg_restore, e.g. pg_restore "
                          "--clean --if-exists -d '" + redact_db(db) + "' FILE (docs/install.md, \"Backups\")"};
        must_be_file(file, "backup file");
        Db from(file, SQLITE_OPEN_READONLY);
        const HubFile f = describe(from, true);
        std::string saved;
        if (!exists(db)) {
            copy_to_new_file(from, db);
        } else {
            must_be_file(db, "--db");
            Db to(db, SQLITE_OPEN_READWRITE);
            HubFile current;
            try {
                current = describe(to, false);
            } catch (const Refused& r) {
                throw Refused{"--db " + db + " exists and is not a hub database this engage-hub can replace (" + r.why +
                              "); nothing changed"};
            }
            if (!replace)
                throw Refused{"--db " + db + " already holds a hub (" + summary(current) +
                              "); add --replace to replace it (it is saved beside it first)"};
            saved = db + ".before-restore-" + utc_stamp();
            for (int n = 2; exists(saved); ++n) saved = db + ".before-restore-" + utc_stamp() + "-" + std::to_string(n);
            copy_to_new_file(to, saved);
            copy_pages(from, to);
        }
        // This engage-hub's migrations: an older backup is upgraded now, not at the next `serve`.
        const int after = HubStore::open(db, false)->schema_version();
        std::printf("Restored %s to %s: %s", file.c_str(), db.c_str(), summary(f).c_str());
        if (after != f.version) std::printf(", upgraded to %d", after);
        std::printf(".\n");
        if (!saved.empty()) std::printf("The hub it replaced is saved as %s.\n", saved.c_str());
        return 0;
    } catch (const Refused& r) {
        std::fprintf(stderr, "engage-hub restore: %s\n", r.why.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "engage-hub restore: %s\n", e.what());
    }
    return 1;
}

}  // namespace engage::hub
