#include "engage/setup_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engage/bundle.h"
#include "engage/kiosk_pack.h"
#include "engage/log.h"

namespace engage {

namespace {

constexpr std::size_t kPeekBytes = 4096;
constexpr int kMaxEntries = 5000;
constexpr const char* kMarker = "\"engage_bundle_key\"";

enum class ReadResult { Ok, NotRegular, TooLarge, Unreadable };

// Opens `path` without following a symbolic link and reads at most `limit` bytes of a regular file.
ReadResult read_regular(const std::string& path, std::size_t limit, std::string& out, std::uint64_t& size,
                        int& err) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        err = errno;
        return err == ELOOP || err == EISDIR || err == ENXIO ? ReadResult::NotRegular : ReadResult::Unreadable;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return ReadResult::NotRegular;
    }
    size = static_cast<std::uint64_t>(st.st_size);
    if (size > kSetupFileMaxBytes && limit > kPeekBytes) {
        ::close(fd);
        return ReadResult::TooLarge;
    }
    out.clear();
    char buf[4096];
    while (out.size() < limit) {
        const ssize_t n = ::read(fd, buf, std::min(sizeof buf, limit - out.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            err = errno;
            ::close(fd);
            return ReadResult::Unreadable;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return ReadResult::Ok;
}

bool looks_like_setup_file(const std::string& head) {
    // Skip a byte-order mark and white space; a key file is a JSON object naming engage_bundle_key.
    std::size_t i = head.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) ++i;
    return i < head.size() && head[i] == '{' && head.find(kMarker) != std::string::npos;
}

bool is_pack_name(const std::string& name) {
    const std::string suffix = kPackSuffix;
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void look_in(const std::string& dir, const std::string& prefix, int depth, int& budget, std::vector<SetupFile>& out) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::pair<std::string, unsigned char>> entries;
    while (dirent* e = ::readdir(d)) {
        if (--budget < 0) break;
        const std::string name = e->d_name;
        if (name.empty() || name[0] == '.') continue;  // ".", "..", hidden files and folders
        entries.emplace_back(name, e->d_type);
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end());
    for (const auto& [name, type] : entries) {
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (S_ISLNK(st.st_mode)) continue;  // never followed, wherever it points
        if (S_ISDIR(st.st_mode)) {
            if (depth == 0) look_in(path, prefix + name + "/", depth + 1, budget, out);
            continue;
        }
        if (!S_ISREG(st.st_mode)) continue;
        if (is_pack_name(name)) {  // a kiosk pack (engage/kiosk_pack.h): listed by its name; loading checks it
            if (static_cast<std::uint64_t>(st.st_size) <= kPackMaxBytes)
                out.push_back({path, prefix + name, "", static_cast<std::uint64_t>(st.st_size)});
            continue;
        }
        if (static_cast<std::uint64_t>(st.st_size) > kSetupFileMaxBytes) continue;
        std::string head;
        std::uint64_t size = 0;
        int err = 0;
        if (read_regular(path, kPeekBytes, head, size, err) != ReadResult::Ok || !looks_like_setup_file(head)) continue;
        SetupFile f;
        f.path = path;
        f.name = prefix + name;
        f.bytes = size;
        BundleKey key;
        std::string whole, why;
        if (size <= kPeekBytes) whole = head;
        else read_regular(path, kSetupFileMaxBytes, whole, size, err);
        if (parse_bundle_key_file(whole, key, why)) f.kiosk_name = key.name;
        out.push_back(std::move(f));
    }
}

}  // namespace

std::vector<SetupFile> find_setup_files(const std::string& dir) {
    std::vector<SetupFile> out;
    int budget = kMaxEntries;
    try {
        look_in(dir, "", 0, budget, out);
    } catch (const std::exception& e) {
        log_warn("Looking for a kiosk setup file in " + dir + ": " + e.what());
    }
    std::sort(out.begin(), out.end(), [](const SetupFile& a, const SetupFile& b) { return a.name < b.name; });
    return out;
}

std::string load_setup_file(Store& store, const std::string& path) {
    if (is_pack_name(path)) return load_kiosk_pack(store, path);
    std::string text;
    std::uint64_t size = 0;
    int err = 0;
    switch (read_regular(path, kSetupFileMaxBytes + 1, text, size, err)) {
        case ReadResult::Ok: break;
        case ReadResult::NotRegular: return "This is not a kiosk setup file";
        case ReadResult::TooLarge: return "This file is too large to be a kiosk setup file";
        case ReadResult::Unreadable: return std::string("This file cannot be read: ") + std::strerror(err);
    }
    if (text.size() > kSetupFileMaxBytes) return "This file is too large to be a kiosk setup file";
    if (!looks_like_setup_file(text)) return "This is not a kiosk setup file";
    BundleKey key;
    std::string why;
    if (!parse_bundle_key_file(text, key, why)) {
        if (why.find("another version") != std::string::npos)
            return "This file is from a newer hub: update this kiosk's software, then try again";
        return "This file is damaged (" + why + "). Ask the organiser for a new one";
    }
    try {
        if (const auto current = load_bundle_key(store)) {
            if (current->hub_kiosk_id == key.hub_kiosk_id && current->bytes == key.bytes) return "";  // already set up
            if (current->hub_kiosk_id != key.hub_kiosk_id)
                return "This file is for another kiosk (\"" + key.name + "\"); this kiosk is \"" + current->name +
                       "\". To change it, run engage-kiosk pair --key-file FILE on the kiosk";
        }
        save_bundle_key(store, key);
    } catch (const std::exception& e) {
        return std::string("The key could not be saved: ") + e.what();
    }
    log_info("USB key loaded from " + path + ": responses saved to a USB stick are sealed for hub kiosk \"" +
             key.name + "\" (" + key.hub_kiosk_id + ")");
    return "";
}

}  // namespace engage
