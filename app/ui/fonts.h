#pragma once
#include <string>

#include "ui/ui.h"

namespace engage::ui {

// Finds a font file from Debian's font packages: $ENGAGE_FONT_DIR, then /usr/share/fonts.
std::string find_font(const std::string& file_name);
// Builds the atlas with FreeType for `text_px` body size and only the glyphs `text` uses
// (plus ASCII and Latin-1). Returns false with `error` when no font could be loaded.
bool build_fonts(Fonts& fonts, float text_px, const std::string& text, std::string& error);

}  // namespace engage::ui
