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

}  // namespace engage::test
