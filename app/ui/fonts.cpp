#include "ui/fonts.h"

#include <imgui.h>
#include <imgui_freetype.h>

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace engage::ui {

std::string find_font(const std::string& file_name) {
    std::vector<std::string> roots;
    if (const char* d = std::getenv("ENGAGE_FONT_DIR"); d && *d) roots.push_back(d);
    roots.push_back("/usr/share/fonts");
    for (const auto& root : roots) {
        std::error_code ec;
        if (fs::exists(fs::path(root) / file_name, ec)) return (fs::path(root) / file_name).string();
        for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().filename() == file_name) return it->path().string();
    }
    return "";
}

bool build_fonts(Fonts& fonts, float text_px, const std::string& text, std::string& error) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    io.Fonts->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
    io.Fonts->FontBuilderFlags = ImGuiFreeTypeBuilderFlags_LightHinting;

    // Only the glyphs that will be drawn: a big script costs little memory.
    static ImVector<ImWchar> ranges;
    ranges.clear();
    ImFontGlyphRangesBuilder b;
    b.AddRanges(io.Fonts->GetGlyphRangesDefault());
    b.AddText(text.c_str(), text.c_str() + text.size());
    b.AddChar(0x2014);  // em dash
    b.AddChar(0x2022);  // bullet
    b.AddChar(0x2026);  // ellipsis
    b.BuildRanges(&ranges);

    const std::string regular = find_font("NotoSans-Regular.ttf");
    const std::string bold = find_font("NotoSans-Bold.ttf");
    if (regular.empty()) {
        error = "Noto Sans was not found under /usr/share/fonts (install the fonts-noto-core package)";
        fonts.body = fonts.heading = fonts.huge = io.Fonts->AddFontDefault();
        return false;
    }
    ImFontConfig cfg;
    cfg.OversampleH = cfg.OversampleV = 1;
    fonts.body = io.Fonts->AddFontFromFileTTF(regular.c_str(), text_px, &cfg, ranges.Data);
    const std::string& heavy = bold.empty() ? regular : bold;
    fonts.heading = io.Fonts->AddFontFromFileTTF(heavy.c_str(), text_px * 1.35f, &cfg, ranges.Data);
    fonts.huge = io.Fonts->AddFontFromFileTTF(heavy.c_str(), text_px * 2.0f, &cfg, ranges.Data);
    if (!fonts.body || !fonts.heading || !fonts.huge || !io.Fonts->Build()) {
        error = "the fonts could not be loaded from " + regular;
        return false;
    }
    return true;
}

}  // namespace engage::ui
