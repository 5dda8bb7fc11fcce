// Read aloud through the espeak-ng program (see speech.h).
//
// Processes: every child is started with posix_spawnp (no fork of this multi-threaded process, no shell) in its
// own process group, with default signal dispositions, an empty signal mask, stdout/stderr on /dev/null and
// every descriptor above 2 closed. Each child is reaped by pid (never waitpid(-1), which could steal another
// part of the app's children): the utterance in stop(), speaking(), speak() and the destructor; `--voices` by
// the detection thread.
//
// The text: written into an anonymous in-memory file (memfd_create; an unlinked mkstemp file if memfds are
// unavailable), rewound, and given to the child as stdin with `--stdin`. It is never in argv, so it can never
// be taken as an option; the write goes to memory before the child exists, so it cannot block on a slow
// reader, cannot be cut short by a small pipe buffer, and cannot raise SIGPIPE if the child dies; nothing is
// left on disk to clean up, even after a crash.
#include "engage/speech.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>

extern char** environ;

namespace engage {
namespace {

// Moves fd to a number >= 3 (so a dup2 onto 0/1/2 in the child never meets itself), close-on-exec.
int above_stdio(int fd) {
    if (fd < 0 || fd > 2) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    return moved;
}

// Starts argv[0] (searched on PATH) in its own process group. stdin_fd / stdout_fd < 0 mean /dev/null.
// Returns the pid, or -1 with errno set.
pid_t spawn(const std::vector<std::string>& args, int stdin_fd, int stdout_fd) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    if (int e = posix_spawn_file_actions_init(&fa)) {
        errno = e;
        return -1;
    }
    if (int e = posix_spawnattr_init(&attr)) {
        posix_spawn_file_actions_destroy(&fa);
        errno = e;
        return -1;
    }
    int err = 0;
    auto check = [&err](int e) {
        if (e && !err) err = e;
    };
    if (stdin_fd >= 0)
        check(posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0));
    else
        check(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0));
    if (stdout_fd >= 0)
        check(posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1));
    else
        check(posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0));
    check(posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0));
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    check(posix_spawn_file_actions_addclosefrom_np(&fa, 3));  // a descriptor someone forgot to mark CLOEXEC
#endif
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    check(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    check(posix_spawnattr_setpgroup(&attr, 0));  // its own group: stop() signals the whole group
    check(posix_spawnattr_setsigmask(&attr, &none));
    check(posix_spawnattr_setsigdefault(&attr, &all));  // e.g. an ignored SIGPIPE or SIGTERM is not inherited

    pid_t pid = -1;
    if (!err) err = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        errno = err;
        return -1;
    }
    return pid;
}

// An anonymous file holding `text`, rewound; -1 on failure.
int text_file(const std::string& text) {
    int fd = ::memfd_create("engage-speech", MFD_CLOEXEC);
    if (fd < 0) {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/engage-speech-XXXXXX";
        fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd < 0) return -1;
        ::unlink(tmpl.c_str());
    }
    fd = above_stdio(fd);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return -1;
        }
        done += static_cast<size_t>(n);
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

}  // namespace

Speaker::Speaker(SpeechOptions opts) : opts_(std::move(opts)) {
    detector_ = std::thread([this] { detect(); });
}

Speaker::~Speaker() {
    stop();
    {
        std::lock_guard lk(mu_);
        closing_ = true;
        if (detect_child_ > 0) ::kill(-detect_child_, SIGKILL);
    }
    if (detector_.joinable()) detector_.join();
}

void Speaker::detect() {
    std::string out;
    bool ran = false;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
        const int rd = above_stdio(fds[0]);
        const int wr = above_stdio(fds[1]);
        pid_t pid = -1;
        if (rd >= 0 && wr >= 0) pid = spawn({opts_.program, "--voices"}, -1, wr);
        if (wr >= 0) ::close(wr);
        if (pid > 0) {
            {
                std::lock_guard lk(mu_);
                detect_child_ = pid;
                if (closing_) ::kill(-pid, SIGKILL);
            }
            char buf[4096];
            for (;;) {
                const ssize_t n = ::read(rd, buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                if (out.size() < (1u << 20)) out.append(buf, static_cast<size_t>(n));
            }
            int status = 0;
            pid_t r;
            do r = ::waitpid(pid, &status, 0);
            while (r < 0 && errno == EINTR);
            if (r == pid)
                ran = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            else  // ECHILD: SIGCHLD is ignored, so the status is lost; judge by the output
                ran = out.find("Pty") != std::string::npos;
            std::lock_guard lk(mu_);
            detect_child_ = 0;
        }
        if (rd >= 0) ::close(rd);
    }
    auto voices = ran ? parse_voices(out) : std::set<std::string>{};
    {
        std::lock_guard lk(mu_);
        voices_ = std::move(voices);
        no_program_ = !ran;
        ready_ = true;
    }
    ready_cv_.notify_all();
}

std::set<std::string> Speaker::parse_voices(const std::string& output) {
    // " 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)"
    // The header ("Pty Language ...") has no number first. The voice name may hold "(...)", but only the
    // alternates have the form "(name priority)".
    std::set<std::string> names;
    size_t pos = 0;
    while (pos < output.size()) {
        size_t end = output.find('\n', pos);
        if (end == std::string::npos) end = output.size();
        const std::string line = output.substr(pos, end - pos);
        pos = end + 1;

        size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || !std::isdigit(static_cast<unsigned char>(line[i]))) continue;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size() || (line[i] != ' ' && line[i] != '\t')) continue;
        i = line.find_first_not_of(" \t", i);
        if (i == std::string::npos) continue;
        size_t j = i;
        while (j < line.size() && name_char(line[j])) ++j;
        if (j == i || (j < line.size() && line[j] != ' ' && line[j] != '\t')) continue;
        names.insert(lower(line.substr(i, j - i)));

        for (size_t k = line.find('(', j); k != std::string::npos; k = line.find('(', k + 1)) {
            size_t a = k + 1, b = a;
            while (b < line.size() && name_char(line[b])) ++b;
            if (b == a || b >= line.size() || line[b] != ' ') continue;
            size_t c = b + 1;
            while (c < line.size() && std::isdigit(static_cast<unsigned char>(line[c]))) ++c;
            if (c == b + 1 || c >= line.size() || line[c] != ')') continue;
            names.insert(lower(line.substr(a, b - a)));
        }
    }
    return names;
}

std::string Speaker::voice_for(const std::string& lang) {
    std::string l = lower(lang);
    for (char& c : l)
        if (c == '_') c = '-';
    if (l == "en") return "en-gb";
    if (l == "zh" || l == "zh-hans") return "cmn";
    return l;
}

VoiceState Speaker::voice_state(const std::string& lang) const {
    std::lock_guard lk(mu_);
    if (!ready_) return VoiceState::Checking;
    if (no_program_) return VoiceState::NoProgram;
    return voices_.count(voice_for(lang)) ? VoiceState::Available : VoiceState::Missing;
}

void Speaker::wait_ready() const {
    std::unique_lock lk(mu_);
    ready_cv_.wait(lk, [this] { return ready_; });
}

bool Speaker::reap(bool block) {
    if (child_ <= 0) return true;
    int status = 0;
    pid_t r;
    do r = ::waitpid(child_, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == child_ || (r < 0 && errno == ECHILD)) {
        child_ = 0;
        return true;
    }
    return false;
}

void Speaker::stop() {
    if (child_ <= 0 || reap(false)) return;
    // While the leader is not reaped its pid cannot be reused, so signalling the group is safe.
    ::kill(-child_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    while (std::chrono::steady_clock::now() < deadline) {
        if (reap(false)) return;
        ::usleep(500);
    }
    ::kill(-child_, SIGKILL);
    reap(true);
}

bool Speaker::speaking() { return !reap(false); }

bool Speaker::speak(const std::string& lang, const std::string& text) {
    if (voice_state(lang) != VoiceState::Available) return false;
    stop();
    if (text.empty()) return true;

    const int fd = text_file(text);
    if (fd < 0) return false;
    std::vector<std::string> args = {opts_.program, "-v", voice_for(lang), "-s",
                                     std::to_string(opts_.words_per_minute), "-b", "1"};
    std::string wav;
    if (!opts_.wav_dir.empty()) {
        int n;
        {
            std::lock_guard lk(mu_);
            n = utterances_ + 1;
        }
        wav = (std::filesystem::path(opts_.wav_dir) / ("speech-" + std::to_string(n) + ".wav")).string();
        args.push_back("-w");
        args.push_back(wav);
    }
    args.push_back("--stdin");  // the text is the file on stdin, never an argument
    const pid_t pid = spawn(args, fd, -1);
    ::close(fd);
    if (pid <= 0) return false;
    child_ = pid;
    std::lock_guard lk(mu_);
    ++utterances_;
    if (!wav.empty()) wav_files_.push_back(wav);
    last_text_ = text;
    return true;
}

std::vector<std::string> Speaker::wav_files() const {
    std::lock_guard lk(mu_);
    return wav_files_;
}

int Speaker::utterances() const {
    std::lock_guard lk(mu_);
    return utterances_;
}

std::string Speaker::last_text() const {
    std::lock_guard lk(mu_);
    return last_text_;
}

}  // namespace engage
