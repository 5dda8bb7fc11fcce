// For the crash, power-loss and soak tests: the database read back with plain SQLite, as the next boot would.
#pragma once
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace engage_test {

struct Db {
    sqlite3* db = nullptr;
    Db() = default;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db() { sqlite3_close(db); }
    // The first column of the first row as text; "" when no row; "error: ..." when SQLite refused.
    std::string text(const char* sql) const {
        sqlite3_stmt* st = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return std::string("error: ") + sqlite3_errmsg(db);
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE) out = std::string("error: ") + sqlite3_errmsg(db);
        sqlite3_finalize(st);
        return out;
    }
};

// Files in data_dir that Store::open moved aside as damaged ("engage.sqlite.corrupt-...").
inline std::vector<std::string> moved_aside(const std::string& data_dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(data_dir))
        if (e.path().filename().string().find(".corrupt-") != std::string::npos) out.push_back(e.path().string());
    return out;
}

}  // namespace engage_test
