// Pictures in surveys (private to the loader): file names, reading beside the survey, checking the bytes.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace engage::media {

// A file name a survey may use: relative, inside the survey's folder, plain characters. "" when fine, else why.
std::string bad_name(std::string_view file);

// Reads `file` (a good name) under `base_dir`: a regular file, no link leading outside the folder, at most
// `max` bytes. nullopt with `why` ("no such file beside the survey", ...).
std::optional<std::string> read_beside(const std::string& base_dir, const std::string& file, std::size_t max,
                                       std::string& why);

struct Checked {
    std::string problem;   // "" when the picture can be used
    int width = 0, height = 0;
};
// A picture's bytes: PNG or JPEG (matching the name's extension), at most kMaxImageBytes and kMaxImagePixels
// either way, and decodable.
Checked check_image(const std::string& file, const std::string& bytes);

// A recording's bytes: Ogg Vorbis named .ogg, at most kMaxImageBytes, decodable whole (stb_vorbis), 1 or 2
// channels, at most kMaxRecordingSeconds long.
Checked check_recording(const std::string& file, const std::string& bytes);

}  // namespace engage::media
