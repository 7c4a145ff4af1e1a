#pragma once
// Small string helpers that know nothing of schools.
#include <string>
#include <string_view>
#include <vector>

namespace imuse {

// Removes leading and trailing ASCII white space.
std::string trim(std::string_view s);
// ASCII lower / upper case (UTF-8 bytes above 0x7F are left alone).
std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);
// Splits on a single character, keeping empty fields.
std::vector<std::string> split(std::string_view s, char sep);
// Joins with a separator.
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Edit distance, used to suggest the closest known name after a typo.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is plausibly a typo of it, else empty.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// A libpq connection string or URL with any password replaced by "***".
std::string mask_conninfo_password(std::string_view conninfo);
// True for an http(s) URL with a host and no white space.
bool is_http_url(std::string_view url);

}  // namespace imuse
