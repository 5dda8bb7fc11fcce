// The hub's HTTP layer: GNU libmicrohttpd (one poll() thread, connection limits, per-connection memory pool, TLS with
// GnuTLS) in front of a small router. A request's body is received by libmicrohttpd's polling thread into a
// buffer bounded by its route's limit; only a whole request goes to a worker thread (its route's pool), so a
// slow or idle client costs a socket and a little memory, never a worker. See docs/hub.md, "HTTP layer".
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace engage::hub::http {

struct Request {
    std::string method, path, remote_addr;  // path without the query string
    std::vector<std::pair<std::string, std::string>> headers;
    std::multimap<std::string, std::string> params;  // query parameters, decoded
    std::string body;                                 // as received (still compressed, if it was)

    // Header names compare without case; the first one wins.
    bool has_header(const std::string& name) const;
    std::string get_header_value(const std::string& name) const;
    bool has_param(const std::string& key) const { return params.count(key) > 0; }
    std::string get_param_value(const std::string& key) const;
    bool is_multipart_form_data() const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    void set_header(const std::string& name, const std::string& value) { headers.emplace_back(name, value); }
    void replace_header(const std::string& name, const std::string& value);  // drops any of that name first
    void set_content(std::string content, const std::string& type) {
        body = std::move(content);
        set_header("Content-Type", type);
    }
};

// Gets the body piece by piece; false stops reading.
using Receiver = std::function<bool(const char* data, std::size_t n)>;
struct MultipartHeader {
    std::string name, filename;
};
using PartStart = std::function<bool(const MultipartHeader&)>;

// Reads the request's body, decompressed by its Content-Encoding (gzip, deflate, br or none). False when the
// body cannot be decoded or a receiver returned false. The multipart form reads multipart/form-data: each part
// starts with `start`, then its bytes go to `data`.
class ContentReader {
public:
    explicit ContentReader(const Request& req) : req_(req) {}
    bool operator()(const Receiver& data) const;
    bool operator()(const PartStart& start, const Receiver& data) const;
    // The decoded size the body says it has, to reserve for it: gzip's trailer (ISIZE), the body itself when not
    // encoded, else 0. Only a hint (a sender can lie): at most 32 times the bytes that came, plus 64 KiB.
    std::size_t size_hint() const;

private:
    const Request& req_;
};

using Handler = std::function<void(const Request&, Response&, const ContentReader&)>;

enum class Pool { Main, Slow };  // Slow: a small pool of its own (password checks), so they never starve Main

struct Limits {
    int max_connections = 1000;    // in total; past it new connections are closed at once
    int max_per_address = 100;     // from one client address
    int idle_timeout_s = 15;       // a connection that sends or reads nothing for this long is closed
    std::size_t header_memory = 32 * 1024;  // per connection: the request line and headers must fit
    int backlog = 1024;            // listen backlog
    int workers = 16;              // Main pool
    int slow_workers = 2;          // Slow pool
    std::size_t drain_cap = 256u * 1024 * 1024;  // past a body's limit, bytes read and dropped before closing
};

class Server {
public:
    Server();
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // `max_body`: the largest body (as sent) this route accepts; over it the client hears 413 from on_error.
    void route(const std::string& method, const std::string& path, Handler h, std::size_t max_body = 0,
               Pool pool = Pool::Main);
    // Called for requests refused by the layer itself (404, 405, 400, 413, 503), with res.status set; it writes
    // the body. Then `log` is called for every request, after its handler, on the thread that answered it.
    void on_error(std::function<void(const Request&, Response&, const std::string& why)> f);
    void on_start(std::function<void()> f);  // before each request is handled (the thread that handles it)
    void on_log(std::function<void(const Request&, const Response&)> f);
    void on_exception(std::function<void(const Request&, Response&, const std::string& what)> f);
    void add_header_to_all(const std::string& name, const std::string& value);

    // Starts listening (port 0: any free port). Empty cert/key: plain HTTP. Returns the bound port, or -1 with
    // `error` set.
    int start(const std::string& host, int port, const Limits& limits, const std::string& cert_pem,
              const std::string& key_pem, std::string& error);
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace engage::hub::http
