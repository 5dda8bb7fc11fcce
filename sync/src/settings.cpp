#include "engage/sync.h"

namespace engage {

SyncSettings sync_settings_from(const KioskConfig& cfg, const Store& store) {
    SyncSettings s;
    auto pick = [&](const std::string& from_config, const char* key) {
        return !from_config.empty() ? from_config : store.setting(key).value_or("");
    };
    s.hub_url = pick(cfg.hub_url, kSettingHubUrl);
    if (!s.hub_url.empty()) s.hub_url = normalise_hub_url(s.hub_url);
    s.token = pick(cfg.hub_token, kSettingHubToken);
    s.ca_file = pick(cfg.ca_file, kSettingCaFile);
    s.batch_records = cfg.batch_records;
    s.batch_kib = cfg.batch_kib;
    s.in_flight = cfg.in_flight;
    s.batch_grow = cfg.batch_grow;
    return s;
}

void save_pairing(Store& store, const std::string& hub_url, const std::string& token, const std::string& ca_file) {
    store.set_setting(kSettingHubUrl, hub_url);
    store.set_setting(kSettingHubToken, token);
    store.set_setting(kSettingCaFile, ca_file);
    SyncStatus st = store.sync_status();
    st.attempts = 0;
    st.next_attempt_ms = 0;
    st.paused = false;
    st.last_error.clear();
    store.set_sync_status(st);
}

}  // namespace engage
