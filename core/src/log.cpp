#include "engage/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

namespace engage {
namespace {
std::mutex g_mu;
std::FILE* g_file = nullptr;
}  // namespace

void log_to_file(const std::string& path) {
    std::lock_guard lock(g_mu);
    if (g_file) std::fclose(g_file);
    g_file = std::fopen(path.c_str(), "a");
}

void log(LogLevel level, const std::string& message) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char* lv = level == LogLevel::Info ? "INFO " : level == LogLevel::Warn ? "WARN " : "ERROR";
    std::lock_guard lock(g_mu);
    std::fprintf(stderr, "%s %s %s\n", stamp, lv, message.c_str());
    if (g_file) {
        std::fprintf(g_file, "%s %s %s\n", stamp, lv, message.c_str());
        std::fflush(g_file);
    }
}

}  // namespace engage
