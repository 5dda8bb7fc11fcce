// Checks on free text before it is saved. No UI includes.
#pragma once
#include <string>
#include <string_view>

namespace engage {

// True when the text looks like it holds an email address or a phone number,
// so the respondent can be asked not to include personal details.
bool looks_like_email(std::string_view text);
bool looks_like_phone(std::string_view text);
inline bool looks_personal(std::string_view text) { return looks_like_email(text) || looks_like_phone(text); }

// UTF-8 helpers for text the app owns (the on-screen keyboard edits it).
std::size_t utf8_length(std::string_view s);          // code points
void utf8_pop_back(std::string& s);                   // remove the last code point
std::string trim(std::string_view s);

}  // namespace engage
