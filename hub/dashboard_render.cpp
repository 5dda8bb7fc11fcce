// Loading and rendering the dashboard's templates (dashboard_render.h).
#include "dashboard_render.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dashboard.h"
#include "engage/config.h"

namespace engage::hub::dash {

namespace {
kainjow::mustache::mustache parse(const std::string& text) {
    kainjow::mustache::mustache m(text);
    m.set_custom_escape([](const std::string& s) { return html_escape(s); });
    return m;
}
}  // namespace

Templates::Templates(const std::string& dir, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        const std::string path = dir + "/" + name + ".mustache";
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        if (in) text << in.rdbuf();
        if (!in || in.bad())
            throw std::runtime_error("the dashboard template " + path + " is missing or unreadable (reinstall engage-common, or set ENGAGE_ASSETS)");
        const auto m = parse(text.str());
        if (!m.is_valid()) throw std::runtime_error("the dashboard template " + path + " is not valid: " + m.error_message());
        text_[name] = text.str();
    }
}

std::string Templates::render(const std::string& name, const Data& data) const {
    auto it = text_.find(name);
    if (it == text_.end()) throw std::logic_error("dashboard template not loaded: " + name);
    // Parsed per use: a parsed template is not safe to share between the hub's worker threads.
    return parse(it->second).render(data);
}

std::string templates_dir() { return engage::assets_dir() + "/hub/templates"; }

}  // namespace engage::hub::dash
