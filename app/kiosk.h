#pragma once
#include <string>

#include "engage/config.h"

namespace engage {

struct RunOptions {
    KioskConfig config;
    bool always_redraw = false;          // benchmarks: redraw every frame (capped at 60 fps)
    bool exit_after_first_frame = false; // benchmarks: exec to first frame
};

// Runs the kiosk until the facilitator exits it (or the window is closed when windowed). Returns the exit code.
int run_kiosk(const RunOptions& opts);

}  // namespace engage
