#include "billing/tariffs.hpp"

#include <algorithm>
#include <regex>

#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/schedule.hpp"
#include "util/text.hpp"
#include "util/yaml_input.hpp"

namespace imuse {

namespace {

const std::vector<std::string> kRootKeys = {
    "school_year",       "sites", "labels",  "quotient", "residency", "categories",
    "sibling_discounts", "fees",  "rentals", "terms",    "schedules"};
const std::vector<std::string> kQuotientKeys = {"brackets", "without_quotient"};
const std::vector<std::string> kBracketKeys = {"code", "max"};
const std::vector<std::string> kResidencyKeys = {"postal_codes", "communes"};
const std::vector<std::string> kCategoryKeys = {"name", "resident", "non_resident"};
const std::vector<std::string> kFeeKeys = {"code", "label", "per", "amount"};
const std::vector<std::string> kRentalKeys = {"code", "label", "year", "term"};
const std::vector<std::string> kTermKeys = {"starts_on", "ends_on"};
const std::vector<std::string> kLabelKeys = {"tuition", "rental"};

std::string scalar_or(const YAML::Node& node, const char* otherwise) {
  return node.IsScalar() ? node.Scalar() : std::string(otherwise);
}

class Parser : YamlFileReader {
 public:
  explicit Parser(std::string file) : YamlFileReader(std::move(file)) {}

  Tariffs parse(const YAML::Node& root) {
    if (!root.IsMap()) {
      fail(root,
           "expected a mapping with school_year, quotient, categories, schedules... "
           "(see config/samples/tariffs.yaml)");
    }
    check_keys(root, kRootKeys, "tariff grid");
    Tariffs t;
    t.file = file_;
    read_year(root, t);
    read_sites(root, t);
    read_labels(root, t);
    read_quotient(root, t);
    read_residency(root, t);
    read_categories(root, t);
    read_siblings(root, t);
    read_fees(root, t);
    read_terms(root, t);
    read_rentals(root, t);
    read_schedules(root, t);
    return t;
  }

 private:
  Cents amount(const YAML::Node& node, const std::string& key) const {
    const auto cents = node.IsScalar() ? parse_amount(node.Scalar()) : std::nullopt;
    if (!cents) {
      fail(node, key + ": expected an amount in euros such as 150 or 210,40, got \"" + scalar_or(node, "(not a text)") +
                     "\"");
    }
    return *cents;
  }

  Date date(const YAML::Node& node, const std::string& key) const {
    const auto d = node.IsScalar() ? parse_date(node.Scalar()) : std::nullopt;
    if (!d) {
      fail(node, key + ": expected a date such as 2026-10-15 (or 15/10/2026), got \"" +
                     scalar_or(node, "(not a text)") + "\"");
    }
    return *d;
  }

  int whole(const YAML::Node& node, const std::string& key, int min, int max) const {
    const std::string v = node.IsScalar() ? trim(node.Scalar()) : "";
    const bool digits =
        !v.empty() && v.size() <= 9 && std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits || std::stoi(v) < min || std::stoi(v) > max) {
      fail(node, key + ": expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", got \"" + scalar_or(node, "(not a text)") + "\"");
    }
    return std::stoi(v);
  }

  void read_year(const YAML::Node& root, Tariffs& t) const {
    const auto node = required(root, "school_year", "the school year billed, e.g. 2026/2027");
    const auto year = node.IsScalar() ? parse_school_year(node.Scalar()) : std::nullopt;
    if (!year) {
      fail(node,
           "school_year: expected a school year such as 2026/2027, got \"" + scalar_or(node, "(not a text)") + "\"");
    }
    t.school_year = *year;
  }

  void read_sites(const YAML::Node& root, Tariffs& t) const {
    const auto node = required(root, "sites", "the site codes the grid applies to, e.g. [CONS1, MANTES]");
    std::vector<YAML::Node> items;
    if (node.IsScalar()) {
      items.push_back(node);
    } else if (node.IsSequence() && node.size() > 0) {
      for (const auto& item : node) {
        items.push_back(item);
      }
    } else {
      fail(node, "sites: expected a non-empty list of site codes such as [CONS1, MANTES]");
    }
    for (const auto& item : items) {
      const std::string raw = text(item, "sites", "a site code such as CONS1");
      const auto code = normalize_site_code(raw);
      if (!code) {
        fail(item, "sites: expected a site code (capital letters, digits, '_' or '-'), got \"" + raw + "\"");
      }
      if (std::find(t.sites.begin(), t.sites.end(), *code) != t.sites.end()) {
        fail(item, "sites: " + *code + " is listed twice");
      }
      t.sites.push_back(*code);
    }
  }

  void read_labels(const YAML::Node& root, Tariffs& t) const {
    const auto node = yaml_child(root, "labels");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      fail(node, "labels: expected a mapping with tuition and/or rental");
    }
    check_keys(node, kLabelKeys, "labels");
    if (const auto n = yaml_child(node, "tuition"); n.IsDefined()) {
      t.tuition_label = text(n, "labels.tuition", "the invoice title, e.g. \"Cotisations\"");
    }
    if (const auto n = yaml_child(node, "rental"); n.IsDefined()) {
      t.rental_label = text(n, "labels.rental", "the invoice title, e.g. \"Locations\"");
    }
  }

  void read_quotient(const YAML::Node& root, Tariffs& t) const {
    static const std::regex code_pattern(R"(^[A-Za-z0-9_-]{1,16}$)");
    const auto node = required(root, "quotient", "a mapping with brackets and without_quotient");
    if (!node.IsMap()) {
      fail(node, "quotient: expected a mapping with brackets and without_quotient");
    }
    check_keys(node, kQuotientKeys, "quotient");
    const auto list = required(node, "brackets", "a list such as [{code: A, max: 500}, {code: B}]");
    if (!list.IsSequence() || list.size() == 0) {
      fail(list, "brackets: expected a list such as [{code: A, max: 500}, {code: B}]");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto item = list[i];
      if (!item.IsMap()) {
        fail(item, "brackets: expected {code: A, max: 500} (the last one without max)");
      }
      check_keys(item, kBracketKeys, "bracket");
      Bracket b;
      const auto code = required(item, "code", "a bracket code such as A");
      b.code = text(code, "code", "a bracket code such as A");
      if (!std::regex_match(b.code, code_pattern)) {
        fail(code, "code: expected letters, digits, '_' or '-' (at most 16), got \"" + b.code + "\"");
      }
      for (const auto& other : t.brackets) {
        if (other.code == b.code) {
          fail(code, "code: bracket '" + b.code + "' is listed twice");
        }
      }
      const auto max = yaml_child(item, "max");
      const bool last = i + 1 == list.size();
      if (last && max.IsDefined() && !max.IsNull()) {
        fail(max, "max: the last bracket takes every quotient above the previous one; leave its max out");
      }
      if (!last) {
        if (!max.IsDefined() || max.IsNull()) {
          fail(item, "missing 'max': expected the highest quotient (euros) of bracket " + b.code +
                         " (only the last bracket has none)");
        }
        b.max = whole(max, "max", 0, 1000000);
        if (!t.brackets.empty() && *b.max <= *t.brackets.back().max) {
          fail(max, "max: expected more than the previous bracket's max (" + std::to_string(*t.brackets.back().max) +
                        "), got " + std::to_string(*b.max));
        }
      }
      t.brackets.push_back(b);
    }
    const auto none = required(node, "without_quotient", "the bracket of a family with no quotient, e.g. D");
    t.without_quotient = text(none, "without_quotient", "a bracket code");
    if (std::none_of(t.brackets.begin(), t.brackets.end(),
                     [&](const Bracket& b) { return b.code == t.without_quotient; })) {
      fail(none, "without_quotient: \"" + t.without_quotient + "\" is not one of the brackets (" +
                     join(bracket_codes(t), ", ") + ")");
    }
  }

  static std::vector<std::string> bracket_codes(const Tariffs& t) {
    std::vector<std::string> out;
    for (const auto& b : t.brackets) {
      out.push_back(b.code);
    }
    return out;
  }

  std::vector<YAML::Node> list_of(const YAML::Node& node, const std::string& key, const std::string& example) const {
    std::vector<YAML::Node> out;
    if (node.IsScalar()) {
      out.push_back(node);
    } else if (node.IsSequence()) {
      for (const auto& item : node) {
        out.push_back(item);
      }
    } else {
      fail(node, key + ": expected a list such as " + example);
    }
    return out;
  }

  void read_residency(const YAML::Node& root, Tariffs& t) const {
    const auto node = yaml_child(root, "residency");
    if (!node.IsDefined() || node.IsNull()) {
      return;  // nobody is resident by address; families.resident still applies
    }
    if (!node.IsMap()) {
      fail(node, "residency: expected a mapping with postal_codes and/or communes");
    }
    check_keys(node, kResidencyKeys, "residency");
    if (const auto n = yaml_child(node, "postal_codes"); n.IsDefined() && !n.IsNull()) {
      for (const auto& item : list_of(n, "postal_codes", "[\"73200\", \"73400\"]")) {
        const auto code = item.IsScalar() ? normalize_postal_code(item.Scalar()) : std::nullopt;
        if (!code || code->empty()) {
          fail(item, "postal_codes: expected a 5-digit postal code such as \"73200\", got \"" +
                         scalar_or(item, "(not a text)") + "\"");
        }
        t.resident_postal_codes.insert(*code);
      }
    }
    if (const auto n = yaml_child(node, "communes"); n.IsDefined() && !n.IsNull()) {
      for (const auto& item : list_of(n, "communes", "[Albertville, Ugine]")) {
        t.resident_communes.insert(fold_key(text(item, "communes", "a commune name such as Albertville")));
      }
    }
  }

  PriceTable prices(const YAML::Node& node, const std::string& key, const Tariffs& t) const {
    PriceTable p;
    if (node.IsScalar()) {
      p.all_brackets = amount(node, key);
      return p;
    }
    if (!node.IsMap()) {
      fail(node, key + ": expected one amount for every bracket (e.g. 150) or one per bracket ({A: 150, B: 210})");
    }
    const auto codes = bracket_codes(t);
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string code = it->first.IsScalar() ? it->first.Scalar() : "";
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        std::string message = key + ": '" + code + "' is not a bracket";
        if (auto close = closest_match(code, codes); !close.empty()) {
          message += " (did you mean '" + close + "'?)";
        }
        fail(it->first, message + "; expected some of: " + join(codes, ", "));
      }
      p.by_bracket[code] = amount(it->second, key + "." + code);
    }
    return p;
  }

  void read_categories(const YAML::Node& root, Tariffs& t) const {
    const auto node = required(root, "categories", "a list of {name, resident, non_resident}");
    if (!node.IsSequence() || node.size() == 0) {
      fail(node, "categories: expected a list of {name: Instrument, resident: {A: 150, ...}, non_resident: ...}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "categories: expected {name: Instrument, resident: {A: 150, ...}, non_resident: ...}");
      }
      check_keys(item, kCategoryKeys, "category");
      CategoryPrices c;
      const auto name = required(item, "name", "a course category or department, e.g. Instrument");
      c.name = text(name, "name", "a course category or department, e.g. Instrument");
      c.key = fold_key(c.name);
      for (const auto& other : t.categories) {
        if (other.key == c.key) {
          fail(name, "name: category \"" + c.name + "\" is listed twice");
        }
      }
      if (const auto r = yaml_child(item, "resident"); r.IsDefined() && !r.IsNull()) {
        c.resident = prices(r, "resident", t);
      }
      if (const auto r = yaml_child(item, "non_resident"); r.IsDefined() && !r.IsNull()) {
        c.non_resident = prices(r, "non_resident", t);
      }
      if (!c.resident && !c.non_resident) {
        fail(item, "category \"" + c.name + "\": expected resident and/or non_resident prices");
      }
      t.categories.push_back(std::move(c));
    }
  }

  std::int64_t percent(const YAML::Node& node, const std::string& key) const {
    std::string v = node.IsScalar() ? trim(node.Scalar()) : "";
    if (!v.empty() && v.back() == '%') {
      v = trim(v.substr(0, v.size() - 1));
    }
    const auto hundredths = parse_amount(v);
    if (!hundredths || *hundredths > 10000) {
      fail(node, key + ": expected a percentage from 0 to 100 such as 10 or 12,5 %, got \"" +
                     scalar_or(node, "(not a text)") + "\"");
    }
    return *hundredths;
  }

  void read_siblings(const YAML::Node& root, Tariffs& t) const {
    const auto node = yaml_child(root, "sibling_discounts");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      fail(node, "sibling_discounts: expected a mapping rank -> percentage, e.g. {2: 10 %, 3: 20 %}");
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const int rank = whole(it->first, "sibling_discounts rank", 2, 20);
      if (t.sibling_discounts.count(rank) != 0) {
        fail(it->first, "sibling_discounts: rank " + std::to_string(rank) + " is listed twice");
      }
      t.sibling_discounts[rank] = percent(it->second, "sibling_discounts." + std::to_string(rank));
    }
  }

  void read_fees(const YAML::Node& root, Tariffs& t) const {
    static const std::regex code_pattern(R"(^[A-Z0-9_-]{1,32}$)");
    const auto node = yaml_child(root, "fees");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(node, "fees: expected a list of {code, label, per, amount}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "fees: expected {code: DOSSIER, label: \"Frais de dossier\", per: family, amount: 15}");
      }
      check_keys(item, kFeeKeys, "fee");
      FeeSpec f;
      const auto code = required(item, "code", "a code such as DOSSIER");
      f.code = text(code, "code", "a code such as DOSSIER");
      if (!std::regex_match(f.code, code_pattern)) {
        fail(code, "code: expected capital letters, digits, '_' or '-' (at most 32), got \"" + f.code + "\"");
      }
      for (const auto& other : t.fees) {
        if (other.code == f.code) {
          fail(code, "code: fee '" + f.code + "' is listed twice");
        }
      }
      f.label =
          text(required(item, "label", "the line's label, e.g. \"Frais de dossier\""), "label", "the line's label");
      const auto per = required(item, "per", "family or student");
      const std::string p = per.IsScalar() ? trim(per.Scalar()) : "";
      if (p != "family" && p != "student") {
        fail(per, "per: expected family (once per family) or student (once per student), got \"" + p + "\"");
      }
      f.per_student = p == "student";
      f.amount = amount(required(item, "amount", "an amount in euros"), "amount");
      t.fees.push_back(std::move(f));
    }
  }

  void read_terms(const YAML::Node& root, Tariffs& t) const {
    const auto node = yaml_child(root, "terms");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(node, "terms: expected a list of {starts_on, ends_on}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "terms: expected {starts_on: 2026-09-01, ends_on: 2026-12-19}");
      }
      check_keys(item, kTermKeys, "term");
      Term term;
      term.starts_on = date(required(item, "starts_on", "a date"), "starts_on");
      term.ends_on = date(required(item, "ends_on", "a date"), "ends_on");
      if (term.ends_on.iso() < term.starts_on.iso()) {
        fail(yaml_child(item, "ends_on"),
             "ends_on: expected a date on or after starts_on (" + term.starts_on.iso() + ")");
      }
      if (!t.terms.empty() && term.starts_on.iso() <= t.terms.back().ends_on.iso()) {
        fail(yaml_child(item, "starts_on"),
             "starts_on: expected a date after the previous term's end (" + t.terms.back().ends_on.iso() + ")");
      }
      t.terms.push_back(term);
    }
  }

  void read_rentals(const YAML::Node& root, Tariffs& t) const {
    const auto node = yaml_child(root, "rentals");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(node, "rentals: expected a list of {code, label, year, term}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "rentals: expected {code: VIOLON, label: \"Location de violon\", year: 120, term: 45}");
      }
      check_keys(item, kRentalKeys, "rental");
      RentalPrice r;
      const auto code = required(item, "code", "the rentals' tariff code, e.g. VIOLON");
      r.code = text(code, "code", "a tariff code such as VIOLON");
      if (t.rentals.count(r.code) != 0) {
        fail(code, "code: rental '" + r.code + "' is listed twice");
      }
      if (const auto n = yaml_child(item, "label"); n.IsDefined()) {
        r.label = text(n, "label", "the line's label");
      }
      if (const auto n = yaml_child(item, "year"); n.IsDefined() && !n.IsNull()) {
        r.per_year = amount(n, "year");
      }
      if (const auto n = yaml_child(item, "term"); n.IsDefined() && !n.IsNull()) {
        r.per_term = amount(n, "term");
        if (t.terms.empty()) {
          fail(n, "term: a price per term needs the list of terms (terms: [{starts_on, ends_on}, ...])");
        }
      }
      if (!r.per_year && !r.per_term) {
        fail(item, "rental '" + r.code + "': expected a price per year and/or per term");
      }
      t.rentals[r.code] = std::move(r);
    }
  }

  void read_schedules(const YAML::Node& root, Tariffs& t) const {
    const auto node = required(root, "schedules", "the due dates of schedules 1, 2, 3 and 9");
    if (!node.IsMap()) {
      fail(node, "schedules: expected a mapping {1: [dates], 2: [...], 3: [...], 9: [...]}");
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string k = it->first.IsScalar() ? trim(it->first.Scalar()) : "";
      if (k != "1" && k != "2" && k != "3" && k != "9") {
        fail(it->first,
             "schedules: unknown schedule '" + k + "'; expected 1, 2, 3 (instalments) or 9 (monthly direct debits)");
      }
      const int n = std::stoi(k);
      if (!it->second.IsSequence() || static_cast<int>(it->second.size()) != n) {
        fail(it->second,
             "schedules." + k + ": expected a list of exactly " + std::to_string(n) + " due date" + (n > 1 ? "s" : ""));
      }
      std::vector<Date> dates;
      for (const auto& item : it->second) {
        const Date d = date(item, "schedules." + k);
        if (!dates.empty() && d.iso() <= dates.back().iso()) {
          fail(item, "schedules." + k + ": expected dates in increasing order, got " + d.iso() + " after " +
                         dates.back().iso());
        }
        dates.push_back(d);
      }
      t.schedules[n] = std::move(dates);
    }
    for (const int n : {1, 2, 3, 9}) {
      if (t.schedules.count(n) == 0) {
        fail(node, "schedules: missing schedule " + std::to_string(n) +
                       " (families may choose 1, 2, 3 instalments or 9 monthly direct debits)");
      }
    }
  }

};

}  // namespace

std::optional<Cents> PriceTable::price(const std::string& bracket) const {
  if (all_brackets) {
    return all_brackets;
  }
  const auto it = by_bracket.find(bracket);
  if (it == by_bracket.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Tariffs::bracket_of(std::optional<int> quotient) const {
  if (!quotient) {
    return without_quotient;
  }
  for (const auto& b : brackets) {
    if (!b.max || *quotient <= *b.max) {
      return b.code;
    }
  }
  return brackets.back().code;
}

bool Tariffs::resident_by_address(const std::string& postal_code, const std::string& city) const {
  if (!postal_code.empty() && resident_postal_codes.count(postal_code) != 0) {
    return true;
  }
  return !city.empty() && resident_communes.count(fold_key(city)) != 0;
}

const CategoryPrices* Tariffs::category_for(const std::string& tariff_category, const std::string& department) const {
  const std::string key = fold_key(tariff_category.empty() ? department : tariff_category);
  if (key.empty()) {
    return nullptr;
  }
  for (const auto& c : categories) {
    if (c.key == key) {
      return &c;
    }
  }
  return nullptr;
}

std::int64_t Tariffs::sibling_rate(int rank) const {
  std::int64_t rate = 0;
  for (const auto& [r, hundredths] : sibling_discounts) {
    if (r <= rank) {
      rate = hundredths;
    }
  }
  return rate;
}

Tariffs parse_tariffs(const YAML::Node& root, const std::string& file) {
  return Parser(file).parse(root);
}

Tariffs load_tariffs(const std::string& file) {
  return parse_tariffs(load_yaml_input(file, "tariff file "), file);
}

}  // namespace imuse
