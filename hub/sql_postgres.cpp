// PostgreSQL connection over libpq. Parameters go as text; the server infers their types from the columns.
#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "sql.h"
#include "store.h"

namespace engage::hub::sql {
namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

void quiet_notices(void*, const char*) {}

// Busy, connection trouble, deadlock / serialization, out of resources, shutting down: try again later.
bool transient_state(const char* state) {
    if (!state) return true;  // no SQLSTATE: the connection itself failed
    return std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "40", 2) == 0 ||
           std::strncmp(state, "53", 2) == 0 || std::strncmp(state, "57", 2) == 0 ||
           std::strcmp(state, "55P03") == 0;
}

class PgConn final : public Conn {
public:
    explicit PgConn(const std::string& url) {
        // Later keywords override earlier ones: our defaults first, then everything the URL says.
        const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
        const char* vals[] = {"10", "engage-hub", url.c_str(), nullptr};
        conn_ = PQconnectdbParams(keys, vals, 1);
        if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
            std::string msg = conn_ ? trim(PQerrorMessage(conn_)) : "out of memory";
            if (conn_) PQfinish(conn_);
            conn_ = nullptr;
            throw DbError("cannot connect to " + redact_db(url) + ": " + msg, true);
        }
        PQsetNoticeProcessor(conn_, quiet_notices, nullptr);
        where_ = redact_db(url);
    }
    ~PgConn() override {
        if (conn_) PQfinish(conn_);
    }

    Dialect dialect() const override { return Dialect::Postgres; }

    Result run(const std::string& sql, const std::vector<Param>& params) override {
        std::vector<std::string> text(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (auto* s = std::get_if<std::string>(&params[i])) {
                values[i] = s->c_str();  // params outlive the call
                continue;
            }
            if (auto* n = std::get_if<std::int64_t>(&params[i])) text[i] = std::to_string(*n);
            else if (auto* t = std::get_if<TextRef>(&params[i])) text[i] = std::string(t->text);
            else continue;
            values[i] = text[i].c_str();
        }
        // Each statement is prepared once per connection (as SQLite's are cached), then only executed.
        auto it = prepared_.find(sql);
        if (it == prepared_.end()) {
            const std::string name = "engage_" + std::to_string(prepared_.size() + 1);
            check_and_clear(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()), nullptr));
            it = prepared_.emplace(sql, name).first;
        }
        PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()), values.data(),
                                       nullptr, nullptr, 0);
        Result out;
        check(res);
        const int rows = PQntuples(res), cols = PQnfields(res);
        out.rows.reserve(static_cast<std::size_t>(rows));
        for (int r = 0; r < rows; ++r) {
            Row row(static_cast<std::size_t>(cols));
            for (int c = 0; c < cols; ++c)
                if (!PQgetisnull(res, r, c))
                    row[static_cast<std::size_t>(c)] =
                        std::string(PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c)));
            out.rows.push_back(std::move(row));
        }
        const char* n = PQcmdTuples(res);
        out.affected = (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
        PQclear(res);
        return out;
    }

    void script(const std::string& sql) override { check_and_clear(PQexec(conn_, sql.c_str())); }
    void begin() override { script("BEGIN"); }
    void commit() override { script("COMMIT"); }
    void rollback() noexcept override {
        if (conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE)
            PQclear(PQexec(conn_, "ROLLBACK"));
    }
    bool usable() const override {
        return conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
    }

private:
    void check(PGresult* res) {
        const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
        const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
        std::string msg = trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
        if (msg.empty()) msg = trim(PQerrorMessage(conn_));
        const bool transient = transient_state(state) || PQstatus(conn_) != CONNECTION_OK;
        if (res) PQclear(res);
        throw DbError(where_ + ": " + msg, transient);
    }
    void check_and_clear(PGresult* res) {
        check(res);
        PQclear(res);
    }

    PGconn* conn_ = nullptr;
    std::string where_;
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> prepared statement name
};

}  // namespace

std::unique_ptr<Conn> open_postgres(const std::string& url) { return std::make_unique<PgConn>(url); }

}  // namespace engage::hub::sql
