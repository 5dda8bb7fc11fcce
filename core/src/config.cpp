#include "engage/config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engage/protocol.h"

namespace fs = std::filesystem;

namespace engage {

bool load_config_file(const std::string& path, KioskConfig& cfg, std::vector<std::string>& problems) {
    const std::size_t before = problems.size();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        problems.push_back(path + ": cannot read the config file");
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() > 1024 * 1024) {
        problems.push_back(path + ": larger than 1 MiB, not a config file");
        return false;
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range ("7e7777")
        problems.push_back(path + ": not valid JSON (" + std::string(e.what()) + ")");
        return false;
    }
    if (!j.is_object()) {
        problems.push_back(path + ": must be a JSON object");
        return false;
    }
    auto str = [&](const char* key, std::string& out) {
        if (!j.contains(key)) return;
        if (j[key].is_string()) out = j[key].get<std::string>();
        else problems.push_back(path + ": " + key + ": must be a string");
    };
    auto num = [&](const char* key, int& out, int lo, int hi) {
        if (!j.contains(key)) return;
        if (j[key].is_number_integer() && j[key].get<long long>() >= lo && j[key].get<long long>() <= hi)
            out = j[key].get<int>();
        else
            problems.push_back(path + ": " + key + ": must be a whole number from " + std::to_string(lo) + " to " +
                               std::to_string(hi));
    };
    static const char* known[] = {"survey", "data_dir", "idle_seconds", "warning_seconds", "windowed", "width",
                                  "height", "facilitator_pin", "language", "text_scale", "hub_url", "hub_token",
                                  "ca_file", "batch_records", "batch_kib", "in_flight", "batch_grow", "switch_access",
                                  "dwell_ms", "speech_program", "speech_wav_dir"};
    for (const auto& [k, v] : j.items()) {
        bool ok = false;
        for (const char* n : known) ok = ok || k == n;
        if (!ok) problems.push_back(path + ": unknown setting '" + k + "'");
    }
    str("survey", cfg.survey);
    str("data_dir", cfg.data_dir);
    str("facilitator_pin", cfg.facilitator_pin);
    str("language", cfg.language);
    str("hub_url", cfg.hub_url);
    str("hub_token", cfg.hub_token);
    str("ca_file", cfg.ca_file);
    str("speech_program", cfg.speech_program);
    str("speech_wav_dir", cfg.speech_wav_dir);
    if (j.contains("switch_access")) {
        const std::string m = j["switch_access"].is_string() ? j["switch_access"].get<std::string>() : "";
        if (m == "off" || m == "two-keys" || m == "dwell") cfg.switch_access = m;
        else problems.push_back(path + ": switch_access: must be \"off\", \"two-keys\" or \"dwell\"");
    }
    num("dwell_ms", cfg.dwell_ms, 500, 10000);
    num("batch_records", cfg.batch_records, 1, protocol::kMaxBatchRecords);
    num("batch_kib", cfg.batch_kib, 16, 8000);
    num("in_flight", cfg.in_flight, 1, 8);
    num("batch_grow", cfg.batch_grow, 1, 8);
    num("idle_seconds", cfg.idle_seconds, 5, 3600);
    num("warning_seconds", cfg.warning_seconds, 20, 600);
    num("width", cfg.width, 320, 7680);
    num("height", cfg.height, 320, 7680);
    if (j.contains("windowed")) {
        if (j["windowed"].is_boolean()) cfg.windowed = j["windowed"].get<bool>();
        else problems.push_back(path + ": windowed: must be true or false");
    }
    if (j.contains("text_scale")) {
        if (j["text_scale"].is_number() && j["text_scale"].get<double>() >= 1.0 && j["text_scale"].get<double>() <= 2.0)
            cfg.text_scale = j["text_scale"].get<float>();
        else
            problems.push_back(path + ": text_scale: must be a number from 1.0 to 2.0");
    }
    return problems.size() == before;
}

static std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

std::string default_data_dir() {
    const std::string home = env_or("HOME", ".");
    return env_or("XDG_DATA_HOME", home + "/.local/share") + "/engage";
}

std::string default_config_path() {
    const std::string home = env_or("HOME", ".");
    return env_or("XDG_CONFIG_HOME", home + "/.config") + "/engage/kiosk.json";
}

std::string assets_dir() {
    if (const char* e = std::getenv("ENGAGE_ASSETS"); e && *e) return e;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "engage";
        if (fs::exists(installed / "surveys", ec)) return installed.string();
    }
    return ENGAGE_SOURCE_ASSETS;
}

}  // namespace engage
