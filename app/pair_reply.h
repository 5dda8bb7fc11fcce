// Pairing keeps the hub's whole reply: besides the token (all pair_with_hub returns) it carries the kiosk's USB
// bundle key. Used by `engage-kiosk pair` and by pairing from the facilitator panel.
#pragma once
#include <functional>
#include <string>

#include "engage/sync.h"

namespace engage {

struct KeepReply : Transport {
    Transport& inner;
    HttpResponse last;
    explicit KeepReply(Transport& t) : inner(t) {}
    HttpResponse post(const std::string& u, const std::string& t, const std::string& b, bool gz,
                      const std::function<bool()>& cancelled) override {
        return last = inner.post(u, t, b, gz, cancelled);
    }
};

}  // namespace engage
