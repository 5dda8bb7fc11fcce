// The font atlas holds only the glyphs of the language on screen, at the size on screen: it is built again
// (between frames) when the language, the person's text size or font, or the survey changes.
#pragma once
#include <string>

#include "state.h"
#include "ui/ui.h"

namespace engage {

class FontCache {
public:
    FontCache(KioskState& s, ui::Ui& ui) : s_(s), ui_(ui) {}
    bool stale() const;   // the atlas on the GPU is not the one the screen needs
    void rebuild();       // builds the atlas the screen needs (the caller uploads it)

private:
    struct Key {
        std::string lang;
        int percent = 0;
        bool easy = false;
        bool operator==(const Key&) const = default;
    };
    Key wanted() const;
    KioskState& s_;
    ui::Ui& ui_;
    Key built_;
};

}  // namespace engage
