// The systemd service manager's side of the kiosk (packaging/kiosk/engage-kiosk.service, Type=notify, WatchdogSec=):
// READY=1 once the first frame is on screen, then WATCHDOG=1 from the event loop, so a kiosk whose loop hangs is
// restarted. Outside systemd (no $NOTIFY_SOCKET / $WATCHDOG_USEC) every call does nothing.
#pragma once
#include <chrono>

namespace engage {

class Watchdog {
public:
    Watchdog();  // reads $WATCHDOG_USEC (sd_watchdog_enabled)

    // The first frame is drawn: READY=1 (once).
    void ready();
    // From the event loop on every pass: WATCHDOG=1 when a third of the watchdog interval has gone by since the
    // last ping. Cheap when not due.
    void ping();
    // The loop's wait (ms; -1 = wait for an event forever) cut so that the loop wakes when the next ping is due.
    // Idle CPU: one wake per third of WatchdogSec, no frame drawn for it.
    int limit_wait(int wait_ms) const;

    bool enabled() const { return interval_.count() > 0; }

private:
    using Clock = std::chrono::steady_clock;
    std::chrono::microseconds interval_{0};  // between pings: WatchdogSec / 3 (0 = no watchdog)
    Clock::time_point last_{};
    bool ready_sent_ = false;
};

}  // namespace engage
