#include "ui/automation.h"

namespace engage::ui {

bool Automation::open(const std::string& path, std::string& error) {
    f_ = std::fopen(path.c_str(), "a");
    if (!f_) error = "cannot write the automation file " + path;
    return f_ != nullptr;
}

Automation::~Automation() {
    if (f_) std::fclose(f_);
}

void Automation::frame(const std::string& screen, const std::vector<WidgetRect>& widgets, const nlohmann::json& extra) {
    if (!f_) return;
    nlohmann::json j;
    j["screen"] = screen;
    auto& w = j["widgets"] = nlohmann::json::array();
    for (const auto& r : widgets) {
        nlohmann::json o = {{"label", r.label}, {"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}, {"visible", r.visible}};
        o["id"] = r.id.empty() ? r.label : r.id;  // screens in the kiosk's own language may go by their label
        if (r.selected) o["selected"] = true;
        w.push_back(std::move(o));
    }
    if (extra.is_object()) j.update(extra);
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (line == last_) return;
    last_ = line;
    std::fputs(line.c_str(), f_);
    std::fputc('\n', f_);
    std::fflush(f_);
}

}  // namespace engage::ui
