// libFuzzer target: XLSForm import (core/src/xlsform.cpp), as `engage-hub survey add` reads an .xlsx: the zip
// (libzip), its XML (libxml2), the sheets and the conversion to an Engage survey checked by the kiosk's loader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engage/xlsform.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto r = engage::import_xlsform(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.xlsx");
    // Either a survey (with its JSON) and no problems, or problems and no survey; every problem says where and what.
    if (r.ok() != r.problems.empty() || r.ok() == r.json.empty()) __builtin_trap();
    for (const auto& p : r.problems)
        if (p.where.empty() || p.what.empty()) __builtin_trap();
    return 0;
}
