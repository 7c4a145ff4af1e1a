#pragma once
// Money: an integer number of cents (public money is exact to the cent, never floating point),
// read and printed the French way.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imuse {

using Cents = std::int64_t;

// "1 234,50 €" (space as thousands separator, comma, two decimals, space, euro sign);
// "-24,00 €" for a negative amount. `with_symbol` false gives "1 234,50".
std::string format_euros(Cents cents, bool with_symbol = true);

// "1234.50" (dot, no grouping, no symbol), as CSV/JSON exports and XML files write amounts.
std::string format_decimal(Cents cents);

// An amount as offices and banks write it: "24", "24,00", "24.5", "1 234,50", "1234.50 €",
// "1\u00a0234,50", "1.234,50" (dot grouping followed by a comma). A leading '-' only when
// `allow_negative`. nullopt for a blank text, more than two decimals, a lone "1.234" (thousands
// or decimals?), letters, or an amount above 10^13 cents.
std::optional<Cents> parse_amount(std::string_view text, bool allow_negative = false);

// A share of `amount` rounded half up to the cent: amount × percent_hundredths / 10000
// (percent_hundredths 1000 = 10 %). Exact integer arithmetic; amount ≥ 0.
Cents percent_of(Cents amount, std::int64_t percent_hundredths);

}  // namespace imuse
