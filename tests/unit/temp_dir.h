// A fresh folder under $TMPDIR (or /tmp) for one test, removed afterwards.
#pragma once
#include <catch2/catch.hpp>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "engage/storage.h"

namespace engage::test {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const char* tag = "test") {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-" + tag + "-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string db() const { return (path / kDatabaseFile).string(); }
};

// SQL that takes a database at schema 4 back to schema 3, where a response's sync state was a column of its own
// (sync_state, quarantine_reason) instead of its seq in outbox or quarantine: for the migration tests.
inline const std::string kBackToSchema3 =
    "DROP TRIGGER responses_outbox;"
    " ALTER TABLE responses ADD COLUMN sync_state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK(sync_state IN ('pending','acknowledged','quarantined'));"
    " ALTER TABLE responses ADD COLUMN quarantine_reason TEXT;"
    " UPDATE responses SET sync_state = 'acknowledged' WHERE seq NOT IN (SELECT seq FROM outbox);"
    " UPDATE responses SET sync_state = 'quarantined',"
    "  quarantine_reason = (SELECT reason FROM quarantine q WHERE q.seq = responses.seq)"
    "  WHERE seq IN (SELECT seq FROM quarantine);"
    " DROP TABLE outbox; DROP TABLE quarantine; CREATE INDEX responses_sync_seq ON responses(sync_state, seq);"
    " PRAGMA user_version = 3;";

}  // namespace engage::test
