#pragma once
// Pure billing computation: lines, discounts, totals and instalments of one family, and the
// corrections (correcting invoice, credit notes) between what was billed and what is due now.
// No database: core/billing/invoices.cpp feeds it rows and writes what it returns.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/tariffs.hpp"
#include "util/french.hpp"
#include "util/money.hpp"

namespace imuse {

// What the tariffs need to know of a family.
struct FamilyFacts {
  std::int64_t id = 0;
  std::optional<int> quotient;
  std::optional<bool> resident;  // families.resident: overrides the address when set
  std::string postal_code;
  std::string city;
  int schedule = 1;  // 1, 2, 3 or 9
};

// One enrolment of the year, not withdrawn.
struct EnrolmentFacts {
  std::int64_t student_id = 0;
  std::string student_name;  // "Zoé Lefèvre"
  Date birth_date;
  std::int64_t course_id = 0;
  std::string course_name;
  std::string tariff_category;  // "" when the course has none: the department is used
  std::string department;
};

// One rental of the year.
struct RentalFacts {
  std::int64_t id = 0;
  std::optional<std::int64_t> student_id;
  std::string student_name;  // "" when the rental is the family's
  std::string label;
  std::string tariff_code;
  bool per_term = false;  // rentals.period = 'term'
  int quantity = 1;
  std::optional<Date> starts_on;
  std::optional<Date> ends_on;
};

// An invoice line: quantity × unit price − discount = amount.
struct Line {
  std::string key;  // line_key (0004_billing.sql)
  std::string label;
  std::optional<std::int64_t> student_id;
  std::optional<std::int64_t> course_id;
  std::optional<std::int64_t> rental_id;
  int quantity = 1;
  Cents unit_price = 0;
  Cents discount = 0;
  Cents amount() const { return quantity * unit_price - discount; }
};

// The tuition lines of a family: one per enrolment (category price for its bracket and
// residency, sibling discount by rank: students ordered by birth date, eldest first, then by
// id), then per-student fees, then per-family fees. DataError naming the course, its category
// and the bracket when the grid has no price for it.
std::vector<Line> tuition_lines(const Tariffs& tariffs, const FamilyFacts& family,
                                const std::vector<EnrolmentFacts>& enrolments);
// The rental lines of a family: per-year price × quantity, or per-term price × quantity × the
// number of the grid's terms the rental's dates overlap. DataError when the grid has no price.
std::vector<Line> rental_lines(const Tariffs& tariffs, const std::vector<RentalFacts>& rentals);

// Whether a family is resident under the tariffs (families.resident first, then the address).
bool is_resident(const Tariffs& tariffs, const FamilyFacts& family);

// `total` split into `count` instalments summing exactly to it, the remainder cents on the
// first (100,00 € in 3: 33,34 + 33,33 + 33,33). Fewer instalments when total < count cents;
// none for a total of 0.
std::vector<Cents> split_instalments(Cents total, int count);

// Days since 1970-01-01 and back, for due-date arithmetic.
std::int64_t days_from_epoch(const Date& d);
Date date_from_epoch(std::int64_t days);

// Due dates of an invoice issued on `issued`: the schedule's dates on or after it, or one date
// `due_days` after it when none is left.
std::vector<Date> due_dates(const std::vector<Date>& schedule, const Date& issued, int due_days);

// What an issued invoice bills for one key, net of the credit notes that corrected it.
struct BilledKey {
  std::int64_t invoice_id = 0;  // the invoice (never a credit note)
  std::int64_t site_id = 0;
  Line line;  // label, ids of the invoice's line; amount unused
  Cents net = 0;
};

// A credit note to issue against one invoice.
struct CreditPlan {
  std::int64_t invoice_id = 0;
  std::int64_t site_id = 0;
  std::vector<Line> lines;
  Cents total() const;
};

// What a run must issue for one family and ledger.
struct CorrectionPlan {
  std::vector<Line> invoice_lines;  // new invoice (or correcting invoice when something was billed)
  bool correcting = false;          // the family already has invoices on this ledger and year
  std::vector<CreditPlan> credit_notes;
  Cents invoice_total() const;
  bool empty() const { return invoice_lines.empty() && credit_notes.empty(); }
};

// Compares the lines due now with what is billed per key: keys whose amount went up go on one
// invoice (the whole line when nothing is billed for the key, else the difference); keys that
// went down or disappeared are credited, latest invoice first, never more than an invoice billed
// for the key, one credit note per corrected invoice.
CorrectionPlan plan_corrections(const std::vector<Line>& wanted, const std::vector<BilledKey>& billed);

}  // namespace imuse
