// engage_crash_writer DATA_DIR: opens the store, writes "ready\n", then saves responses forever; after each
// save_response returns it writes "<uuid>\n" to stdout with write(2), so the parent knows exactly which saves
// were acknowledged before it killed us.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <string>

#include "engage/storage.h"

static bool write_all(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        ssize_t n = ::write(STDOUT_FILENO, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    try {
        auto store = engage::Store::open(argv[1]);
        if (!write_all("ready\n")) return 1;  // the parent times most kills from here
        // Every save's answers are unique (this run's random tag and a counter): the test counts repeats.
        const std::string run = std::to_string(std::random_device{}()) + "-" + std::to_string(std::random_device{}());
        engage::NewResponse r;
        r.survey_id = "crash-test";
        r.language = "en";
        for (unsigned long i = 0;; ++i) {
            r.answers_json = R"({"mood":{"number":)" + std::to_string(i % 5 + 1) +
                             R"(},"ideas":{"text":"A bench by the pond, please. )" + run + " " + std::to_string(i) + R"("}})";
            if (i % 97 == 96) store->start_session("Crash event " + std::to_string(i), "Lab");
            std::string line = store->save_response(r).uuid + "\n";
            if (!write_all(line)) return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crash writer: %s\n", e.what());
        return 1;
    }
}
