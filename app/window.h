// The kiosk's window: SDL2 with an OpenGL 3.2 context and Dear ImGui 1.86's SDL2 and OpenGL3 backends.
#pragma once
#include <SDL.h>

#include <string>

#include "engage/config.h"

namespace engage {

class Window {
public:
    // Opens the window (full screen unless config.windowed) and starts ImGui. False with `error` on failure.
    bool open(const KioskConfig& config, std::string& error);
    ~Window();
    void begin_frame();   // the backends' NewFrame
    void present();       // renders ImGui's draw data and swaps
    void size(int& w, int& h) const { SDL_GetWindowSize(window_, &w, &h); }
    // The font atlas changed: the texture is made again (and the CPU copies freed).
    void fonts_changed();

private:
    SDL_Window* window_ = nullptr;
    SDL_GLContext gl_ = nullptr;
    bool imgui_ = false;
    bool sdl_ = false;
};

}  // namespace engage
