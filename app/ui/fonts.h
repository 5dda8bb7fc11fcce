#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ui/ui.h"

namespace engage::ui {

// Finds a font file from Debian's font packages: $ENGAGE_FONT_DIR, then /usr/share/fonts.
std::string find_font(const std::string& file_name);

// Builds ImGui's font atlas with FreeType: fonts.body (text_px), fonts.heading (1.35 × text_px, bold) and
// fonts.huge (2 × text_px, bold), each holding only the glyphs `text` uses plus printable ASCII.
//  - The face is Noto Sans (fonts-noto-core). With easy_font, OpenDyslexic (fonts-opendyslexic) comes
//    first and Noto Sans is merged under it for the glyphs it lacks (Cyrillic, ʼ, ...): in ImGui the first
//    face that has a code point wins, merged faces only fill gaps.
//  - Code points those lack come from merged fallback faces, loaded only when the text needs them:
//    WenQuanYi Micro Hei (fonts-wqy-microhei) for Chinese, Japanese and Korean (bold is synthesised),
//    Noto Sans Armenian / Georgian / Ethiopic / Symbols (fonts-noto-core).
//  - Every face is scaled to the same em as Noto Sans, so OpenDyslexic and CJK text look no smaller, and
//    FontSize (ImGui's line height) is text_px × 1 / 1.35 / 2 in every mode: the layout does not move when
//    the easier font is switched on.
// `lang` is the UI language code; "zh…", "ja…" and "ko…" need the CJK face even before their text does.
// Returns false with `error` naming the package to install when a face the text needs is missing; the fonts
// are still built from what was found (the caller logs the error and goes on).
bool build_fonts(Fonts& fonts, float text_px, const std::string& lang, const std::string& text, bool easy_font,
                 std::string& error);
// The older form: no language hint, no easy font.
bool build_fonts(Fonts& fonts, float text_px, const std::string& text, std::string& error);

// The code points of `text` that fonts.body, fonts.heading or fonts.huge has no glyph for (ImGui would draw
// '?'), each once, in order of first use. Spaces, '\n', '\r' and '\t' are not checked; code points above
// U+FFFF are always missing (Debian's ImGui has 16-bit ImWchar); invalid UTF-8 shows as U+FFFD.
std::vector<unsigned> missing_glyphs(const Fonts& fonts, const std::string& text);

// The current atlas (ImGui::GetIO().Fonts) after build_fonts.
struct AtlasInfo {
    int width = 0, height = 0;      // texture size in pixels
    int glyphs = 0;                 // in body + heading + huge
    std::size_t alpha8_bytes = 0;   // CPU copy ImGui rasterises into (width × height)
    std::size_t rgba32_bytes = 0;   // the RGBA copy the OpenGL backend uploads (4 × width × height)
    std::size_t font_file_bytes = 0;  // font files read for the build (freed once it is done)
    std::vector<std::string> faces;   // the font files in use, primary first
};
AtlasInfo atlas_info();

}  // namespace engage::ui
