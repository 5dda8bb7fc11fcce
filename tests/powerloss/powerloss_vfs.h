// A simulated disk for SQLite, in the manner of SQLite's own crash-test VFS (src/test6.c): a VFS that wraps
// the default one and keeps every write to the database, its WAL and its journal in memory until that file
// is synced (xSync). Until then the process reads its own writes back, as from an OS page cache.
//
// power_loss() is the power cut: each write not yet synced, in any file, is either written, dropped, or torn
// (each 512-byte sector of it written, left as it was, or filled with garbage, as a real disk may do), and
// the process ends at once (_exit) with kPowerLossExit. The real files then hold exactly what a disk would
// hold after the cut, and the next process opens them with SQLite's default VFS.
//
// Power is cut by power_loss() itself or on the N-th write/sync/truncate (arm()), before that operation.
#pragma once
#include <cstdint>

namespace powerloss {

inline constexpr const char* kVfsName = "engage-powerloss";
inline constexpr int kPowerLossExit = 93;

// Registers the VFS (not as the default). Safe to call more than once.
void register_vfs();
// The disk model's random choices come from `seed`; power is cut before the `ops_until_cut`-th
// write/sync/truncate (0: never on its own).
void arm(std::uint64_t seed, std::uint64_t ops_until_cut);
// Cuts the power now: never returns.
[[noreturn]] void power_loss();
// Writes, syncs and truncates seen so far (for choosing where to cut).
std::uint64_t ops();

}  // namespace powerloss
