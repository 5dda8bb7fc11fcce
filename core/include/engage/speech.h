// Read aloud: speaks text with the espeak-ng *program* as a separate process (the GPL library is never
// linked). Nothing here blocks the UI: voice detection runs once on its own thread, and speak() only spawns.
//
// Threads: speak(), stop(), speaking() and the destructor belong to one thread (the UI thread).
// voice_state(), wait_ready(), wav_files(), utterances(), last_text() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace engage {

struct SpeechOptions {
    std::string program = "espeak-ng";  // found on PATH; any program taking espeak-ng's options
    std::string wav_dir;                 // "" = speak to the sound device; else each utterance is written to
                                         // wav_dir/speech-<n>.wav (espeak-ng -w), n = 1, 2, ...
    int words_per_minute = 150;          // espeak-ng -s (kiosk audience: a bit slower than the default 175)
};

enum class VoiceState {
    Checking,   // `<program> --voices` has not finished yet
    Available,  // the program has a voice for the language
    Missing,    // the program runs but has no voice for it: say so instead of speaking English
    NoProgram,  // the program could not be run at all
};

class Speaker {
public:
    // Starts a background thread that runs `<program> --voices` once and parses it; never blocks the caller.
    explicit Speaker(SpeechOptions opts = {});
    // Stops speech, ends the voice detection, joins the thread and reaps every child.
    ~Speaker();
    Speaker(const Speaker&) = delete;
    Speaker& operator=(const Speaker&) = delete;

    // Never blocks; Checking until the detection finished.
    VoiceState voice_state(const std::string& lang) const;
    // Blocks until the detection finished (tests and command-line tools only).
    void wait_ready() const;

    // The espeak-ng voice for a survey/UI language code: en -> en-gb, gd -> gd, pl -> pl, uk -> uk,
    // zh-Hans / zh -> cmn; otherwise the code itself, lower-cased.
    static std::string voice_for(const std::string& lang);
    // Every language name in `<program> --voices` output (the Language column and the "(zh-cmn 5)"
    // alternates), lower-cased.
    static std::set<std::string> parse_voices(const std::string& voices_output);

    // Speaks `text` in `lang`, first stopping whatever is being spoken. Returns false (and does nothing, not
    // even stop) when the voice is not Available, or when the program could not be started. Empty text stops
    // the current utterance and returns true without starting a process. Never blocks: the text goes into an
    // anonymous in-memory file (memfd) that becomes the child's stdin (`--stdin`), so it is never an argument
    // and no pipe write can block or raise SIGPIPE.
    bool speak(const std::string& lang, const std::string& text);
    // SIGTERM (then SIGKILL after 100 ms) to the current utterance's process group, and reap it. Cheap when idle.
    void stop();
    // Reaps a finished child (waitpid WNOHANG); true while an utterance runs.
    bool speaking();

    std::vector<std::string> wav_files() const;  // files started so far in wav mode, in order
    int utterances() const;                      // how many speak() calls started a process
    std::string last_text() const;               // the last text spoken (automation and tests)
    pid_t child_pid() const { return child_; }   // the running utterance's process (0 = none); tests only

private:
    void detect();
    bool reap(bool block);

    SpeechOptions opts_;
    mutable std::mutex mu_;
    mutable std::condition_variable ready_cv_;
    bool ready_ = false;
    bool no_program_ = false;
    bool closing_ = false;
    pid_t detect_child_ = 0;
    std::set<std::string> voices_;
    std::vector<std::string> wav_files_;
    int utterances_ = 0;
    std::string last_text_;
    pid_t child_ = 0;  // UI thread only
    std::thread detector_;
};

}  // namespace engage
