// The fixed bundle key the bundle fuzz target and its seed maker share (test data, not a secret).
#pragma once
#include <string>

#include "engage/bundle.h"

namespace engage_fuzz {
inline engage::BundleKey key() {
    engage::BundleKey k;
    k.hub_kiosk_id = "0f1e2d3c-4b5a-4697-8877-665544332211";
    k.bytes = std::string(engage::kBundleKeyBytes, '\x5a');
    k.name = "fuzz";
    return k;
}
}  // namespace engage_fuzz
