// The hub's HTTP layer on GNU libmicrohttpd (see http.h). libmicrohttpd's polling threads parse requests and
// receive bodies; a complete request is handed to a worker (its connection suspended meanwhile) and answered
// when the worker is done. Everything a client sends before that is bounded: the request line and headers by
// the connection's memory pool, the body by its route's limit (bytes past it are read and dropped up to
// drain_cap, so the client hears the 413, then the connection is closed).
#include "http.h"

#include <arpa/inet.h>
#include <brotli/decode.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace engage::hub::http {
namespace {

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

// A fixed set of threads taking jobs in order.
class WorkerPool {
public:
    void start(int n) {
        for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
    }
    // Once finishing, a job runs at once on the caller's thread (a suspended connection must be resumed).
    void post(std::function<void()> job) {
        {
            std::lock_guard lock(mutex_);
            if (!stopping_) {
                jobs_.push_back(std::move(job));
                job = nullptr;
            }
        }
        if (job) return job();
        cv_.notify_one();
    }
    // Finishes every job already posted, then stops the threads.
    void finish() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
        threads_.clear();
    }

private:
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            job();
        }
    }
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

// zlib for gzip and deflate (zlib-wrapped or raw), brotli for br.
bool inflate_body(const std::string& in, bool raw, const Receiver& out) {
    z_stream z{};
    if (inflateInit2(&z, raw ? -15 : 15 + 32) != Z_OK) return false;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    char buf[64 * 1024];
    int rc = Z_OK;
    bool ok = true;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            ok = false;
            break;
        }
        const std::size_t n = sizeof buf - z.avail_out;
        if (n && !out(buf, n)) {
            ok = false;
            break;
        }
        if (rc == Z_OK && n == 0 && z.avail_in == 0) break;  // cut short: what came is judged by its parser

    }
    inflateEnd(&z);
    return ok;
}

bool brotli_body(const std::string& in, const Receiver& out) {
    BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (!s) return false;
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    uint8_t buf[64 * 1024];
    bool ok = false;
    for (;;) {
        uint8_t* next_out = buf;
        std::size_t avail_out = sizeof buf;
        const auto r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        const std::size_t n = sizeof buf - avail_out;
        if (n && !out(reinterpret_cast<const char*>(buf), n)) break;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            ok = true;
            break;
        }
        if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) break;  // error, or input ended too soon
    }
    BrotliDecoderDestroyInstance(s);
    return ok;
}

// The Content-Encoding as decode() and size_hint() read it: trimmed, lower case ("" when none).
std::string content_encoding(const Request& req) { return lower(trim(req.get_header_value("Content-Encoding"))); }

bool decode(const Request& req, const Receiver& out) {
    const std::string enc = content_encoding(req);
    if (enc.empty() || enc == "identity") return req.body.empty() || out(req.body.data(), req.body.size());
    if (enc == "gzip" || enc == "x-gzip") return inflate_body(req.body, false, out);
    if (enc == "deflate") {
        // zlib-wrapped as the RFC says; some clients send it raw.
        const bool zlib_wrapped = req.body.size() >= 2 && (static_cast<unsigned char>(req.body[0]) & 0x0f) == 8 &&
                                  ((static_cast<unsigned char>(req.body[0]) << 8) | static_cast<unsigned char>(req.body[1])) % 31 == 0;
        return inflate_body(req.body, !zlib_wrapped, out);
    }
    if (enc == "br") return brotli_body(req.body, out);
    return false;
}

// The boundary parameter of a multipart/form-data Content-Type; "" when there is none.
std::string boundary_of(const std::string& content_type) {
    const std::string l = lower(content_type);
    const auto at = l.find("boundary=");
    if (at == std::string::npos) return "";
    std::string b = content_type.substr(at + 9);
    const auto semi = b.find(';');
    if (semi != std::string::npos) b = b.substr(0, semi);
    b = trim(b);
    if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
    return b.size() <= 200 ? b : "";
}

// name="x"; filename="y" from a part's Content-Disposition.
std::string disposition_param(const std::string& header, const std::string& key) {
    const std::string l = lower(header);
    std::size_t at = 0;
    while ((at = l.find(key + "=", at)) != std::string::npos) {
        if (at > 0 && l[at - 1] != ' ' && l[at - 1] != ';') {
            at += key.size();
            continue;
        }
        std::size_t v = at + key.size() + 1;
        if (v < header.size() && header[v] == '"') {
            const auto end = header.find('"', v + 1);
            return header.substr(v + 1, end == std::string::npos ? std::string::npos : end - v - 1);
        }
        const auto end = header.find(';', v);
        return trim(header.substr(v, end == std::string::npos ? std::string::npos : end - v));
    }
    return "";
}

}  // namespace

// ---- Request ------------------------------------------------------------------------------------------------
bool Request::has_header(const std::string& name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}
std::string Request::get_header_value(const std::string& name) const {
    for (const auto& h : headers)
        if (iequals(h.first, name)) return h.second;
    return "";
}
std::string Request::get_param_value(const std::string& key) const {
    const auto it = params.find(key);
    return it == params.end() ? "" : it->second;
}
bool Request::is_multipart_form_data() const {
    return lower(get_header_value("Content-Type")).rfind("multipart/form-data", 0) == 0;
}

void Response::replace_header(const std::string& name, const std::string& value) {
    headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }),
                  headers.end());
    set_header(name, value);
}

bool ContentReader::operator()(const Receiver& data) const { return decode(req_, data); }

std::size_t ContentReader::size_hint() const {
    const std::string& b = req_.body;
    const std::string enc = content_encoding(req_);
    std::size_t n = 0;
    if (enc.empty() || enc == "identity") {
        n = b.size();
    } else if ((enc == "gzip" || enc == "x-gzip") && b.size() >= 18) {
        const auto* t = reinterpret_cast<const unsigned char*>(b.data() + b.size() - 4);
        n = std::size_t(t[0]) | std::size_t(t[1]) << 8 | std::size_t(t[2]) << 16 | std::size_t(t[3]) << 24;
    }
    return std::min(n, b.size() * 32 + 64 * 1024);
}

bool ContentReader::operator()(const PartStart& start, const Receiver& data) const {
    if (!req_.is_multipart_form_data()) return false;
    const std::string boundary = boundary_of(req_.get_header_value("Content-Type"));
    if (boundary.empty()) return false;
    std::string body;
    if (!decode(req_, [&](const char* d, std::size_t n) {
            body.append(d, n);
            return true;
        }))
        return false;
    const std::string delim = "--" + boundary;
    std::size_t at = body.find(delim);
    if (at == std::string::npos) return false;
    for (;;) {
        at += delim.size();
        if (body.compare(at, 2, "--") == 0) return true;  // the closing delimiter
        if (body.compare(at, 2, "\r\n") != 0) return false;
        at += 2;
        const auto head_end = body.find("\r\n\r\n", at);
        if (head_end == std::string::npos) return false;
        MultipartHeader h;
        std::size_t line = at;
        while (line < head_end) {
            auto eol = body.find("\r\n", line);
            if (eol == std::string::npos || eol > head_end) eol = head_end;
            const std::string l = body.substr(line, eol - line);
            const auto colon = l.find(':');
            if (colon != std::string::npos && iequals(trim(l.substr(0, colon)), "Content-Disposition")) {
                h.name = disposition_param(l, "name");
                h.filename = disposition_param(l, "filename");
            }
            line = eol + 2;
        }
        const std::size_t data_start = head_end + 4;
        const auto next = body.find("\r\n" + delim, data_start);
        if (next == std::string::npos) return false;
        if (!start(h)) return false;
        if (next > data_start && !data(body.data() + data_start, next - data_start)) return false;
        at = next + 2;
    }
}

// ---- Server -------------------------------------------------------------------------------------------------
struct Route {
    std::string method, path;
    Handler handler;
    std::size_t max_body;
    Pool pool;
};

struct Call;

struct Server::Impl {
    std::vector<Route> routes;
    std::function<void(const Request&, Response&, const std::string&)> error;
    std::function<void()> start;
    std::function<void(const Request&, const Response&)> log;
    std::function<void(const Request&, Response&, const std::string&)> exception;
    std::vector<std::pair<std::string, std::string>> extra_headers;
    Limits limits;
    WorkerPool main, slow;
    MHD_Daemon* daemon = nullptr;
    std::string cert, key;  // must outlive the daemon

    static MHD_Result access(void* cls, MHD_Connection* c, const char* url, const char* method, const char* version,
                             const char* upload, std::size_t* upload_size, void** con_cls);
    static void completed(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode toe);
};

struct Call {
    Server::Impl* impl = nullptr;
    MHD_Connection* conn = nullptr;
    Request req;
    Response res;
    const Route* route = nullptr;
    bool over = false;
    std::size_t received = 0;
    std::atomic<bool> ready{false};
    bool queued = false;
};

namespace {

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<Request*>(cls)->headers.emplace_back(key ? key : "", value ? value : "");
    return MHD_YES;
}
MHD_Result collect_param(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<Request*>(cls)->params.emplace(key ? key : "", value ? value : "");
    return MHD_YES;
}

std::string address_of(MHD_Connection* c) {
    const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return "";
    char buf[INET6_ADDRSTRLEN] = {0};
    const sockaddr* sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
}

MHD_Result send(Call* call) {
    call->queued = true;
    Response& res = call->res;
    for (const auto& h : call->impl->extra_headers) res.headers.push_back(h);
    MHD_Response* r = MHD_create_response_from_buffer(res.body.size(), res.body.data(), MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    for (const auto& [k, v] : res.headers)
        if (!iequals(k, "Content-Length")) MHD_add_response_header(r, k.c_str(), v.c_str());
    const MHD_Result ok = MHD_queue_response(call->conn, static_cast<unsigned>(res.status), r);
    MHD_destroy_response(r);
    return ok;
}

// Answered by the layer itself, on the polling thread.
MHD_Result refuse(Call* call, int status, const std::string& why) {
    auto* im = call->impl;
    if (im->start) im->start();
    call->res = Response{};
    call->res.status = status;
    if (im->error) im->error(call->req, call->res, why);
    if (im->log) im->log(call->req, call->res);
    return send(call);
}

void run(Call* call) {
    auto* im = call->impl;
    if (im->start) im->start();
    try {
        call->route->handler(call->req, call->res, ContentReader(call->req));
    } catch (const std::exception& e) {
        call->res = Response{};
        call->res.status = 500;
        if (im->exception) im->exception(call->req, call->res, e.what());
    } catch (...) {
        call->res = Response{};
        call->res.status = 500;
        if (im->exception) im->exception(call->req, call->res, "unknown");
    }
    if (im->log) im->log(call->req, call->res);
    std::string().swap(call->req.body);
    call->ready = true;
    MHD_resume_connection(call->conn);
}

}  // namespace

MHD_Result Server::Impl::access(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                                const char* upload, std::size_t* upload_size, void** con_cls) {
    auto* im = static_cast<Impl*>(cls);
    auto* call = static_cast<Call*>(*con_cls);
    if (!call) {
        call = new Call;
        *con_cls = call;
        call->impl = im;
        call->conn = c;
        Request& req = call->req;
        req.method = method ? method : "";
        req.path = url ? url : "";
        req.remote_addr = address_of(c);
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &req);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_param, &req);

        // Request smuggling shapes: two lengths, or a length and a transfer coding.
        int lengths = 0;
        bool coded = false;
        std::string te;
        for (const auto& [k, v] : req.headers) {
            if (iequals(k, "Content-Length")) ++lengths;
            if (iequals(k, "Transfer-Encoding")) {
                if (coded) te += ",";
                coded = true;
                te += lower(trim(v));
            }
        }
        if (lengths > 1) return refuse(call, 400, "more than one Content-Length header");
        if (lengths && coded) return refuse(call, 400, "both Content-Length and Transfer-Encoding");
        if (coded && te != "chunked") return refuse(call, 400, "unsupported Transfer-Encoding (only chunked)");

        const std::string lookup = req.method == "HEAD" ? "GET" : req.method;
        bool path_known = false;
        for (const auto& r : im->routes)
            if (r.path == req.path) {
                path_known = true;
                if (r.method == lookup) call->route = &r;
            }
        if (!call->route) {
            const bool not_found = !path_known && (lookup == "GET" || lookup == "POST");
            return refuse(call, not_found ? 404 : 405,
                          std::string(not_found ? "not found: " : "method not allowed: ") + req.method);
        }
        if (lengths) {
            const std::string cl = trim(req.get_header_value("Content-Length"));
            const bool digits = !cl.empty() && cl.size() <= 19 &&
                                std::all_of(cl.begin(), cl.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
            if (!digits) return refuse(call, 400, "Content-Length is not a number");
            // Too large: a client that waits for "100 Continue" hears 413 at once; one already sending has the
            // body read and dropped (up to drain_cap), so it can read the answer, as browsers need.
            const auto length = std::stoull(cl);
            if (length > call->route->max_body) {
                if (length > im->limits.drain_cap || iequals(trim(req.get_header_value("Expect")), "100-continue"))
                    return refuse(call, 413, "");
                call->over = true;
            }
        }
        return MHD_YES;  // libmicrohttpd answers "Expect: 100-continue" now
    }
    if (call->queued) {  // answered early: whatever else comes is dropped
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        const std::size_t n = *upload_size;
        call->received += n;
        if (!call->over && call->req.body.size() + n > call->route->max_body) {
            call->over = true;
            std::string().swap(call->req.body);
        }
        if (!call->over) call->req.body.append(upload, n);
        *upload_size = 0;
        return call->received > im->limits.drain_cap ? MHD_NO : MHD_YES;
    }
    if (call->ready) return send(call);
    if (call->over) return refuse(call, 413, "");
    MHD_suspend_connection(c);
    (call->route->pool == Pool::Slow ? im->slow : im->main).post([call] { run(call); });
    return MHD_YES;
}

void Server::Impl::completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<Call*>(*con_cls);
    *con_cls = nullptr;
}

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() { stop(); }

void Server::route(const std::string& method, const std::string& path, Handler h, std::size_t max_body, Pool pool) {
    impl_->routes.push_back(Route{method, path, std::move(h), max_body, pool});
}
void Server::on_error(std::function<void(const Request&, Response&, const std::string&)> f) { impl_->error = std::move(f); }
void Server::on_start(std::function<void()> f) { impl_->start = std::move(f); }
void Server::on_log(std::function<void(const Request&, const Response&)> f) { impl_->log = std::move(f); }
void Server::on_exception(std::function<void(const Request&, Response&, const std::string&)> f) {
    impl_->exception = std::move(f);
}
void Server::add_header_to_all(const std::string& name, const std::string& value) {
    impl_->extra_headers.emplace_back(name, value);
}

namespace {
// PEM certificate and key that belong together? (libmicrohttpd only says "could not start".)
bool tls_pair_ok(const std::string& cert, const std::string& key) {
    BIO* cb = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
    BIO* kb = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    X509* x = cb ? PEM_read_bio_X509(cb, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY* k = kb ? PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr) : nullptr;
    const bool ok = x && k && X509_check_private_key(x, k) == 1;
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    return ok;
}
}  // namespace

int Server::start(const std::string& host, int port, const Limits& limits, const std::string& cert_pem,
                  const std::string& key_pem, std::string& error) {
    Impl& im = *impl_;
    im.limits = limits;
    const bool tls = !cert_pem.empty();
    if (tls) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            error = "this libmicrohttpd was built without TLS";
            return -1;
        }
        if (!tls_pair_ok(cert_pem, key_pem)) {
            error = "not PEM, or the key does not match the certificate";
            return -1;
        }
        im.cert = cert_pem;
        im.key = key_pem;
    }
    addrinfo hints{}, *ai = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0 || !ai) {
        error = "not an address of this machine";
        return -1;
    }
    sockaddr_storage addr{};
    std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    const bool v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);

    // poll(), not epoll: libmicrohttpd 0.9.75's MHD_quiesce_daemon races its own epoll thread over the listen
    // socket (both remove it; the loser panics with "Failed to remove listen FD from epoll set" and the hub aborts
    // on SIGTERM). poll has no such shared state, and a thousand connections cost it nothing worth measuring.
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    if (v6) flags |= MHD_USE_IPv6;
    if (tls) flags |= MHD_USE_TLS;
    std::vector<MHD_OptionItem> opts = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, limits.backlog, nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, limits.max_connections, nullptr},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits.max_per_address, nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, limits.idle_timeout_s, nullptr},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(limits.header_memory), nullptr},
        {MHD_OPTION_THREAD_POOL_SIZE, 2, nullptr},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::completed), nullptr},
    };
    if (tls) {
        opts.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(im.cert.c_str())});
        opts.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(im.key.c_str())});
    }
    opts.push_back({MHD_OPTION_END, 0, nullptr});
    im.main.start(limits.workers);
    im.slow.start(limits.slow_workers);
    im.daemon = MHD_start_daemon(flags, static_cast<uint16_t>(port), nullptr, nullptr, &Impl::access, &im,
                                 MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
    if (!im.daemon) {
        im.main.finish();
        im.slow.finish();
        error = "in use, or not an address of this machine";
        return -1;
    }
    const auto* info = MHD_get_daemon_info(im.daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : port;
}

void Server::stop() {
    Impl& im = *impl_;
    if (!im.daemon) return;
    MHD_quiesce_daemon(im.daemon);  // no new connections
    im.main.finish();               // requests being handled finish and are answered
    im.slow.finish();
    MHD_stop_daemon(im.daemon);
    im.daemon = nullptr;
}

}  // namespace engage::hub::http
