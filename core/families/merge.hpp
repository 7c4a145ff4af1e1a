#pragma once
// Duplicate families: scoring likely pairs for a person to decide, and merging two records.
#include <string>

#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse {

struct DuplicateOptions {
  std::string site;    // "" = every site
  int min_score = 50;  // pairs below are not listed
  long limit = 500;
};

// Lists likely duplicate pairs, best first, with the score and what they share (accent-folded
// names, e-mail, phones, address, students' first names and birth dates).
void find_duplicates(pqxx::transaction_base& tx, const DuplicateOptions& options, Report& report);

enum class KeepAccount { refuse, keep, other };

// Moves everything of family `other` (students, documents, invoices, requests, mails, the
// account...) to family `keep`, fills `keep`'s blank fields from `other`, deletes `other`, and
// records both records in the audit log. A student present in both (same first name and birth
// date) becomes one. DataError when the merge would lose something it cannot decide on (two
// portal accounts without `account`, families of different sites).
void merge_families(pqxx::transaction_base& tx, long long keep, long long other, KeepAccount account,
                    const std::string& actor, Report& report);

}  // namespace imuse
