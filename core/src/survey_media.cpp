// Pictures in surveys: see survey_media.h and docs/survey-format.md, "Pictures".
#include "survey_media.h"

#include <stb_image.h>
#define STB_VORBIS_HEADER_ONLY
#include <stb_vorbis.h>

#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>

#include "engage/survey.h"

namespace engage {

std::string image_type(std::string_view b) {
    if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
    if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return "jpeg";
    return "";
}

namespace media {
namespace fs = std::filesystem;

std::string bad_name(std::string_view file) {
    const std::string like = " (like pictures/bus.png, inside the survey's folder)";
    if (file.empty() || file.size() > 200) return "must be a file name of 1 to 200 characters" + like;
    if (file.front() == '/') return "must be a path relative to the survey file, not an absolute one" + like;
    for (char c : file)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/'))
            return "may use only letters a-z A-Z, digits, '.', '_', '-' and '/'" + like;
    std::size_t start = 0;
    while (start <= file.size()) {
        const std::size_t end = std::min(file.find('/', start), file.size());
        const std::string_view part = file.substr(start, end - start);
        if (part == "..") return "must not leave the survey's folder ('..')" + like;
        if (part.empty() || part == ".") return "has an empty or '.' folder name" + like;
        start = end + 1;
    }
    return "";
}

std::optional<std::string> read_beside(const std::string& base_dir, const std::string& file, std::size_t max,
                                       std::string& why) {
    std::error_code ec;
    const fs::path base = fs::canonical(base_dir.empty() ? "." : base_dir, ec);
    if (ec) return why = "the survey's folder cannot be read", std::nullopt;
    const fs::path full = base / file;
    const auto st = fs::status(full, ec);
    if (st.type() == fs::file_type::not_found) return why = "no such file beside the survey", std::nullopt;
    if (ec) return why = ec.message(), std::nullopt;
    const fs::path real = fs::canonical(full, ec);
    const std::string prefix = base.string() + (base.string().back() == '/' ? "" : "/");
    if (ec || real.string().rfind(prefix, 0) != 0)
        return why = "leads outside the survey's folder (a symbolic link)", std::nullopt;
    if (st.type() == fs::file_type::directory) return why = "is a folder, not a picture", std::nullopt;
    if (st.type() != fs::file_type::regular) return why = "not a regular file", std::nullopt;
    std::ifstream in(real, std::ios::binary);
    if (!in) return why = "cannot be opened", std::nullopt;
    std::string buf(max + 1, '\0');  // bounded, even if the file grows
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) return why = "read error", std::nullopt;
    buf.resize(static_cast<std::size_t>(in.gcount()));
    return buf;
}

Checked check_image(const std::string& file, const std::string& bytes) {
    Checked c;
    std::string ext = fs::path(file).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const std::string type = image_type(bytes);
    if (ext != ".png" && ext != ".jpg" && ext != ".jpeg")
        c.problem = "must be a .png, .jpg or .jpeg file";
    else if (bytes.size() > kMaxImageBytes)
        c.problem = "larger than 4 MiB (make the picture smaller)";
    else if (type.empty())
        c.problem = "not a PNG or JPEG picture";
    else if ((type == "png") != (ext == ".png"))
        c.problem = "is a " + std::string(type == "png" ? "PNG" : "JPEG") + " picture named " + ext;
    if (!c.problem.empty()) return c;
    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int len = static_cast<int>(bytes.size());
    int w = 0, h = 0, n = 0;
    if (!stbi_info_from_memory(data, len, &w, &h, &n)) {
        c.problem = "cannot be decoded (" + std::string(stbi_failure_reason() ? stbi_failure_reason() : "unknown") + ")";
        return c;
    }
    if (w > kMaxImagePixels || h > kMaxImagePixels) {
        c.problem = std::to_string(w) + " x " + std::to_string(h) + " pixels; at most " +
                    std::to_string(kMaxImagePixels) + " either way";
        return c;
    }
    // Decode it all once: a cut or corrupt file fails here, not on the kiosk's screen.
    std::unique_ptr<stbi_uc, void (*)(void*)> px(stbi_load_from_memory(data, len, &w, &h, &n, 4), stbi_image_free);
    if (!px) {
        c.problem = "cannot be decoded (" + std::string(stbi_failure_reason() ? stbi_failure_reason() : "unknown") + ")";
        return c;
    }
    c.width = w;
    c.height = h;
    return c;
}

// Walks the Ogg pages: true when they fill `b` exactly and the last one ends the stream (so nothing was cut off;
// a decoder would play a cut file up to the cut without a word).
static bool ogg_whole(const std::string& b) {
    std::size_t at = 0;
    bool eos = false;
    while (at < b.size()) {
        if (eos || b.size() - at < 27 || b.compare(at, 4, "OggS") != 0) return false;
        const auto flags = static_cast<unsigned char>(b[at + 5]);
        const std::size_t segs = static_cast<unsigned char>(b[at + 26]);
        if (b.size() - at < 27 + segs) return false;
        std::size_t body = 0;
        for (std::size_t i = 0; i < segs; ++i) body += static_cast<unsigned char>(b[at + 27 + i]);
        at += 27 + segs + body;
        eos = (flags & 0x04) != 0;
    }
    return at == b.size() && eos;
}

Checked check_recording(const std::string& file, const std::string& bytes) {
    Checked c;
    std::string ext = fs::path(file).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (ext != ".ogg")
        c.problem = "must be an .ogg file (Ogg Vorbis)";
    else if (bytes.size() > kMaxImageBytes)
        c.problem = "larger than 4 MiB (make the recording shorter)";
    else if (bytes.compare(0, 4, "OggS") != 0)
        c.problem = "not an Ogg Vorbis recording";
    else if (!ogg_whole(bytes))
        c.problem = "cut short or damaged (its Ogg pages do not end the stream)";
    if (!c.problem.empty()) return c;
    int channels = 0, rate = 0;
    short* out = nullptr;
    const int frames = stb_vorbis_decode_memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                                static_cast<int>(bytes.size()), &channels, &rate, &out);
    std::free(out);
    if (frames <= 0 || rate <= 0)
        c.problem = "cannot be decoded (not Ogg Vorbis)";
    else if (channels < 1 || channels > 2)
        c.problem = std::to_string(channels) + " channels; use mono or stereo";
    else if (frames / rate > kMaxRecordingSeconds)
        c.problem = "longer than " + std::to_string(kMaxRecordingSeconds) + " seconds";
    else
        c.width = frames / rate + 1;  // seconds, rounded up (kept for messages)
    return c;
}

}  // namespace media
}  // namespace engage
