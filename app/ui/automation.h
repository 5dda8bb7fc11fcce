// The automation file: one JSON line each time the screen or its widgets change, so tests (and anyone
// writing a test) can tap by label.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ui/ui.h"

namespace engage::ui {

class Automation {
public:
    bool open(const std::string& path, std::string& error);
    bool enabled() const { return f_ != nullptr; }
    // Writes a line when `screen` or the widgets differ from the last line written.
    void frame(const std::string& screen, const std::vector<WidgetRect>& widgets, const nlohmann::json& extra);
    ~Automation();

private:
    std::FILE* f_ = nullptr;
    std::string last_;
};

}  // namespace engage::ui
