// libFuzzer target: the survey loader (core/src/survey.cpp), as the kiosk reads a survey file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engage/survey.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto load = engage::parse_survey(std::string_view(reinterpret_cast<const char*>(data), size));
    // A survey is either loaded with no problems or refused with at least one, each saying where.
    if (load.ok() != load.problems.empty()) __builtin_trap();
    for (const auto& p : load.problems)
        if (p.what.empty()) __builtin_trap();
    return 0;
}
