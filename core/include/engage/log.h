// A plain log an organiser can read: "2026-11-22T10:04:31Z INFO  saved response 12 (session Drop-in)".
#pragma once
#include <string>

namespace engage {

enum class LogLevel { Info, Warn, Error };

// Appends to `path` from now on (as well as stderr). Safe to call log() before or without it.
void log_to_file(const std::string& path);
void log(LogLevel level, const std::string& message);
inline void log_info(const std::string& m) { log(LogLevel::Info, m); }
inline void log_warn(const std::string& m) { log(LogLevel::Warn, m); }
inline void log_error(const std::string& m) { log(LogLevel::Error, m); }

}  // namespace engage
