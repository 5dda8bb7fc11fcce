// libcurl transport, gzip, hub addresses and pairing.
#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "engage/sync.h"

namespace engage {
namespace {

constexpr std::size_t kMaxReply = 32u << 20;  // a captive portal's page is not read past this; = kSurveyListMaxBytes (pictures)

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Plain words for the facilitator; libcurl's own detail only where the organiser needs it (TLS, odd cases).
std::string curl_reason(CURLcode rc, const char* detail) {
    const std::string d = detail && *detail ? detail : curl_easy_strerror(rc);
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST: return "Can't reach the hub (its name was not found: no network?)";
        case CURLE_COULDNT_RESOLVE_PROXY: return "Can't reach the hub (the proxy's name was not found)";
        case CURLE_COULDNT_CONNECT: return "Can't reach the hub (no connection)";
        case CURLE_OPERATION_TIMEDOUT: return "Can't reach the hub (it stopped answering)";
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM: return "Can't trust the hub: its certificate could not be verified (" + d + ")";
        case CURLE_SSL_CONNECT_ERROR: return "Can't reach the hub (the secure connection failed: " + d + ")";
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE: return "Can't reach the hub (the connection was cut)";
        case CURLE_WRITE_ERROR: return "Can't reach the hub (the reply was too large: not an Engage hub?)";
        case CURLE_ABORTED_BY_CALLBACK: return "Stopped";
        default: return "Can't reach the hub (" + d + ")";
    }
}

struct CurlList {
    curl_slist* p = nullptr;
    ~CurlList() { curl_slist_free_all(p); }
    void add(const std::string& h) { p = curl_slist_append(p, h.c_str()); }
};

// A small pool of easy handles: each request takes a free one (or a new one), so posts may run on several threads
// at once, each handle keeping its own connection alive. Every handle gets the same options in perform().
class CurlTransport final : public Transport {
public:
    explicit CurlTransport(const SyncSettings& s) : s_(s) {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        release(acquire());  // fail here, not at the first request, when libcurl cannot start
    }
    ~CurlTransport() override {
        for (CURL* h : free_) curl_easy_cleanup(h);
    }

    HttpResponse post(const std::string& url, const std::string& token, const std::string& body, bool gz,
                      const std::function<bool()>& cancelled) override {
        CurlList headers;
        headers.add("Content-Type: application/json");
        if (gz) headers.add("Content-Encoding: gzip");
        headers.add("Expect:");  // no 100-continue round trip
        Lease h(*this);
        return perform(h.h, url, token, headers, cancelled, [&] {
            curl_easy_setopt(h.h, CURLOPT_POST, 1L);
            curl_easy_setopt(h.h, CURLOPT_POSTFIELDS, body.data());
            curl_easy_setopt(h.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        });
    }

    HttpResponse get(const std::string& url, const std::string& token, const std::string& etag,
                     const std::function<bool()>& cancelled) override {
        CurlList headers;
        if (!etag.empty()) headers.add("If-None-Match: " + etag);
        Lease h(*this);
        HttpResponse r = perform(h.h, url, token, headers, cancelled, [&] {
            curl_easy_setopt(h.h, CURLOPT_HTTPGET, 1L);
            curl_easy_setopt(h.h, CURLOPT_ACCEPT_ENCODING, "");  // gzip if the hub (or a proxy) sends it
        });
        curl_header* hd = nullptr;
        if (r.error.empty() && curl_easy_header(h.h, "ETag", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK && hd &&
            hd->value && std::strlen(hd->value) <= 200)
            r.etag = hd->value;
        return r;
    }

private:
    CURL* acquire() {
        {
            std::lock_guard lock(mu_);
            if (!free_.empty()) {
                CURL* h = free_.back();
                free_.pop_back();
                return h;
            }
        }
        CURL* h = curl_easy_init();
        if (!h) throw std::runtime_error("libcurl could not start");
        return h;
    }
    void release(CURL* h) {
        std::lock_guard lock(mu_);
        free_.push_back(h);
    }
    struct Lease {  // a handle for one request, back in the pool after it
        CurlTransport& t;
        CURL* h;
        explicit Lease(CurlTransport& owner) : t(owner), h(owner.acquire()) {}
        ~Lease() { t.release(h); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
    };

    // One request on handle h: the common options, then `setup` (the method's own), then perform.
    HttpResponse perform(CURL* h, const std::string& url, const std::string& token, CurlList& headers,
                         const std::function<bool()>& cancelled, const std::function<void()>& setup) {
        HttpResponse r;
        curl_easy_reset(h);  // keeps the connection, DNS and TLS session caches
        if (!token.empty()) headers.add("Authorization: Bearer " + token);
        char err[CURL_ERROR_SIZE] = "";
        Ctx ctx{&r.body, &cancelled};
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        setup();
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.p);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "engage-kiosk/" ENGAGE_VERSION);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(s_.connect_timeout.count()));
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 64L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(s_.stall_timeout.count()));
        // A reply that trickles in just fast enough never trips the stall check: bound the whole request too.
        curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(s_.stall_timeout.count() * 4));
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);  // always: never turned off, not even for a private CA
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!s_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, s_.ca_file.c_str());
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is a captive portal, not the hub
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CurlTransport::on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &CurlTransport::on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ctx);
        const CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK) {
            r.body.clear();
            r.error = curl_reason(rc, err);
            return r;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
        curl_off_t after = 0;
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
            r.retry_after = std::chrono::seconds(after);
        return r;
    }

    struct Ctx {
        std::string* body;
        const std::function<bool()>* cancelled;
    };
    static size_t on_data(char* p, size_t size, size_t n, void* user) {
        auto* c = static_cast<Ctx*>(user);
        if (c->body->size() + size * n > kMaxReply) return 0;  // -> CURLE_WRITE_ERROR
        c->body->append(p, size * n);
        return size * n;
    }
    static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        auto* c = static_cast<Ctx*>(user);
        return (*c->cancelled && (*c->cancelled)()) ? 1 : 0;
    }
    SyncSettings s_;
    std::mutex mu_;
    std::vector<CURL*> free_;  // handles not in use; a request in flight holds its own
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(const SyncSettings& s) { return std::make_unique<CurlTransport>(s); }

// The fastest level: a batch's JSON still shrinks several times, at a fraction of the default level's CPU.
std::string gzip(const std::string& data) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib could not start");
    // Room for a quarter of the input first (JSON shrinks 3-8x), more only if it does not fit: not the worst case
    // (deflateBound, a little over the input), which was all zero-filled for every batch.
    std::string out(data.size() / 4 + 1024, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
        z.avail_out = static_cast<uInt>(out.size() - z.total_out);
        rc = deflate(&z, Z_FINISH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;  // Z_STREAM_END, or an error
        if (z.avail_out != 0) break;                 // no progress with room left: an error
        out.resize(std::max<std::size_t>(out.size() * 2, deflateBound(&z, static_cast<uLong>(data.size())) + 32));
    }
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("zlib could not compress the batch");
    return out;
}

std::string normalise_hub_url(const std::string& url) {
    std::string u = url;
    u.erase(0, u.find_first_not_of(" \t\r\n"));
    u.erase(u.find_last_not_of(" \t\r\n") + 1);
    std::size_t scheme = u.find("://");
    if (scheme == std::string::npos) {
        u = "https://" + u;
        scheme = 5;
    }
    const std::size_t path = u.find('/', scheme + 3);
    u = lower(u.substr(0, path)) + (path == std::string::npos ? "" : u.substr(path));
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
}

std::string check_hub_url(const std::string& url) {
    if (url.empty()) return "no hub address is set";
    CURLU* h = curl_url();
    std::string why;
    char *scheme = nullptr, *host = nullptr, *query = nullptr;
    if (curl_url_set(h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        why = "\"" + url + "\" is not a web address (expected e.g. https://hub.example.org)";
    } else if (lower(scheme) != "https" && lower(scheme) != "http") {
        why = "the hub address must start with https://";
    } else if (lower(scheme) == "http" && lower(host) != "127.0.0.1" && lower(host) != "localhost" &&
               lower(host) != "[::1]") {
        why = "plain http:// is only allowed for a hub on this machine (127.0.0.1); use https://";
    } else if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        why = "the hub address must not have a ?query";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_url_cleanup(h);
    return why;
}

std::string pair_with_hub(Transport& t, const std::string& hub_url, const std::string& code,
                          const std::string& kiosk_id, std::string& error) {
    const nlohmann::json req = {{"code", code}, {"kiosk_id", kiosk_id}};
    const HttpResponse r = t.post(hub_url + "/v1/pair", "", req.dump(), false, {});
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    const std::string hub_says =
        j.is_object() && j.contains("error") && j["error"].is_string() ? ": " + j["error"].get<std::string>() : "";
    if (!r.error.empty()) {
        error = r.error;
    } else if (r.status == 200 && j.is_object() && j.contains("token") && j["token"].is_string() &&
               !j["token"].get<std::string>().empty()) {
        return j["token"].get<std::string>();
    } else if (r.status == 200) {
        error = "the reply is not from an Engage hub (a captive portal or a proxy may be in the way)";
    } else if (r.status >= 400 && r.status < 500 && r.status != 429) {
        error = "the hub did not accept the pairing code (HTTP " + std::to_string(r.status) + hub_says + ")";
    } else {
        error = "the hub could not pair this kiosk now (HTTP " + std::to_string(r.status) + hub_says + ")";
    }
    return "";
}

}  // namespace engage
