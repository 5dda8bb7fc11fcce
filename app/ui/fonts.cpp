#include "ui/fonts.h"
#include "ui/shaped.h"

#include <imgui.h>
#include <imgui_freetype.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <set>

#include "engage/glyphs.h"

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

namespace {

// The font files of one build, read once and shared by the three sizes (ImGui gets them with
// FontDataOwnedByAtlas = false). Freed when the atlas is built: it keeps only the rasterised glyphs.
std::map<std::string, std::vector<char>> g_files;
// The glyph ranges must outlive the atlas's build.
ImVector<ImWchar> g_ranges;
std::vector<std::string> g_faces;
std::size_t g_file_bytes = 0;

std::vector<char>* read_file(const std::string& path) {
    if (auto it = g_files.find(path); it != g_files.end()) return &it->second;
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return nullptr;
    const std::streamoff size = in.tellg();
    if (size <= 0) return nullptr;
    std::vector<char> data(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(data.data(), size)) return nullptr;
    return &(g_files[path] = std::move(data));
}

bool in(char32_t c, std::initializer_list<std::pair<char32_t, char32_t>> ranges) {
    for (const auto& [a, b] : ranges)
        if (c >= a && c <= b) return true;
    return false;
}

// A font file the atlas may use. `wants` says which code points make it needed (nullptr: optional, merged
// only when it happens to cover something nothing before it does).
struct FaceSpec {
    const char* regular;
    const char* bold;      // nullptr: the regular file with synthesised bold
    const char* package;
    const char* what;      // for the error message
    bool (*wants)(char32_t);
    bool cjk = false;      // needed for a Chinese, Japanese or Korean UI language whatever the text
};

const FaceSpec kNoto = {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "fonts-noto-core", "Noto Sans", nullptr};
const FaceSpec kEasy = {"OpenDyslexic-Regular.otf", "OpenDyslexic-Bold.otf", "fonts-opendyslexic",
                        "the easier font (OpenDyslexic)", nullptr};
const FaceSpec kFallbacks[] = {
    {"wqy-microhei.ttc", nullptr, "fonts-wqy-microhei", "the Chinese, Japanese and Korean font (WenQuanYi Micro Hei)",
     [](char32_t c) { return is_cjk(c); }, true},
    {"NotoSansArmenian-Regular.ttf", "NotoSansArmenian-Bold.ttf", "fonts-noto-core", "Noto Sans Armenian",
     [](char32_t c) { return in(c, {{0x0530, 0x058F}, {0xFB13, 0xFB17}}); }},
    {"NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf", "fonts-noto-core", "Noto Sans Georgian",
     [](char32_t c) { return in(c, {{0x10A0, 0x10FF}, {0x1C90, 0x1CBF}, {0x2D00, 0x2D2F}}); }},
    {"NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf", "fonts-noto-core", "Noto Sans Ethiopic",
     [](char32_t c) { return in(c, {{0x1200, 0x139F}, {0x2D80, 0x2DDF}, {0xAB00, 0xAB2F}}); }},
    {"NotoSansSymbols-Regular.ttf", "NotoSansSymbols-Bold.ttf", "fonts-noto-core", "Noto Sans Symbols", nullptr},
    {"NotoSansSymbols2-Regular.ttf", nullptr, "fonts-noto-core", "Noto Sans Symbols 2", nullptr},
};

// One loaded file: its bytes, and FreeType's view of it for the metrics and the coverage.
struct Face {
    std::string path;
    std::vector<char>* data = nullptr;
    FT_Face ft = nullptr;
    float real_em = 1.f;   // (ascender - descender) / units per em: ImGui's pixel size covers this height
    bool has(char32_t c) const { return ft && FT_Get_Char_Index(ft, c) != 0; }
};

struct Loaded {
    const FaceSpec* spec = nullptr;
    Face regular, bold;    // bold.ft null: synthesise bold from regular
};

class FaceLoader {
public:
    FaceLoader() { ok_ = FT_Init_FreeType(&lib_) == 0; }
    ~FaceLoader() {
        for (FT_Face f : opened_) FT_Done_Face(f);
        if (ok_) FT_Done_FreeType(lib_);
    }
    FaceLoader(const FaceLoader&) = delete;
    FaceLoader& operator=(const FaceLoader&) = delete;

    bool open(const char* file, Face& face) {
        if (!file || !ok_) return false;
        face.path = find_font(file);
        if (face.path.empty()) return false;
        face.data = read_file(face.path);
        if (!face.data) return false;
        if (FT_New_Memory_Face(lib_, reinterpret_cast<const FT_Byte*>(face.data->data()),
                               static_cast<FT_Long>(face.data->size()), 0, &face.ft) != 0) {
            face.ft = nullptr;
            return false;
        }
        opened_.push_back(face.ft);
        if (face.ft->units_per_EM > 0 && face.ft->ascender - face.ft->descender > 0)
            face.real_em = static_cast<float>(face.ft->ascender - face.ft->descender) /
                           static_cast<float>(face.ft->units_per_EM);
        return true;
    }

    // Opens a spec's regular (required) and bold (optional) files.
    bool open(const FaceSpec& spec, Loaded& out) {
        out.spec = &spec;
        if (!open(spec.regular, out.regular)) return false;
        if (spec.bold && !open(spec.bold, out.bold)) out.bold = Face{};
        return true;
    }

private:
    FT_Library lib_ = nullptr;
    bool ok_ = false;
    std::vector<FT_Face> opened_;
};

std::string lower_base(const std::string& lang) {
    std::string base = lang.substr(0, lang.find_first_of("-_"));
    for (auto& c : base)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return base;
}

// Moves every glyph of `font` so its baseline sits where Noto Sans at `size_px` puts it, and makes
// `size_px` the font's line height. The glyphs keep the size they were rasterised at.
void settle_font(ImFont* font, float size_px, float ascent_px) {
    const float dy = std::round(ascent_px) - font->Ascent;
    for (auto& g : font->Glyphs) {
        g.Y0 += dy;
        g.Y1 += dy;
    }
    font->Ascent = std::round(ascent_px);
    font->Descent = font->Ascent - size_px;
    font->FontSize = size_px;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
        if (x == s) return;
    v.push_back(s);
}

}  // namespace

bool build_fonts(Fonts& fonts, float text_px, const std::string& lang, const std::string& text, bool easy_font,
                 std::string& error) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    io.Fonts->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
    io.Fonts->FontBuilderFlags = ImGuiFreeTypeBuilderFlags_LightHinting;
    // Height as packed, not rounded up to a power of two (OpenGL 3 takes any size): up to half the memory.
    io.Fonts->Flags |= ImFontAtlasFlags_NoPowerOfTwoHeight;
    g_faces.clear();
    g_files.clear();  // left from a build that failed
    g_file_bytes = 0;
    error.clear();
    std::vector<std::string> errors;

    // The code points to rasterise: the text's, printable ASCII, and what the screens draw themselves.
    std::set<char32_t> wanted;
    for (char32_t c = 0x20; c < 0x7F; ++c) wanted.insert(c);
    for (char32_t c : {0x2014u, 0x2022u, 0x2026u}) wanted.insert(c);
    for (char32_t c : utf8_codepoints(text))
        if (c > 0x20 && c <= IM_UNICODE_CODEPOINT_MAX && c != 0xFFFD) wanted.insert(c);
    {
        ImFontGlyphRangesBuilder b;
        for (char32_t c : wanted) b.AddChar(static_cast<ImWchar>(c));
        g_ranges.clear();
        b.BuildRanges(&g_ranges);
    }

    FaceLoader loader;
    Loaded noto;
    if (!loader.open(kNoto, noto)) {
        error = "Noto Sans (NotoSans-Regular.ttf) was not found under /usr/share/fonts: install the fonts-noto-core "
                "package";
        fonts.body = fonts.heading = fonts.huge = io.Fonts->AddFontDefault();
        io.Fonts->Build();
        g_files.clear();
        return false;
    }
    if (!noto.bold.ft) errors.push_back("Noto Sans Bold (NotoSans-Bold.ttf) was not found: install the fonts-noto-core package");

    // The faces in order: the first that has a code point draws it.
    std::vector<Loaded> faces;
    if (easy_font) {
        Loaded easy;
        if (loader.open(kEasy, easy)) faces.push_back(easy);
        else errors.push_back("The easier font (OpenDyslexic-Regular.otf) was not found: install the fonts-opendyslexic package");
    }
    faces.push_back(noto);

    // Fallbacks for what those lack, only when the text needs them.
    auto covered = [&](char32_t c) {
        for (const auto& f : faces)
            if (f.regular.has(c)) return true;
        return false;
    };
    std::set<char32_t> uncovered;
    for (char32_t c : wanted)
        if (!covered(c)) uncovered.insert(c);
    const std::string base = lower_base(lang);
    const bool cjk_language = base == "zh" || base == "ja" || base == "ko";
    for (const auto& spec : kFallbacks) {
        // A script face is needed when the text has its script; an optional one is tried while anything is left.
        bool needed = spec.cjk && cjk_language;
        for (char32_t c : uncovered)
            if (spec.wants && spec.wants(c)) needed = true;
        if (spec.wants ? !needed : uncovered.empty()) continue;
        Loaded f;
        if (!loader.open(spec, f)) {
            if (needed)
                errors.push_back(std::string(spec.what) + " (" + spec.regular + ") was not found: install the " +
                                 spec.package + " package");
            continue;
        }
        bool useful = needed;
        for (char32_t c : uncovered) useful = useful || f.regular.has(c);
        if (!useful) continue;
        faces.push_back(f);
        for (auto it = uncovered.begin(); it != uncovered.end();)
            it = f.regular.has(*it) ? uncovered.erase(it) : std::next(it);
    }

    // Every face at the same em as Noto Sans: ImGui asks FreeType for (ascender - descender) = size, so a face
    // with taller metrics (OpenDyslexic: 1.75 em against Noto's 1.362) needs a bigger pixel size.
    const float noto_real_em = noto.regular.real_em;
    const float noto_ascent = static_cast<float>(noto.regular.ft->ascender) /
                              static_cast<float>(noto.regular.ft->ascender - noto.regular.ft->descender);
    auto add = [&](float size_px, bool bold) -> ImFont* {
        ImFont* font = nullptr;
        for (const auto& f : faces) {
            const Face& face = bold && f.bold.ft ? f.bold : f.regular;
            ImFontConfig cfg;
            cfg.OversampleH = cfg.OversampleV = 1;
            cfg.FontDataOwnedByAtlas = false;
            cfg.MergeMode = font != nullptr;
            if (bold && !f.bold.ft) cfg.FontBuilderFlags = ImGuiFreeTypeBuilderFlags_Bold;
            const std::string name = fs::path(face.path).filename().string();
            std::snprintf(cfg.Name, sizeof cfg.Name, "%s, %.0fpx", name.c_str(), static_cast<double>(size_px));
            add_unique(g_faces, name);
            ImFont* added = io.Fonts->AddFontFromMemoryTTF(face.data->data(), static_cast<int>(face.data->size()),
                                                           size_px * (face.real_em / noto_real_em), &cfg, g_ranges.Data);
            if (!font) font = added;
        }
        return font;
    };
    fonts.body = add(text_px, false);
    fonts.heading = add(text_px * 1.35f, true);
    fonts.huge = add(text_px * 2.0f, true);
    // Urdu, Arabic, Punjabi and Bengali: shaped glyphs at the same em as Noto Sans, in rectangles of this atlas.
    std::string shaped_error;
    const float em = text_px / noto_real_em;
    if (fonts.body && fonts.heading && fonts.huge &&
        !shaped_text().prepare(io.Fonts, lang, {{fonts.body, em, false}, {fonts.heading, em * 1.35f, true},
                                                {fonts.huge, em * 2.0f, true}}, text, shaped_error))
        errors.push_back(shaped_error);
    // ImGui picks the texture's width from its own glyphs' area only: with many shaped glyphs in custom rectangles
    // (Nastaliq at 200 %) it would stay 512 px wide and grow past 4096 px tall. A width from both keeps it within
    // 4096 px (what any GPU takes); a small shaped part (the picker's names) leaves ImGui's choice as it was.
    io.Fonts->TexDesiredWidth = 0;
    if (shaped_text().area() > 0) {
        const double estimate = static_cast<double>(shaped_text().area()) * 1.25 + 512.0 * 512.0;
        int width = 512;
        while (width < 4096 && estimate / width > 2048) width *= 2;  // at most about 2048 px tall
        if (width > 512) io.Fonts->TexDesiredWidth = width;
    }
    if (!fonts.body || !fonts.heading || !fonts.huge || !io.Fonts->Build()) {
        error = "the fonts could not be built from " + noto.regular.path;
        shaped_text().clear();
        return false;
    }
    shaped_text().fill(io.Fonts);
    if (faces.front().spec != &kNoto) {  // the easier font: line height and baseline as Noto Sans has them
        settle_font(fonts.body, text_px, text_px * noto_ascent);
        settle_font(fonts.heading, text_px * 1.35f, text_px * 1.35f * noto_ascent);
        settle_font(fonts.huge, text_px * 2.0f, text_px * 2.0f * noto_ascent);
    }

    // The atlas now holds every glyph it will draw: drop the font files (the CJK face alone is 5 MB).
    // ImGui builds again only through here (the pixels stay until io.Fonts->ClearTexData()).
    g_file_bytes = 0;
    for (const auto& [path, data] : g_files) g_file_bytes += data.size();
    io.Fonts->ClearInputData();
    g_files.clear();

    for (const auto& e : errors) error += (error.empty() ? "" : "; ") + e;
    return errors.empty();
}

bool build_fonts(Fonts& fonts, float text_px, const std::string& text, std::string& error) {
    return build_fonts(fonts, text_px, "", text, false, error);
}

std::vector<unsigned> missing_glyphs(const Fonts& fonts, const std::string& text) {
    std::vector<unsigned> out;
    std::set<char32_t> seen;
    for (char32_t c : utf8_codepoints(text)) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        bool ok = fonts.body && c <= IM_UNICODE_CODEPOINT_MAX;
        for (const ImFont* f : {fonts.body, fonts.heading, fonts.huge})
            if (ok && f && !f->FindGlyphNoFallback(static_cast<ImWchar>(c))) ok = false;
        if (!ok && seen.insert(c).second) out.push_back(static_cast<unsigned>(c));
    }
    return out;
}

AtlasInfo atlas_info() {
    AtlasInfo info;
    const ImFontAtlas* a = ImGui::GetIO().Fonts;
    info.width = a->TexWidth;
    info.height = a->TexHeight;
    info.alpha8_bytes = static_cast<std::size_t>(a->TexWidth) * static_cast<std::size_t>(a->TexHeight);
    info.rgba32_bytes = info.alpha8_bytes * 4;
    for (const ImFont* f : a->Fonts) info.glyphs += f->Glyphs.Size;
    info.font_file_bytes = g_file_bytes;
    info.faces = g_faces;
    return info;
}

}  // namespace engage::ui
