// The little SQL the hub needs, over SQLite or PostgreSQL. Statements use $1, $2 … placeholders on both
// (rewritten to ?1, ?2 … for SQLite); values go in as text or integers, come back as text (or nullopt for NULL).
// Not thread-safe: one Conn per thread at a time (see the pool in store.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace engage::hub::sql {

// Text the caller keeps alive until run() returns (a batch's fields): bound without a copy.
struct TextRef {
    std::string_view text;
};
using Param = std::variant<std::nullptr_t, std::int64_t, std::string, TextRef>;
using Row = std::vector<std::optional<std::string>>;

struct Result {
    std::vector<Row> rows;
    std::int64_t affected = 0;  // rows changed by INSERT / UPDATE / DELETE
};

enum class Dialect { Sqlite, Postgres };

class Conn {
public:
    virtual ~Conn() = default;
    virtual Dialect dialect() const = 0;
    // One statement. Throws DbError.
    virtual Result run(const std::string& sql, const std::vector<Param>& params = {}) = 0;
    // Several statements without parameters (migrations). Throws DbError.
    virtual void script(const std::string& sql) = 0;
    virtual void begin() = 0;              // a write transaction (SQLite: BEGIN IMMEDIATE)
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;  // no-op outside a transaction
    virtual bool usable() const = 0;       // false once the connection is lost: drop it, do not pool it
};

std::unique_ptr<Conn> open_sqlite(const std::string& path, bool create);
std::unique_ptr<Conn> open_postgres(const std::string& url);

}  // namespace engage::hub::sql
