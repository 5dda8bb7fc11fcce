// libsystemd's sd_notify(3) and sd_watchdog_enabled(3); see app/watchdog.h.
#include "watchdog.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engage/log.h"

namespace engage {
namespace {

// $WATCHDOG_USEC for this process. sd_watchdog_enabled() accepts it only when $WATCHDOG_PID is unset or our own
// pid; under cage (ExecStart=cage -- engage-kiosk) systemd's main process is cage, our parent, so that is
// accepted too (the unit sets NotifyAccess=all so systemd takes our messages).
std::uint64_t watchdog_usec() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) return usec;
    const char* pid = std::getenv("WATCHDOG_PID");
    const char* value = std::getenv("WATCHDOG_USEC");
    if (!pid || !value) return 0;
    char* end = nullptr;
    errno = 0;
    const long long p = std::strtoll(pid, &end, 10);
    if (errno || *end || p != static_cast<long long>(::getppid())) return 0;
    const unsigned long long u = std::strtoull(value, &end, 10);
    if (errno || *end || u == 0) return 0;
    return u;
}

}  // namespace

Watchdog::Watchdog() {
    const std::uint64_t usec = watchdog_usec();
    if (usec == 0) return;
    interval_ = std::chrono::microseconds(usec / 3);
    if (interval_.count() == 0) interval_ = std::chrono::microseconds(1);
    last_ = Clock::now();
    log_info("systemd watchdog: " + std::to_string(usec / 1000) + " ms, pinged every " +
             std::to_string(interval_.count() / 1000) + " ms");
}

void Watchdog::ready() {
    if (ready_sent_) return;
    ready_sent_ = true;
    sd_notify(0, "READY=1\nSTATUS=Showing the welcome screen");  // no-op without $NOTIFY_SOCKET
}

void Watchdog::ping() {
    if (!enabled()) return;
    const auto now = Clock::now();
    if (now - last_ < interval_) return;
    last_ = now;
    sd_notify(0, "WATCHDOG=1");
}

int Watchdog::limit_wait(int wait_ms) const {
    if (!enabled()) return wait_ms;
    const auto due = last_ + interval_ - Clock::now();
    const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(due).count() + 1;
    const int until = static_cast<int>(ms < 0 ? 0 : (ms > 60'000 ? 60'000 : ms));
    return wait_ms < 0 ? until : (wait_ms < until ? wait_ms : until);
}

}  // namespace engage
