// The simulated disk (powerloss_vfs.h). One process, one thread: the test's child process.
#include "powerloss_vfs.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <new>
#include <random>
#include <vector>

namespace powerloss {
namespace {

constexpr std::int64_t kSector = 512;

struct File;

// One write or truncate not yet synced. data empty and truncate set: a truncate to `offset`.
struct Pending {
    File* file;
    std::int64_t offset;
    std::vector<unsigned char> data;
    bool truncate = false;
};

struct File {
    sqlite3_file base;             // must be first: SQLite sees this
    sqlite3_file* real;            // the default VFS's file, right after this struct
    bool buffered;                 // main db, WAL, journal: writes held until synced
    std::vector<unsigned char> image;  // what this process reads back: the file with every write applied
};

struct Global {
    sqlite3_vfs vfs{};
    sqlite3_vfs* real = nullptr;
    std::list<Pending> pending;    // in the order written, across files
    std::mt19937_64 rng{1};
    std::uint64_t ops = 0;
    std::uint64_t cut_at = 0;
};
Global g;

int write_real(File* f, const unsigned char* p, std::int64_t n, std::int64_t off) {
    return f->real->pMethods->xWrite(f->real, p, static_cast<int>(n), off);
}

// Applies one pending entry to the real file as it was written.
int apply(const Pending& w) {
    if (w.truncate) return w.file->real->pMethods->xTruncate(w.file->real, w.offset);
    return write_real(w.file, w.data.data(), static_cast<std::int64_t>(w.data.size()), w.offset);
}

// Every write/sync/truncate counts; the armed one cuts the power before it happens.
void count_op() {
    ++g.ops;
    if (g.cut_at != 0 && g.ops >= g.cut_at) power_loss();
}

// ---- io methods ---------------------------------------------------------------------------------------------
int x_close(sqlite3_file* pf) {
    File* f = reinterpret_cast<File*>(pf);
    // Closing is not syncing: a file closed with writes pending would lose them on a cut. Nothing here closes
    // a buffered file before the cut, so treat it as the (rare) sync it would need to be to stay correct.
    for (auto it = g.pending.begin(); it != g.pending.end();) {
        if (it->file == f) {
            apply(*it);
            it = g.pending.erase(it);
        } else ++it;
    }
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    f->~File();
    return rc;
}

int x_read(sqlite3_file* pf, void* buf, int n, sqlite3_int64 off) {
    File* f = reinterpret_cast<File*>(pf);
    if (!f->buffered) return f->real->pMethods->xRead(f->real, buf, n, off);
    const std::int64_t size = static_cast<std::int64_t>(f->image.size());
    const std::int64_t have = off >= size ? 0 : std::min<std::int64_t>(n, size - off);
    if (have > 0) std::memcpy(buf, f->image.data() + off, static_cast<std::size_t>(have));
    if (have < n) {
        std::memset(static_cast<unsigned char*>(buf) + have, 0, static_cast<std::size_t>(n - have));
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

int x_write(sqlite3_file* pf, const void* buf, int n, sqlite3_int64 off) {
    File* f = reinterpret_cast<File*>(pf);
    if (!f->buffered) return f->real->pMethods->xWrite(f->real, buf, n, off);
    count_op();
    const auto* p = static_cast<const unsigned char*>(buf);
    if (static_cast<std::size_t>(off + n) > f->image.size()) f->image.resize(static_cast<std::size_t>(off + n), 0);
    std::memcpy(f->image.data() + off, p, static_cast<std::size_t>(n));
    g.pending.push_back(Pending{f, off, std::vector<unsigned char>(p, p + n)});
    return SQLITE_OK;
}

int x_truncate(sqlite3_file* pf, sqlite3_int64 size) {
    File* f = reinterpret_cast<File*>(pf);
    if (!f->buffered) return f->real->pMethods->xTruncate(f->real, size);
    count_op();
    if (static_cast<std::size_t>(size) < f->image.size()) f->image.resize(static_cast<std::size_t>(size));
    Pending t{f, size, {}};
    t.truncate = true;
    g.pending.push_back(std::move(t));
    return SQLITE_OK;
}

int x_sync(sqlite3_file* pf, int flags) {
    File* f = reinterpret_cast<File*>(pf);
    if (!f->buffered) return f->real->pMethods->xSync(f->real, flags);
    count_op();
    // This file's writes reach the disk, in order; other files' stay pending.
    for (auto it = g.pending.begin(); it != g.pending.end();) {
        if (it->file == f) {
            if (int rc = apply(*it); rc != SQLITE_OK) return rc;
            it = g.pending.erase(it);
        } else ++it;
    }
    return SQLITE_OK;
}

int x_file_size(sqlite3_file* pf, sqlite3_int64* size) {
    File* f = reinterpret_cast<File*>(pf);
    if (!f->buffered) return f->real->pMethods->xFileSize(f->real, size);
    *size = static_cast<sqlite3_int64>(f->image.size());
    return SQLITE_OK;
}

int x_lock(sqlite3_file* pf, int l) { File* f = reinterpret_cast<File*>(pf); return f->real->pMethods->xLock(f->real, l); }
int x_unlock(sqlite3_file* pf, int l) { File* f = reinterpret_cast<File*>(pf); return f->real->pMethods->xUnlock(f->real, l); }
int x_check_reserved(sqlite3_file* pf, int* out) {
    File* f = reinterpret_cast<File*>(pf);
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int x_file_control(sqlite3_file* pf, int op, void* arg) {
    File* f = reinterpret_cast<File*>(pf);
    // A size hint would grow the real file behind the simulated disk's back: ignore it, as a VFS may.
    if (f->buffered && op == SQLITE_FCNTL_SIZE_HINT) return SQLITE_OK;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}
// As the real file says (on Linux: 4096-byte sectors, powersafe overwrite), so SQLite writes exactly as it does
// on the kiosk. The tearing below keeps to that promise: garbage lands only inside the bytes a write covered.
int x_sector_size(sqlite3_file* pf) { File* f = reinterpret_cast<File*>(pf); return f->real->pMethods->xSectorSize(f->real); }
int x_device_characteristics(sqlite3_file* pf) {
    File* f = reinterpret_cast<File*>(pf);
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}
// The WAL index (-shm) is shared memory, not the disk: it goes to the real file as it is, and SQLite rebuilds
// it from the WAL when the next process opens the database after the cut.
int x_shm_map(sqlite3_file* pf, int pg, int sz, int extend, void volatile** pp) {
    File* f = reinterpret_cast<File*>(pf);
    return f->real->pMethods->xShmMap(f->real, pg, sz, extend, pp);
}
int x_shm_lock(sqlite3_file* pf, int off, int n, int flags) {
    File* f = reinterpret_cast<File*>(pf);
    return f->real->pMethods->xShmLock(f->real, off, n, flags);
}
void x_shm_barrier(sqlite3_file* pf) { File* f = reinterpret_cast<File*>(pf); f->real->pMethods->xShmBarrier(f->real); }
int x_shm_unmap(sqlite3_file* pf, int del) {
    File* f = reinterpret_cast<File*>(pf);
    return f->real->pMethods->xShmUnmap(f->real, del);
}

const sqlite3_io_methods kMethods = {
    2,  // shared memory, no memory-mapped reads
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap,
    nullptr, nullptr};

// ---- vfs methods --------------------------------------------------------------------------------------------
int v_open(sqlite3_vfs*, const char* name, sqlite3_file* pf, int flags, int* out_flags) {
    File* f = new (pf) File();
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    std::memset(f->real, 0, static_cast<std::size_t>(g.real->szOsFile));
    const auto fail = [&](int rc) {
        f->~File();
        pf->pMethods = nullptr;  // SQLite then does not call xClose
        return rc;
    };
    int rc = g.real->xOpen(g.real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) return fail(rc);
    f->buffered = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
    if (f->buffered) {
        sqlite3_int64 size = 0;
        rc = f->real->pMethods->xFileSize(f->real, &size);
        if (rc == SQLITE_OK && size > 0) {
            f->image.resize(static_cast<std::size_t>(size));
            rc = f->real->pMethods->xRead(f->real, f->image.data(), static_cast<int>(size), 0);
        }
        if (rc != SQLITE_OK) {
            f->real->pMethods->xClose(f->real);
            return fail(rc);
        }
    }
    f->base.pMethods = &kMethods;
    return SQLITE_OK;
}

int v_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g.real->xDelete(g.real, name, sync_dir); }
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g.real->xAccess(g.real, name, flags, out); }
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g.real->xFullPathname(g.real, name, n, out);
}
int v_randomness(sqlite3_vfs*, int n, char* out) { return g.real->xRandomness(g.real, n, out); }
int v_sleep(sqlite3_vfs*, int us) { return g.real->xSleep(g.real, us); }
int v_current_time(sqlite3_vfs*, double* t) { return g.real->xCurrentTime(g.real, t); }
int v_last_error(sqlite3_vfs*, int n, char* out) { return g.real->xGetLastError(g.real, n, out); }
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* t) { return g.real->xCurrentTimeInt64(g.real, t); }

}  // namespace

void register_vfs() {
    if (sqlite3_vfs_find(kVfsName)) return;
    g.real = sqlite3_vfs_find(nullptr);
    if (!g.real) {
        std::fprintf(stderr, "powerloss: SQLite has no default VFS\n");
        std::exit(2);
    }
    sqlite3_vfs& v = g.vfs;
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(File)) + g.real->szOsFile;
    v.mxPathname = g.real->mxPathname;
    v.zName = kVfsName;
    v.xOpen = v_open;
    v.xDelete = v_delete;
    v.xAccess = v_access;
    v.xFullPathname = v_full_pathname;
    v.xRandomness = v_randomness;
    v.xSleep = v_sleep;
    v.xCurrentTime = v_current_time;
    v.xGetLastError = v_last_error;
    v.xCurrentTimeInt64 = v_current_time_int64;
    if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK) {
        std::fprintf(stderr, "powerloss: cannot register the VFS: %s\n", sqlite3_errstr(rc));
        std::exit(2);
    }
}

void arm(std::uint64_t seed, std::uint64_t ops_until_cut) {
    g.rng.seed(seed);
    g.ops = 0;
    g.cut_at = ops_until_cut;
}

std::uint64_t ops() { return g.ops; }

void power_loss() {
    // What reaches the disk of each unsynced write: all of it, none of it, or a torn mix of sectors.
    std::uniform_int_distribution<int> pick(0, 2);
    for (const Pending& w : g.pending) {
        const int action = pick(g.rng);
        if (action == 0) apply(w);
        if (action != 2 || w.truncate) continue;
        const std::int64_t end = w.offset + static_cast<std::int64_t>(w.data.size());
        for (std::int64_t s = (w.offset / kSector) * kSector; s < end; s += kSector) {
            const std::int64_t a = std::max(s, w.offset), b = std::min(s + kSector, end);
            switch (pick(g.rng)) {
                case 0: write_real(w.file, w.data.data() + (a - w.offset), b - a, a); break;  // this sector made it
                case 1: break;                                                                 // left as it was
                default: {                                                                     // garbage
                    std::vector<unsigned char> junk(static_cast<std::size_t>(b - a));
                    for (auto& c : junk) c = static_cast<unsigned char>(g.rng());
                    write_real(w.file, junk.data(), b - a, a);
                }
            }
        }
    }
    std::fflush(nullptr);
    ::_exit(kPowerLossExit);
}

}  // namespace powerloss
