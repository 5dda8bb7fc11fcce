// libFuzzer target: the USB bundle opener (core/src/bundle.cpp) and the key file / pair reply readers.
// The key is fixed, so the seed corpus (made by make_seeds) holds bundles that really open with it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engage/bundle.h"
#include "fuzz_key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string file(reinterpret_cast<const char*>(data), size);
    engage::BundleHeader h;
    std::string why;
    const bool header_ok = engage::read_bundle_header(file, h, why);
    if (!header_ok && why.empty()) __builtin_trap();
    std::string plaintext;
    const bool opened = engage::open_bundle(file, engage_fuzz::key().bytes, plaintext, why);
    if (opened && !header_ok) __builtin_trap();             // opened what has no valid header
    if (!opened && (why.empty() || !plaintext.empty())) __builtin_trap();
    // The same bytes as a key file and as a pairing reply.
    engage::BundleKey k;
    if (engage::parse_bundle_key_file(file, k, why) && !k.valid()) __builtin_trap();
    if (auto p = engage::bundle_key_from_pair_reply(file); p && !p->valid()) __builtin_trap();
    return 0;
}
