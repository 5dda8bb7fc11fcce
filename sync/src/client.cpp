// The background sync thread: one pass at a time, its own database connection and curl handle.
#include <tuple>

#include "engage/log.h"
#include "engage/sync.h"

namespace engage {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::seconds kNudgeDelay{2};    // a saved response is sent this soon after (hub reachable)
constexpr std::chrono::minutes kIdleCheck{5};     // look for unsent responses (e.g. from `seed`) this often

SyncPhase phase_of(const SyncStatus& st) {
    return st.paused ? SyncPhase::Paused : st.attempts > 0 ? SyncPhase::Waiting : SyncPhase::Idle;
}

}  // namespace

SyncClient::SyncClient(std::string data_dir, SyncSettings settings, std::function<void()> on_change)
    : data_dir_(std::move(data_dir)), settings_(std::move(settings)), on_change_(std::move(on_change)) {
    snap_.hub_url = settings_.hub_url;
    thread_ = std::thread([this] { run(); });
}

SyncClient::~SyncClient() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    stopping_ = true;  // aborts a transfer in flight
    cv_.notify_all();
    thread_.join();
}

void SyncClient::sync_now() {
    std::lock_guard lock(mu_);
    now_ = true;
    cv_.notify_all();
}

void SyncClient::nudge() {
    std::lock_guard lock(mu_);
    if (!nudge_at_) nudge_at_ = SteadyClock::now() + kNudgeDelay;
    cv_.notify_all();
}

void SyncClient::set_live_survey(LiveSurvey live) {
    std::lock_guard lock(mu_);
    live_ = std::move(live);
}

SyncSnapshot SyncClient::snapshot() const {
    std::lock_guard lock(mu_);
    return snap_;
}

void SyncClient::publish(const std::function<void(SyncSnapshot&)>& change) {
    {
        std::lock_guard lock(mu_);
        SyncSnapshot next = snap_;
        change(next);
        auto key = [](const SyncSnapshot& s) {
            return std::tie(s.phase, s.pass.sent, s.pass.total, s.last_success_utc, s.last_error, s.next_attempt_ms,
                            s.surveys_changed);
        };
        if (key(next) == key(snap_)) return;
        snap_ = next;
        ++snap_.version;
    }
    if (on_change_) on_change_();
}

void SyncClient::run() {
    std::unique_ptr<Store> store;
    std::unique_ptr<Transport> transport;
    try {
        store = Store::open_existing(data_dir_);
        transport = make_curl_transport(settings_);
    } catch (const std::exception& e) {
        log_error(std::string("Sync cannot start: ") + e.what());
        publish([&](SyncSnapshot& s) {
            s.phase = SyncPhase::Broken;
            s.last_error = e.what();
        });
        return;
    }
    const Backoff backoff(settings_.backoff);
    SyncEngine engine(*store, *transport, settings_);
    engine.report_status_each_pass(data_dir_, [this] {
        std::lock_guard lock(mu_);
        return live_;
    });
    SyncStatus st;
    try {
        st = store->sync_status();
    } catch (const std::exception& e) {
        log_warn(e.what());
    }
    auto show_status = [&] {
        publish([&](SyncSnapshot& s) {
            s.phase = phase_of(st);
            s.last_success_utc = st.last_success_utc;
            s.last_error = st.last_error;
            s.next_attempt_ms = st.attempts > 0 && !st.paused ? st.next_attempt_ms : 0;
        });
    };
    show_status();
    log_info("Sync to " + settings_.hub_url + " started" +
             (st.paused ? " (paused: " + st.last_error + ")" : st.attempts ? " (backing off after " +
                                                                                 std::to_string(st.attempts) + " failures)" : ""));
    bool first = true;
    auto last_pass = SteadyClock::now();
    for (;;) {
        {
            std::unique_lock lock(mu_);
            for (;;) {
                if (stop_) return;
                if (now_) break;
                const auto now = SteadyClock::now();
                std::optional<SteadyClock::time_point> due;
                if (st.paused) due.reset();                               // until "Sync now" or a new pairing
                else if (st.attempts > 0) due = now + backoff.wait_left(st.next_attempt_ms);  // a restart keeps it
                else if (first) due = now;
                else due = std::min(nudge_at_.value_or(SteadyClock::time_point::max()), last_pass + kIdleCheck);
                if (due && now >= *due) break;
                if (due) cv_.wait_until(lock, *due);
                else cv_.wait(lock);
            }
            now_ = false;
            nudge_at_.reset();
        }
        first = false;
        const PassOutcome o = engine.run_pass([this] { return stopping_.load(); }, [&](const PassProgress& p) {
            if (p.total > 0)
                publish([&](SyncSnapshot& s) {
                    s.phase = SyncPhase::Sending;
                    s.pass = p;
                });
        });
        last_pass = SteadyClock::now();
        if (o.kind == PassOutcome::Kind::Cancelled) return;
        try {
            st = engine.record_outcome(o, backoff);
        } catch (const std::exception& e) {
            log_warn(e.what());
        }
        if (o.sent() || o.quarantined)
            log_info("Sync: sent " + std::to_string(o.sent()) + " (stored " + std::to_string(o.stored) +
                     ", duplicate " + std::to_string(o.duplicate) + ", conflict " + std::to_string(o.conflict) + "), " +
                     std::to_string(o.quarantined) + " set aside");
        if (o.surveys.fetched && (!o.surveys.added.empty() || !o.surveys.removed.empty()))
            publish([&](SyncSnapshot& s) { ++s.surveys_changed; });
        if (!o.error.empty())
            log_warn("Sync: " + o.error +
                     (st.paused ? "; paused" : "; next try in " + std::to_string(backoff.wait_left(st.next_attempt_ms).count() / 1000) + " s"));
        show_status();
    }
}

}  // namespace engage
