// libFuzzer target: the kiosk config loader (core/src/config.cpp). It reads a path, so each input is
// written to one memfd and loaded through /proc/self/fd/N.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engage/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const int fd = memfd_create("engage-fuzz-config", MFD_CLOEXEC);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
    engage::KioskConfig cfg;
    std::vector<std::string> problems;
    const bool ok = engage::load_config_file(path, cfg, problems);
    if (ok != problems.empty()) __builtin_trap();  // refused exactly when a problem is named
    return 0;
}
