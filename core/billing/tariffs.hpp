#pragma once
// Tariff grids (YAML, config/samples/tariffs.yaml): family-quotient brackets, residency,
// prices per course category, sibling discounts, fixed fees, rentals, terms and instalment
// schedules of one school year. Parsing checks everything that needs no database; a price a
// family needs but the grid lacks is found when billing (see compute.hpp).
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/french.hpp"
#include "util/money.hpp"

namespace imuse {

// A family-quotient bracket: quotients up to `max` euros (inclusive); the last has no max.
struct Bracket {
  std::string code;
  std::optional<int> max;
};

// The price of a category for residents or non-residents: one amount for every bracket, or
// one per bracket code.
struct PriceTable {
  std::optional<Cents> all_brackets;
  std::map<std::string, Cents> by_bracket;
  // The price for `bracket`, nullopt when the grid has none.
  std::optional<Cents> price(const std::string& bracket) const;
};

// Prices of a course category. Courses match by courses.tariff_category, else by department.
struct CategoryPrices {
  std::string name;  // as written in the file
  std::string key;   // fold_key(name)
  std::optional<PriceTable> resident;
  std::optional<PriceTable> non_resident;
};

// A fixed fee on the tuition ledger, per family or per student (with at least one course).
struct FeeSpec {
  std::string code;  // ^[A-Z0-9_-]{1,32}$ (the line key fee:<CODE>)
  std::string label;
  bool per_student = false;
  Cents amount = 0;
};

// A rental price by rentals.tariff_code: per year and/or per term (× quantity).
struct RentalPrice {
  std::string code;
  std::string label;  // optional: the rental's own label is used when empty
  std::optional<Cents> per_year;
  std::optional<Cents> per_term;
};

struct Term {
  Date starts_on;
  Date ends_on;
};

struct Tariffs {
  std::string file;
  std::string school_year;         // "2026/2027"
  std::vector<std::string> sites;  // site codes the grid applies to
  std::vector<Bracket> brackets;   // ascending maxima, the last one open
  std::string without_quotient;    // bracket of a family with no quotient
  std::set<std::string> resident_postal_codes;
  std::set<std::string> resident_communes;  // fold_key of the commune names
  std::vector<CategoryPrices> categories;
  // rank (2, 3, ...) -> discount in hundredths of a percent; a rank above the largest listed
  // takes the largest listed rank's rate.
  std::map<int, std::int64_t> sibling_discounts;
  std::vector<FeeSpec> fees;
  std::map<std::string, RentalPrice> rentals;  // by tariff code
  std::vector<Term> terms;
  std::map<int, std::vector<Date>> schedules;  // 1, 2, 3, 9 -> due dates, ascending
  std::string tuition_label = "Cotisations";
  std::string rental_label = "Locations";

  // The bracket code of a family quotient (nullopt: no quotient).
  std::string bracket_of(std::optional<int> quotient) const;
  // Residency by postal code or commune (families.resident overrides it when not NULL).
  bool resident_by_address(const std::string& postal_code, const std::string& city) const;
  // The category whose name folds like `tariff_category`, else like `department`; nullptr if none.
  const CategoryPrices* category_for(const std::string& tariff_category, const std::string& department) const;
  // Sibling discount in hundredths of a percent for a 1-based rank (0 for rank 1).
  std::int64_t sibling_rate(int rank) const;
};

// Parses and checks `root` read from `file`; DataError "file:line:column: what was expected"
// at the first problem (unknown keys included, with "did you mean").
Tariffs parse_tariffs(const YAML::Node& root, const std::string& file);
// Loads and parses a tariff file (DataError as above, or when it cannot be read).
Tariffs load_tariffs(const std::string& file);

}  // namespace imuse
