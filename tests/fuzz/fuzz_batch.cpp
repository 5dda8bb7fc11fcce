// libFuzzer target: the hub's POST /v1/batches body parser (hub/batch.cpp, parse_batch) and the reply it
// builds from what it parsed; and its two readers agree: whatever the one-pass reader (parse_batch_fast) accepts,
// nlohmann's (parse_batch_dom) reads as the same batch, every record valid, field for field.
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
    const auto parsed = engage::hub::parse_batch_dom(body, limits);
    if (const auto fast = engage::hub::parse_batch_fast(body, limits)) {
        const auto* dom = std::get_if<engage::hub::Batch>(&parsed);
        if (!dom || dom->kiosk_id != fast->kiosk_id || dom->batch_id != fast->batch_id ||
            dom->items.size() != fast->items.size())
            __builtin_trap();
        for (std::size_t i = 0; i < fast->items.size(); ++i) {
            const auto& a = fast->items[i];
            const auto& b = dom->items[i];
            const auto& x = a.record;
            const auto& y = b.record;
            if (!a.valid() || !b.valid() || a.index != b.index || a.uuid != b.uuid || x.uuid != y.uuid ||
                x.seq != y.seq || x.survey_id != y.survey_id || x.survey_version != y.survey_version ||
                x.created_utc != y.created_utc || x.language != y.language || x.has_session != y.has_session ||
                x.session_id != y.session_id || x.session_event != y.session_event ||
                x.session_venue != y.session_venue || x.session_started_utc != y.session_started_utc ||
                x.session_ended_utc != y.session_ended_utc || x.answers_json != y.answers_json ||
                x.content_hash != y.content_hash || fast->record_json(i) != dom->record_json(i))
                __builtin_trap();
        }
    }
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
