// Kiosk configuration: a JSON file (--config FILE), command-line options on top. No UI includes.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace engage {

struct KioskConfig {
    std::string survey;               // survey file; "" = the bundled demo
    std::string data_dir;             // "" = $XDG_DATA_HOME/engage
    int idle_seconds = 60;            // no touch for this long -> "Are you still there?"
    int warning_seconds = 20;         // countdown on that screen (at least 20)
    bool windowed = false;            // full screen with the cursor hidden unless set
    int width = 1280, height = 800;   // window size when windowed
    std::string facilitator_pin;      // optional: hashed into the database at start, never stored plain
    std::string automation;           // --automation FILE
    std::string language;             // "" = the survey's default
    float text_scale = 1.0f;
    // Keyboard and switch access. "off": Tab / arrows move the focus, Enter or Space presses. "two-keys": Space
    // steps through the items, Enter selects. "dwell": Space steps, resting on an item for dwell_ms selects it.
    std::string switch_access = "off";
    int dwell_ms = 2500;
    // Read aloud: the espeak-ng program; speech_wav_dir writes each utterance to a WAV file there instead of
    // the sound device (tests, and checking voices on a kiosk with no speakers).
    std::string speech_program = "espeak-ng";
    std::string speech_wav_dir;
    // Sync to the organiser's hub. Empty hub_url / hub_token: use what `engage-kiosk pair` stored.
    std::string hub_url;              // https://hub.example.org (http only for 127.0.0.1 / localhost)
    std::string hub_token;            // the kiosk's bearer token from the hub
    std::string ca_file;              // PEM file of a private CA that signed the hub's certificate
    int batch_records = 1000;         // records per batch (1 to 5000)
    int batch_kib = 256;              // compressed body size per batch, KiB (16 to 8000)
    int in_flight = 3;                // batches sent before the first reply is awaited (1 to 8)
    int batch_grow = 4;               // batches grow to this many times the two sizes above on a fast link (1 to 8)
};

// Reads `path` over `cfg`. Every problem (with its field) goes to `problems`; returns false if any.
bool load_config_file(const std::string& path, KioskConfig& cfg, std::vector<std::string>& problems);

// $XDG_DATA_HOME/engage, else $HOME/.local/share/engage.
std::string default_data_dir();
// $XDG_CONFIG_HOME/engage/kiosk.json, else $HOME/.config/engage/kiosk.json.
std::string default_config_path();
// The bundled assets folder: $ENGAGE_ASSETS, else <exe>/../share/engage, else the source tree's assets/.
std::string assets_dir();

}  // namespace engage
