// The background sync client's thread (sync/src/client.cpp) with the kiosk's thread saving at the same time:
// real SQLite, real libcurl against a port that refuses connections. Built for ThreadSanitizer by ./dev.sh tsan.
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "engage/storage.h"
#include "engage/sync.h"

using namespace engage;
using namespace std::chrono_literals;

namespace {

// A 127.0.0.1 port that is bound but not listening: every connection is refused at once.
struct RefusingPort {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = 0;
    RefusingPort() {
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port = ntohs(a.sin_port);
    }
    ~RefusingPort() { ::close(fd); }
};

}  // namespace

TEST_CASE("sync client: the kiosk saves, nudges and reads the state while the sync thread fails and backs off",
          "[sync][client][threads]") {
    test::TempDir tmp("client");
    auto store = Store::open(tmp.path.string());
    RefusingPort refusing;
    SyncSettings s;
    s.hub_url = "http://127.0.0.1:" + std::to_string(refusing.port);
    s.token = "secret";
    s.connect_timeout = 2s;
    std::atomic<int> changes{0};
    SyncSnapshot last;
    {
        SyncClient client(tmp.path.string(), s, [&] { ++changes; });
        for (int i = 0; i < 120; ++i) {
            store->save_response({"park-plan", 1, "en", R"({"idea":{"text":"idea )" + std::to_string(i) + "\"}}"});
            client.nudge();
            if (i % 8 == 0) client.sync_now();
            last = client.snapshot();
        }
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (last.last_error.empty() && std::chrono::steady_clock::now() < deadline) {
            client.sync_now();
            std::this_thread::sleep_for(20ms);
            last = client.snapshot();
        }
        while (last.phase != SyncPhase::Waiting && std::chrono::steady_clock::now() < deadline) {  // backing off
            std::this_thread::sleep_for(20ms);
            last = client.snapshot();
        }
    }  // the destructor stops the thread
    CHECK(last.last_error == "Can't reach the hub (no connection)");
    CHECK(last.phase == SyncPhase::Waiting);
    CHECK(changes.load() > 0);
    const Counts c = store->counts();
    CHECK(c.total == 120);
    CHECK(c.waiting_sync == 120);  // nothing counts as sent
    CHECK(store->sync_status().attempts >= 1);
}
