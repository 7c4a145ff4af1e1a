#pragma once
// Looking families up: `families list` and `families show`.
#include <string>

#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse {

struct FamilyListOptions {
  std::string site;    // "" = every site
  std::string search;  // matched against names (accents and case ignored), e-mail, reference, phones
  long limit = 200;
};

// Fills the report's table with matching families (id, reference, site, names, e-mail, mobile,
// students, identifier).
void list_families(pqxx::transaction_base& tx, const FamilyListOptions& options, Report& report);
// Shows one family by id, login identifier or reference: identity, students with their current
// enrolments, account status. DataError when nothing or several families match.
void show_family(pqxx::transaction_base& tx, const std::string& key, const std::string& site, Report& report);
// The school year in progress on `iso_date` ("2026-11-23" -> "2026/2027"); it starts in September.
std::string school_year_of(const std::string& iso_date);

}  // namespace imuse
