// One sync pass: batches, replies, bisecting, quarantine (docs/sync-protocol.md).
#include <algorithm>
#include <deque>
#include <future>

#include "engage/json_fast.h"
#include "engage/log.h"
#include "engage/protocol.h"
#include "engage/sync.h"

namespace engage {
namespace {

constexpr int kMaxRejectsInARow = 32;  // 400s with nothing accepted between: the hub refuses us, not a record

// The hub's {"error": "..."}; nothing when the body is not that (a proxy's or a portal's HTML page).
std::optional<std::string> hub_error(const std::string& body) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    return std::nullopt;
}

}  // namespace

nlohmann::json make_record(const PendingRecord& r) {
    if (!r.sealed.empty()) return nlohmann::json::parse(sealed_record_text(r));
    auto answers = nlohmann::json::parse(r.answers_json, nullptr, false);
    if (answers.is_discarded()) throw std::runtime_error("the saved answers are not valid JSON");
    nlohmann::json session = nullptr;
    if (r.session)
        session = {{"id", r.session->id},
                   {"event", r.session->event},
                   {"venue", r.session->venue},
                   {"started_utc", r.session->started_utc},
                   {"ended_utc", r.session->ended_utc.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.session->ended_utc)}};
    nlohmann::json rec = {{"uuid", r.uuid},           {"seq", r.seq},
                          {"survey_id", r.survey_id}, {"survey_version", r.survey_version},
                          {"created_utc", r.created_utc}, {"language", r.language},
                          {"session", session},       {"answers", std::move(answers)}};
    protocol::seal(rec);
    return rec;
}

std::string record_text(const PendingRecord& r) {
    if (!r.sealed.empty()) return sealed_record_text(r);
    // The saved answers are already compact with sorted keys: checked (and copied) in one pass, without a JSON
    // tree; nlohmann only for what that pass does not take on (engage/json_fast.h).
    std::string answers_text;
    if (!json_fast::canonical_or_dump(r.answers_json, answers_text))
        throw std::runtime_error("the saved answers are not valid JSON");
    const protocol::RecordFields f = record_fields(r, answers_text);
    return protocol::record_text(f, protocol::sha256_hex(protocol::canonical_text(f)));
}

// The request for rows: records sealed, the body built and gzip'd. Touches neither the store nor the transport, so
// the next batch is built on another thread while this one is in flight. A row whose answers cannot be read goes
// to `unreadable` (with why), to be set aside by the caller.
SyncEngine::Prepared SyncEngine::prepare(std::vector<PendingRecord> rows, const std::string& kiosk_id) {
    Prepared p;
    p.batch_id = new_uuid();
    // {"batch_id":...,"kiosk_id":...,"protocol":1,"records":[...]}: what dump() of that object would give, written
    // straight into one buffer sized for it (no json objects to build and free, no copy of the records).
    const auto str = [](const std::string& s) {
        return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    std::string body = "{\"batch_id\":" + str(p.batch_id) + ",\"kiosk_id\":" + str(kiosk_id) +
                       ",\"protocol\":" + std::to_string(protocol::kVersion) + ",\"records\":[";
    std::size_t need = body.size() + 2;
    for (const auto& r : rows) need += (r.sealed.empty() ? r.answers_json.size() : r.sealed.size()) + 480;
    body.reserve(need);
    for (auto& r : rows) {
        try {
            const std::string text = record_text(r);
            if (!p.rows.empty()) body += ',';
            body += text;
            p.rows.push_back(std::move(r));
        } catch (const std::exception& e) {
            p.unreadable.emplace_back(std::move(r), std::string("The kiosk could not read it: ") + e.what());
        }
    }
    if (p.rows.empty()) return p;
    body += "]}";
    p.raw = body.size();
    p.gz = gzip(body);
    return p;
}

SyncEngine::SyncEngine(Store& store, Transport& transport, SyncSettings settings)
    : store_(store), transport_(transport), settings_(std::move(settings)) {
    // The rows of the batches in flight (up to 3 of 4,000, ~8 MiB) stay cached from being read to being
    // acknowledged; with SQLite's 2 MiB they were read again from the file for the acknowledgement. Only speed:
    // a failure here is logged and sync goes on.
    try {
        store_.set_cache_kib(16 * 1024);
    } catch (const std::exception& e) {
        log_warn(std::string("Sync: the page cache could not be enlarged: ") + e.what());
    }
}

PassOutcome SyncEngine::run_pass(const std::function<bool()>& cancelled,
                                 const std::function<void(const PassProgress&)>& progress) {
    batch_records_ = std::max(settings_.batch_records, 1);
    grow_ = 1;
    max_grow_ = std::clamp(settings_.batch_grow, 1, 8);
    rejects_in_a_row_ = 0;
    suspects_.clear();
    held_back_ = 0;
    on_progress_ = progress;
    const PassOutcome out = send_batches(cancelled);
    report_status(out, cancelled);
    return out;
}

PassOutcome SyncEngine::send_batches(const std::function<bool()>& cancelled) {
    PassOutcome out;
    // Raw JSON read per batch: the compressed budget times what gzip did to the last batch (4x until one is
    // built: a record's uuid and hash do not compress, so clear answers shrink 3-5x; sealed ones, random bytes in
    // base64, about 1.3x), with a margin, so a batch is rarely too big; one that is anyway is split before
    // sending (send_halves, with nothing in flight).
    double squeeze = 4.0;
    const auto raw_budget = [&] {
        const double b =
            static_cast<double>(settings_.batch_kib) * grow_ * 1024 * std::clamp(squeeze * 0.8, 1.0, 8.0);
        return std::min<std::size_t>(static_cast<std::size_t>(b), 7u << 20);
    };
    try {
        accepted_before_ = !store_.sync_status().last_success_utc.empty();
        progress_ = {0, store_.sync_counts().waiting_sync};
        if (on_progress_) on_progress_(progress_);
        // A pipeline: up to settings_.in_flight batches are posted (each from a thread of its own) before the
        // first reply is awaited, and the next batch is read and built (on another thread) meanwhile, so the hub
        // can parse one batch while it stores another and the kiosk's work overlaps the hub's. Replies are
        // handled in the order the batches were sent; a clean one tops the flight up before its batch is
        // acknowledged, so the hub is not kept waiting for the kiosk's commit. The store is used on this thread
        // only. No two batches in flight hold the same record (each is read past the last one's seq), and every
        // synchronous send (halves, bisecting) happens with nothing in flight.
        const std::size_t depth = static_cast<std::size_t>(std::clamp(settings_.in_flight, 1, 8));
        std::int64_t cursor = 0;
        auto next_batch = [&]() -> std::future<Prepared> {
            auto rows = store_.pending_batch(std::min(batch_records_ * grow_, protocol::kMaxBatchRecords), raw_budget(), cursor);
            if (rows.empty()) return {};
            cursor = rows.back().seq;
            auto build = [rows = std::move(rows), id = store_.kiosk_id(), g = grow_]() mutable {
                Prepared p = prepare(std::move(rows), id);
                p.grow = g;  // judged by the budget it was read for, whatever the size is by the time it is sent
                return p;
            };
            return std::async(std::launch::async, std::move(build));
        };
        struct Flight {
            Prepared batch;
            std::chrono::steady_clock::time_point posted;
            std::future<HttpResponse> reply;  // declared last: destroyed (waited for) before the body it sends
        };
        std::deque<Flight> flying;  // a return waits for each (and for `building`): nothing outlives the pass
        std::future<Prepared> building = next_batch();
        std::optional<Prepared> oversize;  // too large for one request: split once nothing is in flight
        const auto is_cancelled = [&] { return cancelled && cancelled(); };
        auto top_up = [&] {
            while (!oversize && flying.size() < depth && building.valid() && !is_cancelled()) {
                Prepared ready = building.get();
                if (ready.raw > 0 && !ready.gz.empty())
                    squeeze = static_cast<double>(ready.raw) / static_cast<double>(ready.gz.size());
                building = next_batch();
                if (!ready_to_post(ready, out)) {
                    if (!ready.rows.empty()) oversize = std::move(ready);
                    continue;
                }
                Flight& f = flying.emplace_back();
                f.batch = std::move(ready);
                f.posted = std::chrono::steady_clock::now();
                const std::string* gz = &f.batch.gz;  // a deque keeps its elements in place
                f.reply = std::async(std::launch::async, [this, gz, &cancelled] {
                    return transport_.post(settings_.hub_url + "/v1/batches", settings_.token, *gz, true, cancelled);
                });
            }
        };
        for (;;) {
            top_up();
            if (flying.empty()) {
                if (oversize) {
                    std::vector<PendingRecord> rows = std::move(oversize->rows);
                    oversize.reset();
                    ++out.split;
                    if (send_halves(rows, out, cancelled) == Sent::Stop) return out;
                    continue;
                }
                if (!building.valid()) break;  // everything sent
                out.kind = PassOutcome::Kind::Cancelled;
                out.error = "Stopped";
                return out;
            }
            const HttpResponse r = flying.front().reply.get();
            const auto took = std::chrono::steady_clock::now() - flying.front().posted;
            Prepared done = std::move(flying.front().batch);
            flying.pop_front();
            std::vector<protocol::Result> results;
            if (clean_reply(done, r, results)) {
                // A fast, clean answer with more to send: fewer, larger batches (the hub commits fewer times).
                if (took >= settings_.grow_within) grow_ = std::max(1, grow_ / 2);
                else if (building.valid() || !flying.empty()) grow_ = std::min(grow_ * 2, max_grow_);
                top_up();
                answer(done, r, &results, out, cancelled);  // acknowledges: a clean reply never stops the pass
                continue;
            }
            grow_ = 1;
            // Anything else: wait for every batch still in flight, then answer each in the order sent, as if it
            // had been the only one. After a stop, a later clean reply is still acknowledged (it is the hub's
            // valid answer to that batch); any other is not acted on: its records stay pending for the next pass.
            std::vector<std::pair<Prepared, HttpResponse>> rest;
            for (Flight& f : flying) {
                HttpResponse rr = f.reply.get();
                rest.emplace_back(std::move(f.batch), std::move(rr));
            }
            flying.clear();
            bool stopped = answer(done, r, nullptr, out, cancelled) == Sent::Stop;
            for (auto& [batch, reply] : rest) {
                std::vector<protocol::Result> res;
                const bool clean = clean_reply(batch, reply, res);
                if (stopped && !clean) continue;
                if (answer(batch, reply, clean ? &res : nullptr, out, cancelled) == Sent::Stop) stopped = true;
            }
            if (stopped) return out;
        }
        // Lone records the hub answered 400 before it had accepted anything: quarantine them only once we know
        // the hub takes our other batches; otherwise the hub refuses everything and no record is to blame.
        if (!suspects_.empty()) {
            if (out.talked_to_hub || accepted_before_) {
                for (const auto& [row, why] : suspects_) set_aside(row, why, out);
            } else {
                out.kind = PassOutcome::Kind::Stopped;
                out.error = suspects_.front().second;
            }
        }
        if (held_back_ > 0 && out.kind == PassOutcome::Kind::Done) {  // still pending: the next pass tries again
            out.kind = PassOutcome::Kind::Retry;
            out.error = "Could not send " + std::to_string(held_back_) + " response" + (held_back_ == 1 ? "" : "s") +
                        " this time: " + held_reason_;
        }
    } catch (const std::exception& e) {  // storage or zlib: keep everything, try again later
        out.kind = PassOutcome::Kind::Retry;
        out.error = e.what();
    }
    // A step of its own after the batches: the surveys the hub publishes to this kiosk (sync/src/surveys.cpp).
    if (out.kind == PassOutcome::Kind::Done && !(cancelled && cancelled())) fetch_published_surveys(out, cancelled);
    return out;
}

SyncEngine::Sent SyncEngine::send_halves(std::vector<PendingRecord>& rows, PassOutcome& out,
                                         const std::function<bool()>& cancelled) {
    const auto mid = rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2);
    std::vector<PendingRecord> second(std::make_move_iterator(mid), std::make_move_iterator(rows.end()));
    rows.erase(mid, rows.end());
    if (send(std::move(rows), out, cancelled) == Sent::Stop) return Sent::Stop;
    return send(std::move(second), out, cancelled);
}

void SyncEngine::set_aside(const PendingRecord& r, const std::string& reason, PassOutcome& out) {
    if (store_.quarantine(r.uuid, reason)) {
        ++out.quarantined;
        progress_.total = std::max(progress_.sent, progress_.total - 1);
        log_warn("Response " + std::to_string(r.seq) + " (" + r.uuid + ") is set aside, not sent: " + reason);
    }
}

SyncEngine::Sent SyncEngine::send(std::vector<PendingRecord> rows, PassOutcome& out,
                                  const std::function<bool()>& cancelled) {
    return deliver(prepare(std::move(rows), store_.kiosk_id()), out, cancelled);
}

// Sets aside the records the kiosk cannot read; true when what is left goes as one request (not empty, not too
// large). Called again on the same batch, it says the same.
bool SyncEngine::ready_to_post(Prepared& batch, PassOutcome& out) {
    for (const auto& [row, why] : batch.unreadable) set_aside(row, why, out);
    batch.unreadable.clear();
    return !batch.rows.empty() &&
           (batch.gz.size() <= std::size_t(settings_.batch_kib) * 1024 * std::size_t(batch.grow) ||
            batch.rows.size() == 1);
}

// A 200 whose reply is the hub's, for this batch, with no invalid record: nothing to resend.
bool SyncEngine::clean_reply(const Prepared& batch, const HttpResponse& r, std::vector<protocol::Result>& results) {
    if (!r.error.empty() || r.status != 200) return false;
    std::vector<std::string> uuids;
    for (const auto& row : batch.rows) uuids.push_back(row.uuid);
    std::string why;
    if (!protocol::parse_reply(r.body, batch.batch_id, uuids, results, why)) return false;
    return std::none_of(results.begin(), results.end(),
                        [](const protocol::Result& x) { return x.status == protocol::Status::Invalid; });
}

SyncEngine::Sent SyncEngine::deliver(Prepared batch, PassOutcome& out, const std::function<bool()>& cancelled) {
    if (!ready_to_post(batch, out)) return batch.rows.empty() ? Sent::Ok : send_halves(batch.rows, out, cancelled);
    const HttpResponse r =
        transport_.post(settings_.hub_url + "/v1/batches", settings_.token, batch.gz, true, cancelled);
    return answer(batch, r, nullptr, out, cancelled);
}

// What the hub's answer `r` to `batch` means: acknowledge, resend in halves, set aside, or stop the pass.
// `parsed`: the reply's results when clean_reply has already read them.
SyncEngine::Sent SyncEngine::answer(Prepared& batch, const HttpResponse& r, std::vector<protocol::Result>* parsed,
                                    PassOutcome& out, const std::function<bool()>& cancelled) {
    using Kind = PassOutcome::Kind;
    auto stop = [&](Kind k, std::string why, std::optional<std::chrono::milliseconds> after = {}) {
        out.kind = (cancelled && cancelled()) ? Kind::Cancelled : k;
        out.error = std::move(why);
        out.retry_after = after;
        return Sent::Stop;
    };
    std::vector<PendingRecord>& rows = batch.rows;
    if (!r.error.empty()) return stop(Kind::Retry, r.error);
    if (r.status == 200) {
        std::vector<protocol::Result> results;
        if (parsed) {
            results = std::move(*parsed);
        } else {
            std::vector<std::string> uuids;
            for (const auto& row : rows) uuids.push_back(row.uuid);
            std::string why;
            if (!protocol::parse_reply(r.body, batch.batch_id, uuids, results, why))
                return stop(Kind::Retry, "Can't reach the hub (" + why + ")");
        }
        out.talked_to_hub = true;
        rejects_in_a_row_ = 0;
        std::vector<std::string> ack;
        std::vector<std::int64_t> ack_seqs;  // consecutive ones leave outbox by one range DELETE
        bool aligned = results.size() == rows.size();
        std::vector<PendingRecord> invalid;
        std::vector<std::string> invalid_why;
        for (std::size_t i = 0; i < results.size(); ++i) {
            switch (results[i].status) {
                case protocol::Status::Stored: ++out.stored; break;
                case protocol::Status::Duplicate: ++out.duplicate; break;
                case protocol::Status::Conflict:
                    ++out.conflict;
                    log_warn("The hub already holds response " + std::to_string(rows[i].seq) + " (" + rows[i].uuid +
                             ") with different content; it kept the new copy aside (conflict)");
                    break;
                case protocol::Status::Invalid:
                    invalid.push_back(rows[i]);
                    invalid_why.push_back(results[i].error.empty() ? "no reason given" : results[i].error);
                    continue;
            }
            aligned = aligned && rows[i].uuid == results[i].uuid;  // (sizes checked first)
            ack.push_back(results[i].uuid);
            if (aligned) ack_seqs.push_back(rows[i].seq);
        }
        // By seq only when each seq is surely its uuid's (parse_reply returns the results in the order sent): a
        // range must never take in a row the hub did not answer for.
        store_.mark_acknowledged(ack, aligned ? ack_seqs : std::vector<std::int64_t>{});  // one transaction
        progress_.sent += static_cast<std::int64_t>(ack.size());
        progress_.total = std::max(progress_.total, progress_.sent);
        if (on_progress_) on_progress_(progress_);
        if (invalid.size() == 1) set_aside(invalid[0], "The hub refused it: " + invalid_why[0], out);
        else if (invalid.size() > 1) return send_halves(invalid, out, cancelled);
        return Sent::Ok;
    }
    if (r.status == 400 || r.status == 413) {
        // Only the hub's own {"error"} speaks about our records; a proxy's or portal's page says nothing about
        // them: batches are still split, but a lone record is then held back (left pending), never quarantined.
        const std::optional<std::string> err = hub_error(r.body);
        const std::string code = "HTTP " + std::to_string(r.status);
        const std::string what = err ? *err : code + " from something between the kiosk and the hub, not the hub";
        if (r.status == 400 && err && err->find("unsupported protocol") != std::string::npos)
            return stop(Kind::Stopped, "The hub does not speak this kiosk's sync protocol (" + *err +
                                           "); the responses are kept here. The kiosk software may need updating");
        if (++rejects_in_a_row_ > kMaxRejectsInARow)
            return stop(Kind::Stopped, "Every batch is refused (" + (err ? code + ": " + *err : what) + ")");
        if (rows.size() > 1) {
            if (r.status == 413) {  // for the rest of the pass: at most half this size, and no growing
                batch_records_ = std::max(1, std::min(batch_records_, static_cast<int>(rows.size() / 2)));
                grow_ = max_grow_ = 1;
            }
            return send_halves(rows, out, cancelled);
        }
        if (!err) {
            ++held_back_;
            held_reason_ = what;
        } else if (r.status == 413) {
            set_aside(rows[0], "It is too large for the hub (HTTP 413: " + *err + ")", out);
        } else if (out.talked_to_hub || accepted_before_) {
            set_aside(rows[0], "The hub refused it: " + *err, out);
        } else {
            suspects_.emplace_back(rows[0], "The hub refused it: " + *err);
        }
        return Sent::Ok;
    }
    if (r.status == 401 || r.status == 403)
        return stop(Kind::Paused, "The hub refused this kiosk's token — ask the organiser for a new pairing code");
    if (r.status == 429 || r.status == 503) {
        std::optional<std::chrono::milliseconds> after;
        if (r.retry_after) after = std::chrono::duration_cast<std::chrono::milliseconds>(*r.retry_after);
        return stop(Kind::Retry, "The hub is busy", after);
    }
    if (r.status >= 300 && r.status < 400)
        return stop(Kind::Retry, "Can't reach the hub (redirected elsewhere: a captive portal may be in the way)");
    if (r.status >= 500) return stop(Kind::Retry, "The hub had a problem (HTTP " + std::to_string(r.status) + ")");
    return stop(Kind::Retry, "The hub answered HTTP " + std::to_string(r.status) +
                                 (r.status == 404 ? " (is the hub address right?)" : ""));
}

SyncStatus SyncEngine::record_outcome(const PassOutcome& o, const Backoff& backoff) {
    SyncStatus st = store_.sync_status();
    if (o.talked_to_hub) st.last_success_utc = utc_seconds_now();
    switch (o.kind) {
        case PassOutcome::Kind::Done:
            st.attempts = 0;
            st.next_attempt_ms = 0;
            st.last_error.clear();
            st.paused = false;
            break;
        case PassOutcome::Kind::Retry:
        case PassOutcome::Kind::Stopped:
            st.attempts = o.talked_to_hub ? 1 : st.attempts + 1;  // the hub answered: start the backoff afresh
            st.next_attempt_ms = backoff.next_attempt_ms(st.attempts, o.retry_after);
            st.last_error = o.error;
            st.paused = false;
            break;
        case PassOutcome::Kind::Paused:
            st.attempts += 1;
            st.next_attempt_ms = 0;
            st.last_error = o.error;
            st.paused = true;
            break;
        case PassOutcome::Kind::Cancelled: break;  // not the hub's doing: keep the schedule as it was
    }
    store_.set_sync_status(st);
    return st;
}

}  // namespace engage
