// Deepest nesting of arrays/objects in JSON text (strings are skipped); stops counting past `limit`. A cheap
// check before parsing text from outside: nlohmann::json's dump() and comparisons recurse.
#pragma once
#include <string_view>

namespace engage {
int json_depth(std::string_view text, int limit);
}  // namespace engage
