// The dashboard's HTML templates (assets/hub/templates/*.mustache, kainjow-mustache): read once at start, every
// {{value}} escaped by html_escape (text and attribute contexts alike); {{{value}}} only for HTML the dashboard
// built itself from escaped parts.
#pragma once
#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <vector>

namespace engage::hub::dash {

using Data = kainjow::mustache::data;

class Templates {
public:
    // Reads `names` (NAME.mustache) from `dir`. Throws std::runtime_error naming the file that is missing,
    // unreadable or not a valid template: the hub does not start without its pages.
    Templates(const std::string& dir, const std::vector<std::string>& names);
    // Throws std::logic_error for a name not loaded (a programming error).
    std::string render(const std::string& name, const Data& data) const;

private:
    std::map<std::string, std::string> text_;
};

// engage::assets_dir() + "/hub/templates": /usr/share/engage/hub/templates when installed, the source tree's
// assets/ in a build tree, $ENGAGE_ASSETS/hub/templates when set.
std::string templates_dir();

}  // namespace engage::hub::dash
