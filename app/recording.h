// Recorded voices (docs/survey-format.md, "Recordings"): an Ogg Vorbis recording from the survey's media, decoded
// with stb_vorbis and played through SDL2 audio. Read aloud plays it instead of espeak-ng (kiosk.cpp, Reader).
// UI thread only. SDL's audio starts on the first play; with no sound device play() says false.
#pragma once
#include <SDL.h>

#include <string>

namespace engage {

class RecordingPlayer {
public:
    RecordingPlayer() = default;
    ~RecordingPlayer();
    RecordingPlayer(const RecordingPlayer&) = delete;
    RecordingPlayer& operator=(const RecordingPlayer&) = delete;

    // Plays `ogg` from its start, after stopping whatever played. False (silence) when it cannot be decoded or
    // there is no sound device; the caller then speaks the words instead.
    bool play(const std::string& name, const std::string& ogg);
    void stop();
    bool playing() const;
    int plays() const { return plays_; }        // recordings started (automation)
    const std::string& last() const { return last_; }

private:
    SDL_AudioDeviceID dev_ = 0;
    int rate_ = 0, channels_ = 0;
    bool audio_up_ = false, audio_failed_ = false;
    int plays_ = 0;
    std::string last_;
};

}  // namespace engage
