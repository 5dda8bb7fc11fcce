// Synthetic responses for demos and benchmarks (`engage-kiosk seed`). No UI includes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engage/storage.h"
#include "engage/survey.h"

namespace engage {

// `count` plausible responses to `s`: show_if is followed, required questions are always answered,
// optional ones sometimes skipped, option ids come from the survey, "Other" has text and some text
// questions get a sentence or two. Every answers_json is what answers_to_json() makes for answers that
// pass is_answered(). The same (survey, count, seed) always gives the same responses.
// A non-empty `text` is every free-text answer (text questions, all answered when shown; Other texts): for tests
// and demos of sealed answers (`engage-kiosk seed --text TEXT`).
std::vector<NewResponse> synthetic_responses(const Survey& s, int count, std::uint64_t seed,
                                             const std::string& text = {});

// The same responses, handed to `sink` in order in batches of at most `batch` (whatever the batch
// size, the responses are those of the form above).
void synthetic_responses(const Survey& s, int count, std::uint64_t seed, int batch,
                         const std::function<void(const std::vector<NewResponse>&)>& sink,
                         const std::string& text = {});

}  // namespace engage
