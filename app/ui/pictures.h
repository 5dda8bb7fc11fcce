// The live survey's pictures (Easy Read, docs/survey-format.md "Pictures") as OpenGL textures: decoded with
// stb_image from the bytes the loader checked (Survey::media), uploaded once, freed when the survey changes.
#pragma once
#include <imgui.h>

#include <map>
#include <string>

#include "engage/survey.h"

namespace engage::ui {

class Pictures {
public:
    struct Texture {
        ImTextureID id = nullptr;
        int w = 0, h = 0;
    };
    // Makes the textures match `s` (nullptr: none): every picture is uploaded when the survey is new (its
    // serial differs), the old ones freed. Needs the GL context current.
    void sync(const Survey* s, std::uint64_t serial);
    const Texture* find(const std::string& file) const;
    void clear();
    std::size_t count() const { return tex_.size(); }
    Pictures() = default;
    Pictures(const Pictures&) = delete;
    Pictures& operator=(const Pictures&) = delete;
    ~Pictures() { clear(); }

private:
    std::uint64_t serial_ = 0;
    std::map<std::string, Texture> tex_;
};

}  // namespace engage::ui
