// libFuzzer target: the hub's POST /v1/batches body parser (hub/batch.cpp, parse_batch) and the reply it
// builds from what it parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "batch.h"
#include "engage/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    engage::hub::Limits limits;
    limits.max_records = 50;  // small, so the 413 path is reachable
    const auto parsed = engage::hub::parse_batch(body, limits);
    if (const auto* err = std::get_if<engage::hub::BatchError>(&parsed)) {
        if (err->message.empty() || (err->status != 400 && err->status != 413)) __builtin_trap();
        return 0;
    }
    const auto& batch = std::get<engage::hub::Batch>(parsed);
    if (batch.items.size() > limits.max_records) __builtin_trap();
    std::vector<engage::protocol::Result> results;
    for (const auto& it : batch.items) {
        if (it.valid() && !engage::hub::is_uuid(it.record.uuid)) __builtin_trap();
        // The hash the hub checked, written from the parsed fields, is the protocol's hash of the record as sent.
        if (it.valid() && it.record.content_hash != engage::protocol::content_hash((*batch.records)[it.index]))
            __builtin_trap();
        if (batch.record_json(it.index).empty()) __builtin_trap();  // what a conflict keeps aside
        results.push_back({it.uuid, it.valid() ? engage::protocol::Status::Stored : engage::protocol::Status::Invalid,
                           it.error});
    }
    (void)engage::hub::make_reply(batch.batch_id, results);
    return 0;
}
