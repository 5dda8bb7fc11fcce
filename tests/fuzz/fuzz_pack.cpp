// libFuzzer target: the kiosk-pack opener (core/src/kiosk_pack.cpp): the bundle format around it, the pack's own
// JSON inside. The key is fixed (fuzz_key.h), so the seeds (made by make_seeds) hold packs that really open.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engage/kiosk_pack.h"
#include "fuzz_key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string file(reinterpret_cast<const char*>(data), size);
    engage::PackContents pack;
    std::string why;
    const bool opened = engage::open_pack(file, engage_fuzz::key(), pack, why);
    if (!opened && why.empty()) __builtin_trap();  // a refusal always says why
    if (opened) {
        if (pack.hub_kiosk_id != engage_fuzz::key().hub_kiosk_id) __builtin_trap();  // only this kiosk's pack
        if (!nlohmann::json::parse(pack.survey_list, nullptr, false).is_object()) __builtin_trap();
    }
    return 0;
}
