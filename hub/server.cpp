// engage-hub serve: the HTTP layer (http.h, GNU libmicrohttpd) in front of HubStore. The layer bounds every
// body as sent (413 past a route's limit, for every transfer encoding); here each body is decompressed through a
// receiver with a limit on the *decompressed* size, so a gzip bomb cannot exhaust memory either.
#include "server.h"

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "batch.h"
#include "dashboard.h"
#include "fleet.h"
#include "http.h"
#include "library.h"
#include "engage/bundle.h"
#include "engage/protocol.h"
#include "engage/storage.h"
#include "store.h"
#include "throttle.h"

namespace engage::hub {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using http::ContentReader;
using http::Request;
using http::Response;

constexpr std::size_t kMaxPairBody = 64 * 1024;
constexpr std::size_t kDecompressedFactor = 4;  // decompressed batches may be 4x --max-body-mib
constexpr int kPairFreeFailures = 20;
constexpr const char* kRetryAfterBusy = "5";

// ---- the request log -----------------------------------------------------------------------------
class RequestLog {
public:
    void open_file(const std::string& path) {
        file_ = std::fopen(path.c_str(), "a");
        if (!file_) throw std::runtime_error("cannot open the log file " + path + ": " + std::strerror(errno));
    }
    ~RequestLog() {
        if (file_) std::fclose(file_);
    }
    void line(const std::string& text) {
        const std::string l = utc_seconds_now() + " " + text + "\n";
        std::lock_guard lock(mutex_);
        std::fwrite(l.data(), 1, l.size(), stderr);
        std::fflush(stderr);
        if (file_) {
            std::fwrite(l.data(), 1, l.size(), file_);
            std::fflush(file_);
        }
    }

private:
    std::mutex mutex_;
    std::FILE* file_ = nullptr;
};

// Whatever the handler learnt about the request, for its one log line (each worker serves one request at a time).
struct RequestNote {
    bool active = false;
    Clock::time_point start;
    std::string kiosk;   // "kiosk=Name (6c1f…)" once authenticated
    std::string detail;  // "records=… stored=…"
    std::string error;
};
thread_local RequestNote t_note;


std::string short_id(const std::string& id) { return id.size() > 4 ? id.substr(0, 4) + "…" : id; }

std::string kiosk_label(const KioskInfo& k, const std::string& device_id) {
    const std::string& dev = !device_id.empty() ? device_id : !k.device_id.empty() ? k.device_id : k.id;
    return "kiosk=" + one_line(k.name, 80) + " (" + short_id(dev) + ")";
}

void send_json(Response& res, int status, const json& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, int status, const std::string& message) {
    t_note.error = message;
    send_json(res, status, json{{"error", message}});
    if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"engage-hub\"");
    if (status == 429 || status == 503) res.set_header("Retry-After", status == 429 ? "60" : kRetryAfterBusy);
}

// The kiosk hears only that the database is in trouble; the details (host, SQL error) go to the log.
void send_db_error(Response& res, const DbError& e) {
    send_error(res, e.transient ? 503 : 500,
               e.transient ? "the hub database is busy or unreachable; try again later"
                           : "the hub database failed; the organiser should look at the hub's log");
    t_note.error += std::string(" (") + e.what() + ")";
}

// Reads the body, decompressed, up to `limit` bytes (the layer has already bounded it as sent).
enum class ReadResult { Ok, TooLargeDecompressed, Broken };
ReadResult read_body(const ContentReader& reader, std::size_t limit, std::string& body) {
    bool over = false;
    body.reserve(std::min(limit, reader.size_hint()));  // one allocation, not a copy at every doubling
    const bool ok = reader([&](const char* data, std::size_t n) {
        if (body.size() + n > limit) {
            over = true;
            std::string().swap(body);
            return false;
        }
        body.append(data, n);
        return true;
    });
    if (over) return ReadResult::TooLargeDecompressed;
    return ok ? ReadResult::Ok : ReadResult::Broken;
}

bool encoding_ok(const Request& req, std::string& why) {
    const std::string enc = req.get_header_value("Content-Encoding");
    if (enc.empty() || enc == "gzip" || enc == "identity" || enc == "deflate" || enc == "br") return true;
    why = "unsupported Content-Encoding '" + one_line(enc, 40) + "' (send gzip)";
    return false;
}

// "Bearer <token>" -> token; "" when missing or malformed.
std::string bearer(const Request& req) {
    const std::string h = req.get_header_value("Authorization");
    if (h.size() < 8 || h.size() > 512) return "";
    std::string scheme = h.substr(0, 7);
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "bearer ") return "";
    std::string t = h.substr(7);
    while (!t.empty() && t.front() == ' ') t.erase(0, 1);
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
}

class Hub {
public:
    Hub(HubStore& store, RequestLog& log, const ServeOptions& o)
        : store_(store), log_(log), max_body_(std::size_t(o.max_body_mib) * 1024 * 1024), keys_(store.seal_keys()) {}

    void install(http::Server& svr) {
        svr.on_start([] {
            t_note = RequestNote{};
            t_note.active = true;
            t_note.start = Clock::now();
        });
        svr.route("GET", "/healthz", [](const Request&, Response& res, const ContentReader&) {
            send_json(res, 200, json{{"ok", true}, {"hub", protocol::kHubName}, {"protocol", protocol::kVersion}});
        });
        svr.route("POST", "/v1/batches", [this](const Request& req, Response& res, const ContentReader& reader) {
            batches(req, res, reader);
        }, max_body_);
        svr.route("GET", "/v1/surveys", [this](const Request& req, Response& res, const ContentReader&) {
            surveys(req, res);
        });
        svr.route("POST", "/v1/status", [this](const Request& req, Response& res, const ContentReader& reader) {
            kiosk_report(req, res, reader);
        }, kMaxStatusBody);
        svr.route("POST", "/v1/pair", [this](const Request& req, Response& res, const ContentReader& reader) {
            pair(req, res, reader);
        }, kMaxPairBody);
        // Refused by the layer before any handler (and before any body is read, but for 413 on a chunked body).
        svr.on_error([this](const Request& req, Response& res, const std::string& why) {
            const int st = res.status;
            if (is_dashboard_path(req.path)) {
                t_note.error = st == 413 ? "upload too large" : why;
                return dashboard_refusal(res, st, max_body_);
            }
            if (st == 413 && req.path == "/v1/pair") return send_error(res, 413, "a pairing request is a few bytes of JSON");
            if (st == 413 && req.path == "/v1/status") return status_too_large(res);
            if (st == 413) return body_too_large(res);
            if (st == 404 || st == 405) return send_error(res, st, why + " " + one_line(req.path, 100));
            send_error(res, st, "bad request: " + why);
        });
        svr.on_exception([](const Request&, Response& res, const std::string& what) {
            send_error(res, 500, "internal error: " + what);
        });
        svr.on_log([this](const Request& req, const Response& res) { log_request(req, res); });
    }

private:
    void body_too_large(Response& res) {
        send_error(res, 413, "the body is larger than the hub accepts (" + std::to_string(max_body_ / (1024 * 1024)) +
                                 " MiB); send fewer records per batch");
    }

    void log_request(const Request& req, const Response& res) {
        std::string l = !t_note.kiosk.empty() ? t_note.kiosk
                                              : req.method + " " + one_line(req.path, 100) + " from " + req.remote_addr;
        if (!t_note.detail.empty()) l += " " + t_note.detail;
        l += " status=" + std::to_string(res.status);
        if (t_note.active)
            l += " " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t_note.start)
                                          .count()) + "ms";
        if (!t_note.error.empty()) l += " error: " + one_line(t_note.error);
        log_.line(l);
        t_note = RequestNote{};
    }

    // The kiosk a request's bearer token belongs to; false when refused (401 / 403 / 503 already written).
    bool kiosk_of(const Request& req, Response& res, Auth& auth) {
        const std::string token = bearer(req);
        if (token.empty()) {
            send_error(res, 401, "no token: send Authorization: Bearer <token> (engage-hub kiosk add prints one)");
            return false;
        }
        try {
            auth = store_.authenticate(token);
        } catch (const DbError& e) {
            send_db_error(res, e);
            return false;
        }
        if (auth.status == AuthStatus::UnknownToken) {
            send_error(res, 401, "unknown token: this hub did not issue it");
            return false;
        }
        t_note.kiosk = kiosk_label(auth.kiosk, "");
        if (auth.status == AuthStatus::Revoked) {
            send_error(res, 403, "this kiosk was revoked on the hub at " + auth.kiosk.revoked_utc +
                                     "; enrol it again (engage-hub kiosk add)");
            return false;
        }
        return true;
    }

    // GET /v1/surveys: the surveys published for this kiosk (docs/sync-protocol.md, "Published surveys"). The
    // strong ETag is a hash of each survey's id, version and content hash, so an unchanged list is a 304 that reads
    // no definition.
    void surveys(const Request& req, Response& res) {
        Auth auth;
        if (!kiosk_of(req, res, auth)) return;
        try {
            auto list = store_.surveys_for_kiosk(auth.kiosk, false);
            std::string etag = survey_list_etag(list);
            t_note.detail = "surveys=" + std::to_string(list.size());
            const std::string wanted = req.get_header_value("If-None-Match");
            if (!wanted.empty() && (wanted == "*" || wanted.find(etag) != std::string::npos)) {
                res.status = 304;
                res.set_header("ETag", etag);
                res.set_header("Cache-Control", "no-cache");
                return;
            }
            list = store_.surveys_for_kiosk(auth.kiosk, true);
            etag = survey_list_etag(list);
            std::string body = survey_list_body(list);
            res.status = 200;
            res.set_header("ETag", etag);
            res.set_header("Cache-Control", "no-cache");
            res.set_header("X-Content-Type-Options", "nosniff");
            res.set_content(std::move(body), "application/json");
        } catch (const DbError& e) {
            send_db_error(res, e);
        }
    }

    // POST /v1/status: the kiosk's status report (fleet.h), kept as its enrolment's latest.
    void kiosk_report(const Request& req, Response& res, const ContentReader& reader) {
        Auth who;
        if (!kiosk_of(req, res, who)) return;
        std::string body, why;
        if (!encoding_ok(req, why)) return send_error(res, 400, why);
        switch (read_body(reader, kMaxStatusBody, body)) {
            case ReadResult::Ok: break;
            case ReadResult::TooLargeDecompressed: return status_too_large(res);
            case ReadResult::Broken: return send_error(res, 400, "the body could not be read or decompressed");
        }
        KioskReport r;
        if (!parse_kiosk_report(body, r, why)) return send_error(res, 400, why);
        t_note.kiosk = kiosk_label(who.kiosk, r.kiosk_id);
        const std::time_t now = std::time(nullptr);
        std::time_t kiosk_clock = now;
        parse_utc_seconds(r.clock_utc, kiosk_clock);
        r.received_utc = utc_seconds_now();
        r.clock_skew_s = static_cast<std::int64_t>(kiosk_clock) - static_cast<std::int64_t>(now);
        BatchStatus st = BatchStatus::Ok;
        try {
            st = store_.save_kiosk_report(who.kiosk.id, r);
        } catch (const DbError& e) {
            return send_db_error(res, e);
        }
        switch (st) {
            case BatchStatus::Ok: break;
            case BatchStatus::UnknownKiosk: return send_error(res, 401, "unknown token: its kiosk is gone");
            case BatchStatus::Revoked: return send_error(res, 403, "this kiosk was revoked on the hub");
            case BatchStatus::DeviceMismatch:
            case BatchStatus::DeviceTaken:
                return send_error(res, 403, "this token belongs to kiosk " + who.kiosk.device_id + ", not to kiosk " +
                                                r.kiosk_id);
        }
        t_note.detail = "status waiting=" + std::to_string(r.waiting) + " skew=" + std::to_string(r.clock_skew_s) + "s";
        send_json(res, 200, json{{"protocol", protocol::kVersion}, {"hub", protocol::kHubName}, {"ok", true},
                                 {"hub_clock_utc", r.received_utc}});
    }

    void status_too_large(Response& res) {
        send_error(res, 413, "a status report is at most " + std::to_string(kMaxStatusBody) + " bytes of JSON");
    }

    void batches(const Request& req, Response& res, const ContentReader& reader) {
        const std::size_t decompressed_limit = max_body_ * kDecompressedFactor;
        // Who is it? Refusals still read (and bound) the body so the connection stays in step.
        Auth auth;
        if (!kiosk_of(req, res, auth)) return;
        std::string why;
        if (!encoding_ok(req, why)) {
            return send_error(res, 400, why);
        }

        std::string body;
        switch (read_body(reader, decompressed_limit, body)) {
            case ReadResult::Ok: break;
            case ReadResult::TooLargeDecompressed:
                return send_error(res, 413, "the batch is larger than " +
                                                std::to_string(decompressed_limit / (1024 * 1024)) +
                                                " MiB once decompressed; send fewer records per batch");
            case ReadResult::Broken:
                return send_error(res, 400, req.get_header_value("Content-Encoding").empty()
                                                ? "the body could not be read"
                                                : "the body is not valid " + one_line(req.get_header_value("Content-Encoding"), 20) +
                                                      " (it could not be decompressed)");
        }

        auto parsed = parse_batch(body, Limits{}, &keys_);
        body.clear();
        body.shrink_to_fit();
        if (auto* err = std::get_if<BatchError>(&parsed)) return send_error(res, err->status, err->message);
        const Batch& batch = std::get<Batch>(parsed);
        t_note.kiosk = kiosk_label(auth.kiosk, batch.kiosk_id);

        BatchOutcome out;
        try {
            out = store_.store_batch(auth.kiosk.id, batch);
        } catch (const DbError& e) {
            t_note.detail = "records=" + std::to_string(batch.items.size());
            return send_db_error(res, e);
        }
        switch (out.status) {
            case BatchStatus::Ok: break;
            case BatchStatus::UnknownKiosk: return send_error(res, 401, "unknown token: its kiosk is gone");
            case BatchStatus::Revoked:
                return send_error(res, 403, "this kiosk was revoked on the hub at " + out.kiosk.revoked_utc);
            case BatchStatus::DeviceMismatch:
                return send_error(res, 403, "this token belongs to kiosk " + out.kiosk.device_id +
                                                ", not to kiosk " + batch.kiosk_id);
            case BatchStatus::DeviceTaken:
                return send_error(res, 403, "kiosk " + batch.kiosk_id +
                                                " is already enrolled on this hub under another name; nothing was stored");
        }
        const Counts& n = out.counts;
        t_note.detail = "records=" + std::to_string(n.records) + " stored=" + std::to_string(n.stored) +
                        " duplicate=" + std::to_string(n.duplicate) + " conflict=" + std::to_string(n.conflict) +
                        " invalid=" + std::to_string(n.invalid);
        if (n.invalid > 0)
            for (const auto& r : out.results)
                if (r.status == protocol::Status::Invalid) {
                    t_note.error = "first invalid record: " + r.error;
                    break;
                }
        res.status = 200;
        res.set_header("Cache-Control", "no-store");
        res.set_content(out.reply, "application/json");
    }

    void pair(const Request& req, Response& res, const ContentReader& reader) {
        std::string why;
        if (!encoding_ok(req, why)) {
            return send_error(res, 400, why);
        }
        if (const long wait = pair_failures_.wait_seconds(req.remote_addr); wait > 0) {
            send_error(res, 429, "too many wrong pairing codes from this address; try again in " +
                                     std::to_string(wait) + " s");
            return res.replace_header("Retry-After", std::to_string(wait));
        }
        std::string body;
        switch (read_body(reader, kMaxPairBody, body)) {
            case ReadResult::Ok: break;
            case ReadResult::TooLargeDecompressed: return send_error(res, 413, "a pairing request is a few bytes of JSON");
            case ReadResult::Broken: return send_error(res, 400, "the body could not be read or decompressed");
        }
        if (json_depth(body, 8) > 8) return send_error(res, 400, "the body is not a pairing request");
        const json j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object()) return send_error(res, 400, "the body must be a JSON object: {\"code\": ..., \"kiosk_id\": ...}");
        auto c = j.find("code");
        if (c == j.end() || !c->is_string()) return send_error(res, 400, "code: missing or not a string");
        auto k = j.find("kiosk_id");
        if (k == j.end() || !k->is_string()) return send_error(res, 400, "kiosk_id: missing or not a string");
        const std::string code = c->get<std::string>(), device = k->get<std::string>();
        if (!is_uuid(device)) return send_error(res, 400, "kiosk_id: must be a UUID (8-4-4-4-12 hex digits)");
        if (code.size() > 32) return send_error(res, 400, "code: too long (a pairing code has 8 characters)");

        PairResult r;
        try {
            r = store_.pair(code, device);
        } catch (const DbError& e) {
            return send_db_error(res, e);
        }
        if (r.status != PairStatus::BadCode) t_note.kiosk = kiosk_label(r.kiosk, device);
        switch (r.status) {
            case PairStatus::Ok: {
                t_note.detail = "paired";
                json reply{{"protocol", protocol::kVersion},
                           {"hub", protocol::kHubName},
                           {"token", r.token},
                           {"hub_kiosk_id", r.kiosk.id},
                           {"name", r.kiosk.name}};
                if (!r.bundle_key.empty()) reply["bundle_key"] = base64_encode(r.bundle_key);  // USB bundles
                reply["hub_public_key"] = base64_encode(keys_.public_key);  // the kiosk seals answers to it
                return send_json(res, 200, reply);
            }
            case PairStatus::BadCode:
                pair_failures_.failure(req.remote_addr);
                return send_error(res, 403, "pairing code not valid: wrong, already used or older than 24 hours");
            case PairStatus::Revoked: return send_error(res, 403, "this kiosk was revoked on the hub");
            case PairStatus::DeviceMismatch:
                return send_error(res, 403, "this pairing code belongs to a hub kiosk already paired with another device");
            case PairStatus::DeviceTaken:
                return send_error(res, 403, "kiosk " + device + " is already enrolled on this hub under another name");
        }
    }

    HubStore& store_;
    RequestLog& log_;
    std::size_t max_body_;
    const sealed::KeyPair keys_;  // opens sealed answers; its public half goes to kiosks at pairing
    // Wrong pairing codes per client address: 20 free, then 60 s, 120 s… up to an hour; forgotten after a day.
    Backoff pair_failures_{kPairFreeFailures, std::chrono::seconds(60), std::chrono::hours(1), std::chrono::hours(24)};
};

bool split_listen(const std::string& s, std::string& host, int& port) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    host = s.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string p = s.substr(colon + 1);
    if (p.empty() || p.size() > 5) return false;
    port = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        port = port * 10 + (c - '0');
    }
    return port <= 65535;
}

}  // namespace

// Names and messages from outside go into a one-line log: no control characters, bounded.
std::string one_line(const std::string& s, std::size_t max) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max) {
            out += "…";
            break;
        }
        out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    }
    return out;
}

// glibc gives each thread that allocates its own malloc arena, up to 8 per core. Each of the 32 workers then
// grows an arena of its own to the size of the batches it happens to get, paging that memory in afresh: in a drain
// of 100,000 responses the hub took 45,000 page faults (12 % of its CPU) and ended at 180 MB. With one arena per
// core it may run on (at least 2) the workers share the memory already paged in: ~21,000 faults, ~83 MB.
// MALLOC_ARENA_MAX or GLIBC_TUNABLES given by the service still decide.
static void share_malloc_arenas() {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_ARENA_MAX") || (tunables && std::strstr(tunables, "arena_max"))) return;
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    const int n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                                : static_cast<int>(std::thread::hardware_concurrency());
    mallopt(M_ARENA_MAX, std::max(2, n));
}

int serve(const ServeOptions& o) {
    share_malloc_arenas();
    auto fail = [](const std::string& m) {
        std::fprintf(stderr, "engage-hub serve: %s\n", m.c_str());
        return 2;
    };
    std::string host;
    int port = 0;
    if (!split_listen(o.listen, host, port))
        return fail("--listen " + o.listen + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
    if (o.tls_cert.empty() != o.tls_key.empty()) return fail("--tls-cert and --tls-key go together");
    for (const auto* f : {&o.tls_cert, &o.tls_key})
        if (!f->empty() && !std::filesystem::is_regular_file(*f)) return fail("cannot read " + *f);
    if (o.max_body_mib < 1 || o.max_body_mib > 1024) return fail("--max-body-mib: 1 to 1024");
    if (o.threads < 1 || o.threads > 256) return fail("--threads: 1 to 256");

    // SIGINT / SIGTERM: a waiting thread stops the server (blocked from here on, so
    // a signal during start-up is handled once the server runs); the workers finish what they are doing.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    RequestLog log;
    if (!o.log_file.empty()) {
        try {
            log.open_file(o.log_file);
        } catch (const std::exception& e) {
            return fail(e.what());
        }
    }
    std::unique_ptr<HubStore> store;
    try {
        store = HubStore::open(o.db, true);
        store->defer_dashboard_index();  // the dashboard's summaries off the ingest path (docs/hub.md)
    } catch (const DbError& e) {
        std::fprintf(stderr, "engage-hub serve: %s\n", e.what());
        return 1;
    }

    auto slurp = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const std::string cert = o.tls_cert.empty() ? "" : slurp(o.tls_cert);
    const std::string key = o.tls_key.empty() ? "" : slurp(o.tls_key);
    if (!o.tls_cert.empty() && (cert.empty() || key.empty())) return fail("cannot read " + o.tls_cert + " or " + o.tls_key);

    http::Server svr;
    if (!o.tls_cert.empty()) svr.add_header_to_all("Strict-Transport-Security", "max-age=31536000");
    try {
        register_dashboard(svr, *store,
                           DashboardOptions{o.surveys_dir, o.min_count, !o.tls_cert.empty(), o.max_body_mib, "", o.stale_days},
                           [&log](const std::string& l) { log.line(l); });
    } catch (const std::runtime_error& e) {
        return fail(e.what());
    }
    Hub hub(*store, log, o);
    hub.install(svr);

    http::Limits limits;
    limits.workers = o.threads;
    limits.max_connections = o.max_connections;
    limits.max_per_address = o.max_per_address;
    limits.idle_timeout_s = o.idle_timeout_s;
    std::string why;
    const int bound = svr.start(host, port, limits, cert, key, why);
    if (bound <= 0) {
        if (!o.tls_cert.empty() && why.rfind("not PEM", 0) == 0)
            return fail("cannot use --tls-cert " + o.tls_cert + " with --tls-key " + o.tls_key + " (" + why + ")");
        std::fprintf(stderr, "engage-hub serve: cannot listen on %s (%s)\n", o.listen.c_str(), why.c_str());
        return 1;
    }
    const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    log.line(std::string("engage-hub ") + ENGAGE_VERSION + " listening on " + (o.tls_cert.empty() ? "http" : "https") +
             "://" + shown_host + ":" + std::to_string(bound) + " (database: " + store->backend() + " " +
             redact_db(o.db) + ", schema " + std::to_string(store->schema_version()) + "; " +
             std::to_string(o.threads) + " threads; bodies up to " + std::to_string(o.max_body_mib) + " MiB; up to " +
             std::to_string(o.max_connections) + " connections, " + std::to_string(o.max_per_address) +
             " per address)");

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log.line(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    svr.stop();  // requests being handled finish first
    log.line("stopped");
    return 0;
}

}  // namespace engage::hub
