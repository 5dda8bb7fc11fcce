// engage-hub serve: the HTTP(S) side of docs/sync-protocol.md.
#pragma once
#include <string>

namespace engage::hub {

struct ServeOptions {
    std::string db;                       // SQLite file or postgresql:// URL
    std::string listen = "127.0.0.1:8080";
    std::string tls_cert, tls_key;        // both or neither
    std::string log_file;                 // also append the request log here
    int max_body_mib = 8;                 // compressed body limit (413 above it)
    int threads = 32;                     // workers: each handles one whole request at a time
    int max_connections = 1000;           // open connections in total
    int max_per_address = 100;            // ... and from one client address
    int idle_timeout_s = 15;              // a connection silent this long is closed
    int min_count = 5;                    // dashboard: the small-number rule (at least 3)
    std::string surveys_dir;              // dashboard: survey definitions ("" = the bundled ones)
    int stale_days = 3;                   // dashboard's Kiosks page: flag kiosks silent for longer
};

// Runs until SIGINT / SIGTERM. Returns the process exit code (0 after a clean stop).
int serve(const ServeOptions& opts);
// Text from outside (names, paths, errors) made fit for a one-line log: control characters become spaces, and
// anything past `max` bytes becomes "…".
std::string one_line(const std::string& s, std::size_t max = 300);

}  // namespace engage::hub
