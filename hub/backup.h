// Backing up and restoring a SQLite hub database with SQLite's online backup API (docs/install.md, "Backups"):
// a consistent copy while `engage-hub serve` keeps receiving batches. PostgreSQL hubs use pg_dump / pg_restore.
#pragma once
#include <string>

namespace engage::hub {

// `engage-hub backup --db DB --out FILE`: copy the live database DB to FILE (a new file, mode 0600: it holds
// kiosk tokens' hashes and bundle keys; an existing FILE is never replaced). The copy is one self-contained
// SQLite file (no -wal), checked with PRAGMA integrity_check before it gets its name.
// Exit codes: 0 done; 1 refused or failed (the reason on stderr, FILE not created).
int backup_command(const std::string& db, const std::string& out);

// `engage-hub restore FILE --db DB [--replace]`: put the backup FILE back as DB, then run this engage-hub's
// migrations on it (an older backup is upgraded; a backup from a newer engage-hub is refused). An existing DB
// that holds a hub is only replaced with `replace`, and is first saved as DB.before-restore-<UTC time>.
// Exit codes: 0 done; 1 refused or failed (DB unchanged).
int restore_command(const std::string& file, const std::string& db, bool replace);

}  // namespace engage::hub
