// Read aloud: real speech from the espeak-ng program, rendered through the same spawn path into WAV files
// that sox checks are not silence. espeak-ng and sox are required (the project's setup installs them).
#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engage/speech.h"

namespace fs = std::filesystem;
using namespace engage;
using test::TempDir;

namespace {

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t pos = 0;
    while (pos <= dirs.size()) {
        size_t end = dirs.find(':', pos);
        if (end == std::string::npos) end = dirs.size();
        const std::string dir = dirs.substr(pos, end - pos);
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
        pos = end + 1;
    }
    return false;
}

// Fails (never skips) when a tool the test needs is not installed.
void require_tools(bool need_sox) {
    if (!on_path("espeak-ng"))
        FAIL("espeak-ng is not installed: apt-get install espeak-ng (the project's setup installs it)");
    if (need_sox && !on_path("sox"))
        FAIL("sox is not installed: apt-get install sox (the project's setup installs it)");
}

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Stat {
    double length = -1;
    double rms = -1;
    std::string text;
};

// `sox FILE -n stat` prints to stderr.
Stat sox_stat(const std::string& wav) {
    Stat s;
    s.text = run("sox " + quoted(wav) + " -n stat 2>&1");
    std::smatch m;
    if (std::regex_search(s.text, m, std::regex(R"(Length \(seconds\):\s+([0-9.eE+-]+))"))) s.length = std::stod(m[1]);
    if (std::regex_search(s.text, m, std::regex(R"(RMS\s+amplitude:\s+([0-9.eE+-]+))"))) s.rms = std::stod(m[1]);
    return s;
}

void require_speech(const std::string& wav) {
    INFO("wav: " << wav);
    REQUIRE(fs::exists(wav));
    const Stat s = sox_stat(wav);
    INFO("sox stat: " << s.text);
    CHECK(s.length > 0.3);
    CHECK(s.rms > 0.005);
}

// Polls speaking() until the utterance ends; the timeout only guards against a hang.
bool wait_done(Speaker& sp, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (sp.speaking()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// True once the process is gone for good (reaped: not even a zombie).
bool gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

std::string long_text() {
    std::string t;
    for (int i = 1; i <= 60; ++i)
        t += "This is sentence number " + std::to_string(i) + " of a long text for the read aloud test. ";
    return t;  // 780 words: minutes of speech
}

}  // namespace

TEST_CASE("speech: survey languages map to espeak-ng voices", "[speech]") {
    CHECK(Speaker::voice_for("en") == "en-gb");
    CHECK(Speaker::voice_for("gd") == "gd");
    CHECK(Speaker::voice_for("pl") == "pl");
    CHECK(Speaker::voice_for("uk") == "uk");
    CHECK(Speaker::voice_for("zh-Hans") == "cmn");
    CHECK(Speaker::voice_for("zh") == "cmn");
    CHECK(Speaker::voice_for("en-US") == "en-us");
    CHECK(Speaker::voice_for("pt_BR") == "pt-br");
    CHECK(Speaker::voice_for("CY") == "cy");
    for (const char* l : {"ur", "ar", "pa", "bn"}) CHECK(Speaker::voice_for(l) == l);  // espeak-ng has each
}

TEST_CASE("speech: the --voices list is parsed with its alternate names", "[speech]") {
    const std::string out =
        "Pty Language       Age/Gender VoiceName          File                 Other Languages\n"
        " 5  af              --/M      Afrikaans          gmw/af               \n"
        " 5  chr-US-Qaaa-x-west --/M      Cherokee_          iro/chr              \n"
        " 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)\n"
        " 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)\n"
        " 5  gd              --/M      Gaelic_(Scottish)  cel/gd               \n"
        "garbage line\n"
        " 5  uk              --/M      Ukrainian          zle/uk";
    const auto v = Speaker::parse_voices(out);
    const std::set<std::string> want = {"af", "chr-us-qaaa-x-west", "cmn", "zh-cmn", "zh", "en-gb", "en", "gd", "uk"};
    CHECK(v == want);
    CHECK(Speaker::parse_voices("").empty());
}

TEST_CASE("speech: the kiosk's languages have voices; a made-up one is Missing and starts nothing", "[speech]") {
    require_tools(false);
    TempDir dir("speech");
    Speaker sp({"espeak-ng", dir.path.string(), 150});
    sp.wait_ready();
    for (const char* lang : {"en", "gd", "pl", "uk", "zh-Hans"}) {
        INFO(lang);
        CHECK(sp.voice_state(lang) == VoiceState::Available);
    }
    CHECK(sp.voice_state("xx-nope") == VoiceState::Missing);
    CHECK_FALSE(sp.speak("xx-nope", "Hello"));
    CHECK(sp.utterances() == 0);
    CHECK(sp.child_pid() == 0);
    CHECK_FALSE(sp.speaking());
    CHECK(sp.wav_files().empty());
    CHECK(fs::is_empty(dir.path));
}

TEST_CASE("speech: each language is rendered as real speech, not silence", "[speech]") {
    require_tools(true);
    TempDir dir("speech");
    Speaker sp({"espeak-ng", dir.path.string(), 150});
    sp.wait_ready();
    const std::vector<std::pair<std::string, std::string>> lines = {
        {"en", "Question one of eight. Do you feel safe in your neighbourhood?"},
        {"gd", "Ceist 1 de 8"},
        {"pl", "Pytanie 1 z 8"},
        {"uk", "Питання 1 з 8"},
        {"zh-Hans", "问题 1 / 8"},
        {"ur", "سوال 1 از 8"},
        {"ar", "السؤال 1 من 8"},
        {"pa", "8 ਵਿੱਚੋਂ ਸਵਾਲ 1"},
        {"bn", "8টির মধ্যে প্রশ্ন 1"},
    };
    int n = 0;
    for (const auto& [lang, text] : lines) {
        INFO(lang << ": " << text);
        REQUIRE(sp.speak(lang, text));
        ++n;
        CHECK(sp.last_text() == text);
        REQUIRE(wait_done(sp));
        REQUIRE(sp.wav_files().size() == static_cast<size_t>(n));
        CHECK(sp.wav_files().back() == (dir.path / ("speech-" + std::to_string(n) + ".wav")).string());
        require_speech(sp.wav_files().back());
    }
    CHECK(sp.utterances() == 9);
}

TEST_CASE("speech: a missing program gives NoProgram for every language", "[speech]") {
    TempDir dir("speech");
    Speaker sp({"engage-no-such-speech-program", dir.path.string(), 150});
    sp.wait_ready();
    for (const char* lang : {"en", "gd", "pl", "uk", "zh-Hans", "xx-nope"}) {
        INFO(lang);
        CHECK(sp.voice_state(lang) == VoiceState::NoProgram);
    }
    CHECK_FALSE(sp.speak("en", "Hello"));
    CHECK(sp.utterances() == 0);
    CHECK(fs::is_empty(dir.path));
}

TEST_CASE("speech: detection never blocks, and a stuck program does not hold up the destructor", "[speech]") {
    TempDir dir("speech");
    const fs::path script = dir.path / "stuck-tts";
    std::ofstream(script) << "#!/bin/sh\nexec sleep 120\n";
    fs::permissions(script, fs::perms::owner_all);
    const auto start = std::chrono::steady_clock::now();
    {
        Speaker sp({script.string(), "", 150});
        CHECK(sp.voice_state("en") == VoiceState::Checking);
        CHECK_FALSE(sp.speak("en", "Hello"));  // not Available yet: nothing happens
        CHECK(sp.utterances() == 0);
    }
    // Only a guard against a hang (the script sleeps for 120 s), not a speed check.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
}

TEST_CASE("speech: stop() ends a long utterance and reaps it", "[speech]") {
    require_tools(false);
    TempDir dir("speech");
    Speaker sp({"espeak-ng", dir.path.string(), 150});
    sp.wait_ready();
    sp.stop();  // idle: nothing to do
    REQUIRE(sp.speak("en", long_text()));
    const pid_t pid = sp.child_pid();
    REQUIRE(pid > 0);
    CHECK(sp.speaking());
    sp.stop();
    CHECK_FALSE(sp.speaking());
    CHECK(sp.child_pid() == 0);
    CHECK(gone(pid));
    sp.stop();  // again: harmless
    CHECK(sp.utterances() == 1);
}

TEST_CASE("speech: a new text stops the one being spoken; one child at a time", "[speech]") {
    require_tools(true);
    TempDir dir("speech");
    const std::string text = long_text();

    std::uintmax_t full_size = 0;
    {
        TempDir full_dir("speech-full");
        Speaker full({"espeak-ng", full_dir.path.string(), 150});
        full.wait_ready();
        REQUIRE(full.speak("en", text));
        REQUIRE(wait_done(full));
        full_size = fs::file_size(full.wav_files().at(0));
        REQUIRE(full_size > 1000000);
    }

    Speaker sp({"espeak-ng", dir.path.string(), 150});
    sp.wait_ready();
    REQUIRE(sp.speak("en", text));
    const pid_t first = sp.child_pid();
    REQUIRE(first > 0);
    REQUIRE(sp.speak("pl", "Pytanie 2 z 8"));
    CHECK(gone(first));  // stopped and reaped before the second started
    CHECK(sp.child_pid() != first);
    CHECK(sp.utterances() == 2);
    CHECK(sp.last_text() == "Pytanie 2 z 8");
    REQUIRE(wait_done(sp));
    const auto wavs = sp.wav_files();
    REQUIRE(wavs.size() == 2);
    // The first render was cut short (or never got as far as creating its file).
    if (fs::exists(wavs[0])) CHECK(fs::file_size(wavs[0]) < full_size);
    require_speech(wavs[1]);
}

TEST_CASE("speech: text that looks like an option is spoken as text", "[speech]") {
    require_tools(true);
    TempDir dir("speech");
    TempDir other("speech-other");
    const std::string trap = (other.path / "x.wav").string();
    Speaker sp({"espeak-ng", dir.path.string(), 150});
    sp.wait_ready();
    const std::vector<std::string> texts = {"--help", "-w " + trap, "--version", "-f /etc/passwd"};
    for (const auto& t : texts) {
        INFO(t);
        REQUIRE(sp.speak("en", t));
        REQUIRE(wait_done(sp));
        require_speech(sp.wav_files().back());
    }
    CHECK_FALSE(fs::exists(trap));
    CHECK(fs::is_empty(other.path));
    CHECK(sp.utterances() == static_cast<int>(texts.size()));
}

TEST_CASE("speech: speaking to the sound device starts and reaps a child, wav or not", "[speech]") {
    require_tools(false);
    pid_t pid = 0;
    {
        Speaker sp;  // sound device; on a machine without one espeak-ng simply exits
        sp.wait_ready();
        REQUIRE(sp.speak("en", "Hello"));
        pid = sp.child_pid();
        REQUIRE(pid > 0);
        REQUIRE(wait_done(sp));
        CHECK(gone(pid));
        CHECK(sp.wav_files().empty());
        CHECK(sp.utterances() == 1);

        CHECK(sp.speak("en", ""));  // empty: stops, starts nothing
        CHECK(sp.utterances() == 1);
        CHECK(sp.child_pid() == 0);
    }
    {
        TempDir dir("speech");
        Speaker sp({"espeak-ng", dir.path.string(), 150});
        sp.wait_ready();
        REQUIRE(sp.speak("uk", long_text()));
        pid = sp.child_pid();
        REQUIRE(pid > 0);
    }  // the destructor stops and reaps it
    CHECK(gone(pid));
}
