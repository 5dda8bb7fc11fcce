#include "recording.h"

#define STB_VORBIS_HEADER_ONLY
#include <stb_vorbis.h>

#include <cstdlib>
#include <memory>

#include "engage/log.h"

namespace engage {

RecordingPlayer::~RecordingPlayer() {
    if (dev_) SDL_CloseAudioDevice(dev_);
    if (audio_up_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

bool RecordingPlayer::play(const std::string& name, const std::string& ogg) {
    stop();
    int channels = 0, rate = 0;
    short* raw = nullptr;
    const int frames = stb_vorbis_decode_memory(reinterpret_cast<const unsigned char*>(ogg.data()),
                                                static_cast<int>(ogg.size()), &channels, &rate, &raw);
    std::unique_ptr<short, void (*)(void*)> pcm(raw, std::free);
    if (frames <= 0 || channels < 1 || channels > 2 || rate <= 0) {
        log_warn("Recording " + name + " cannot be decoded; read aloud speaks the words instead");
        return false;
    }
    if (audio_failed_) return false;
    if (!audio_up_) {
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
            audio_failed_ = true;
            log_warn(std::string("No sound for recordings (") + SDL_GetError() + "); read aloud speaks the words instead");
            return false;
        }
        audio_up_ = true;
    }
    if (dev_ && (rate != rate_ || channels != channels_)) {
        SDL_CloseAudioDevice(dev_);
        dev_ = 0;
    }
    if (!dev_) {
        SDL_AudioSpec want{};
        want.freq = rate;
        want.format = AUDIO_S16SYS;
        want.channels = static_cast<Uint8>(channels);
        want.samples = 2048;
        dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);  // SDL converts to what the device takes
        if (!dev_) {
            log_warn(std::string("No sound device for recordings (") + SDL_GetError() + ")");
            return false;
        }
        rate_ = rate;
        channels_ = channels;
    }
    SDL_QueueAudio(dev_, pcm.get(), static_cast<Uint32>(frames) * static_cast<Uint32>(channels) * sizeof(short));
    SDL_PauseAudioDevice(dev_, 0);
    ++plays_;
    last_ = name;
    return true;
}

void RecordingPlayer::stop() {
    if (!dev_) return;
    SDL_PauseAudioDevice(dev_, 1);
    SDL_ClearQueuedAudio(dev_);
}

bool RecordingPlayer::playing() const { return dev_ && SDL_GetQueuedAudioSize(dev_) > 0; }

}  // namespace engage
