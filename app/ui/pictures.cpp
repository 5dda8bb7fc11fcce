#include "ui/pictures.h"

#include <SDL_opengl.h>
#include <stb_image.h>

#include <cstdint>
#include <memory>

#include "engage/log.h"

namespace engage::ui {

void Pictures::sync(const Survey* s, std::uint64_t serial) {
    if (serial == serial_) return;
    clear();
    serial_ = serial;
    if (!s) return;
    for (const auto& [file, bytes] : s->media) {
        int w = 0, h = 0, n = 0;
        std::unique_ptr<stbi_uc, void (*)(void*)> px(
            stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w,
                                  &h, &n, 4),
            stbi_image_free);
        if (!px) {  // the loader decoded it already; only memory could fail here
            log_warn("Picture " + file + " could not be decoded; it is left out");
            continue;
        }
        GLuint t = 0;
        glGenTextures(1, &t);
        glBindTexture(GL_TEXTURE_2D, t);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.get());
        tex_[file] = Texture{reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(t)), w, h};
    }
}

const Pictures::Texture* Pictures::find(const std::string& file) const {
    auto it = tex_.find(file);
    return it == tex_.end() ? nullptr : &it->second;
}

void Pictures::clear() {
    for (auto& [file, t] : tex_) {
        const auto id = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(t.id));
        glDeleteTextures(1, &id);
    }
    tex_.clear();
    serial_ = 0;
}

}  // namespace engage::ui
