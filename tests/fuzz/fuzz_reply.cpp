// libFuzzer target: the sync client's check of a hub reply (core/src/protocol.cpp, parse_reply).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engage/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    // The uuids and batch id the seeds were made for (tests/fuzz/corpus/reply).
    static const std::vector<std::string> sent = {"11111111-1111-4111-8111-111111111111",
                                                  "22222222-2222-4222-8222-222222222222"};
    std::vector<engage::protocol::Result> results;
    std::string why;
    const bool ok = engage::protocol::parse_reply(body, "batch-1", sent, results, why);
    // Accepted: exactly one result per uuid sent, in order. Refused: a reason and nothing acknowledged.
    if (ok && results.size() != sent.size()) __builtin_trap();
    if (ok)
        for (std::size_t i = 0; i < sent.size(); ++i)
            if (results[i].uuid != sent[i]) __builtin_trap();
    if (!ok && why.empty()) __builtin_trap();
    return 0;
}
