#include <catch2/catch.hpp>
#include <numeric>

#include "billing/compute.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

// Brackets A <= 500 < B <= 1000 < C; residents 73200; Instrument resident {A 100, B 200,
// C 333,33}, non-resident 400; Danse resident only; 10 % for the 2nd, 25 % from the 3rd;
// a 15 € family fee.
Tariffs grid() {
  return parse_tariffs(YAML::Load("school_year: 2026/2027\n"
                                  "sites: [CONS1]\n"
                                  "quotient:\n"
                                  "  brackets: [{code: A, max: 500}, {code: B, max: 1000}, {code: C}]\n"
                                  "  without_quotient: C\n"
                                  "residency: {postal_codes: [\"73200\"]}\n"
                                  "categories:\n"
                                  "  - {name: Instrument, resident: {A: 100, B: 200, C: 333.33}, non_resident: 400}\n"
                                  "  - {name: Danse, resident: {A: 50}}\n"
                                  "sibling_discounts: {2: 10, 3: 25 %}\n"
                                  "fees: [{code: DOSSIER, label: Frais de dossier, per: family, amount: 15}]\n"
                                  "terms: [{starts_on: 2026-09-01, ends_on: 2026-12-19},\n"
                                  "        {starts_on: 2027-01-04, ends_on: 2027-04-03},\n"
                                  "        {starts_on: 2027-04-19, ends_on: 2027-07-03}]\n"
                                  "rentals: [{code: VIOLON, year: 120, term: 45}]\n"
                                  "schedules: {1: [2026-10-15], 2: [2026-10-15, 2027-02-15],\n"
                                  "  3: [2026-10-15, 2027-01-15, 2027-04-15],\n"
                                  "  9: [2026-10-05, 2026-11-05, 2026-12-05, 2027-01-05, 2027-02-05, 2027-03-05,\n"
                                  "      2027-04-05, 2027-05-05, 2027-06-05]}\n"),
                       "g.yaml");
}

EnrolmentFacts enrolment(std::int64_t student, const std::string& name, const std::string& born, std::int64_t course,
                         const std::string& course_name, const std::string& category) {
  EnrolmentFacts e;
  e.student_id = student;
  e.student_name = name;
  e.birth_date = *parse_date(born);
  e.course_id = course;
  e.course_name = course_name;
  e.tariff_category = category;
  e.department = "Instruments";
  return e;
}

FamilyFacts family(std::optional<int> quotient, const std::string& postal_code) {
  FamilyFacts f;
  f.id = 7;
  f.quotient = quotient;
  f.postal_code = postal_code;
  return f;
}

Cents total(const std::vector<Line>& lines) {
  Cents t = 0;
  for (const auto& l : lines) {
    t += l.amount();
  }
  return t;
}

}  // namespace

TEST_CASE("instalments sum exactly to the total, remainder cents on the first", "[billing]") {
  CHECK(split_instalments(10000, 3) == std::vector<Cents>{3334, 3333, 3333});
  CHECK(split_instalments(10000, 1) == std::vector<Cents>{10000});
  CHECK(split_instalments(65175, 9) == std::vector<Cents>{7247, 7241, 7241, 7241, 7241, 7241, 7241, 7241, 7241});
  CHECK(split_instalments(5, 9) == std::vector<Cents>{1, 1, 1, 1, 1});  // no instalment of 0
  CHECK(split_instalments(0, 3).empty());
  for (Cents t : {1, 2, 99, 100, 101, 12345, 99999, 100001}) {
    for (int n : {1, 2, 3, 9}) {
      const auto parts = split_instalments(t, n);
      CHECK(std::accumulate(parts.begin(), parts.end(), Cents{0}) == t);
      CHECK(*std::min_element(parts.begin(), parts.end()) > 0);
    }
  }
}

TEST_CASE("bracket and residency choose the price; families.resident overrides the address", "[billing]") {
  const auto t = grid();
  const std::vector<EnrolmentFacts> piano = {enrolment(1, "Zoé L", "2014-09-03", 10, "Piano", "Instrument")};
  // 450 -> A, resident: 100 + 15 fee.
  CHECK(total(tuition_lines(t, family(450, "73200"), piano)) == 11500);
  // 501 -> B: 200 + 15.
  CHECK(total(tuition_lines(t, family(501, "73200"), piano)) == 21500);
  // No quotient -> C: 333,33 + 15.
  CHECK(total(tuition_lines(t, family(std::nullopt, "73200"), piano)) == 34833);
  // Not resident: 400 + 15, whatever the bracket.
  CHECK(total(tuition_lines(t, family(450, "73000"), piano)) == 41500);
  auto forced = family(450, "73000");
  forced.resident = true;
  CHECK(total(tuition_lines(t, forced, piano)) == 11500);
  auto outside = family(450, "73200");
  outside.resident = false;
  CHECK(total(tuition_lines(t, outside, piano)) == 41500);
}

TEST_CASE("sibling ranks by birth date, eldest first; discounts rounded half up to the cent", "[billing]") {
  const auto t = grid();
  // Listed youngest first: the ranks come from the birth dates, not the order of the rows.
  const std::vector<EnrolmentFacts> e = {
      enrolment(3, "Léonie", "2019-03-08", 10, "Piano", "Instrument"),
      enrolment(1, "Mathéo", "2013-04-02", 10, "Piano", "Instrument"),
      enrolment(2, "Capucine", "2015-10-17", 11, "Violon", "Instrument"),
  };
  const auto lines = tuition_lines(t, family(std::nullopt, "73200"), e);  // bracket C: 333,33
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].key == "course:10:student:1");
  CHECK(lines[0].label == "Piano \xE2\x80\x94 Mathéo");
  CHECK(lines[0].discount == 0);
  // Rank 2: 10 % of 333,33 = 33,333 -> 33,33.
  CHECK(lines[1].student_id == 2);
  CHECK(lines[1].discount == 3333);
  CHECK(lines[1].amount() == 30000);
  // Rank 3: 25 % of 333,33 = 83,3325 -> 83,33.
  CHECK(lines[2].student_id == 3);
  CHECK(lines[2].discount == 8333);
  CHECK(lines[3].key == "fee:DOSSIER");
  CHECK(lines[3].amount() == 1500);
  // A half cent rounds up: 10 % of 0,05 € is 0,005 -> 0,01.
  CHECK(percent_of(5, 1000) == 1);
}

TEST_CASE("a missing price names the course, its category and the bracket", "[billing]") {
  const auto t = grid();
  const std::vector<EnrolmentFacts> dance = {enrolment(1, "Chloë", "2016-02-29", 12, "Danse classique 1C2", "Danse")};
  CHECK(total(tuition_lines(t, family(100, "73200"), dance)) == 6500);
  CHECK_THROWS_WITH(tuition_lines(t, family(700, "73200"), dance), Catch::Contains("\"Danse classique 1C2\"") &&
                                                                       Catch::Contains("category \"Danse\"") &&
                                                                       Catch::Contains("bracket B, resident"));
  CHECK_THROWS_WITH(tuition_lines(t, family(100, "73000"), dance), Catch::Contains("non_resident"));
  auto chant = enrolment(1, "Chloë", "2016-02-29", 13, "Chant", "");
  chant.department = "Voix";
  CHECK_THROWS_AS(tuition_lines(t, family(100, "73200"), {chant}), DataError);
}

TEST_CASE("rentals: per year × quantity, per term × terms covered", "[billing]") {
  const auto t = grid();
  RentalFacts year;
  year.id = 5;
  year.label = "Violon 1/2";
  year.tariff_code = "VIOLON";
  year.quantity = 2;
  RentalFacts term = year;
  term.id = 6;
  term.per_term = true;
  term.quantity = 1;
  term.starts_on = parse_date("2026-11-01");  // overlaps terms 1 and 2
  term.ends_on = parse_date("2027-02-28");
  const auto lines = rental_lines(t, {year, term});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].key == "rental:5");
  CHECK(lines[0].amount() == 24000);
  CHECK(lines[1].quantity == 2);
  CHECK(lines[1].amount() == 9000);
  RentalFacts unknown = year;
  unknown.tariff_code = "HARPE";
  CHECK_THROWS_WITH(rental_lines(t, {unknown}), Catch::Contains("HARPE"));
}

TEST_CASE("due dates: the schedule's dates on or after the issue date, else issue + due_days", "[billing]") {
  const auto t = grid();
  const auto& three = t.schedules.at(3);
  CHECK(due_dates(three, *parse_date("2026-10-01"), 30).size() == 3);
  const auto late = due_dates(three, *parse_date("2027-01-15"), 30);
  REQUIRE(late.size() == 2);
  CHECK(late[0].iso() == "2027-01-15");
  const auto after = due_dates(three, *parse_date("2027-05-20"), 30);
  REQUIRE(after.size() == 1);
  CHECK(after[0].iso() == "2027-06-19");
  CHECK(date_from_epoch(days_from_epoch(*parse_date("2028-02-28")) + 1).iso() == "2028-02-29");
}

TEST_CASE("corrections: more is invoiced, less is credited on the invoice that billed it", "[billing]") {
  auto line = [](const std::string& key, Cents amount) {
    Line l;
    l.key = key;
    l.label = key;
    l.unit_price = amount;
    return l;
  };
  auto billed = [&](std::int64_t invoice, const std::string& key, Cents net) {
    BilledKey b;
    b.invoice_id = invoice;
    b.site_id = 1;
    b.line = line(key, 0);
    b.net = net;
    return b;
  };
  // Nothing billed: everything on one invoice.
  auto p = plan_corrections({line("a", 100), line("b", 0)}, {});
  CHECK_FALSE(p.correcting);
  CHECK(p.invoice_lines.size() == 1);  // a line of 0 is not billed
  CHECK(p.invoice_total() == 100);
  // Same amounts: nothing to do.
  CHECK(plan_corrections({line("a", 100)}, {billed(1, "a", 100)}).empty());
  // a up by 30 (difference line), b gone (credited 50 on invoice 1), c new (whole line).
  p = plan_corrections({line("a", 130), line("c", 20)}, {billed(1, "a", 100), billed(1, "b", 50)});
  CHECK(p.correcting);
  REQUIRE(p.invoice_lines.size() == 2);
  CHECK(p.invoice_lines[0].amount() == 30);
  CHECK(p.invoice_lines[1].amount() == 20);
  REQUIRE(p.credit_notes.size() == 1);
  CHECK(p.credit_notes[0].invoice_id == 1);
  CHECK(p.credit_notes[0].total() == 50);
  // A key billed on two invoices (100 then +30), now 20: credit 30 on the latest, 80 on the first.
  p = plan_corrections({line("a", 20)}, {billed(1, "a", 100), billed(2, "a", 30)});
  REQUIRE(p.credit_notes.size() == 2);
  CHECK(p.credit_notes[0].invoice_id == 1);
  CHECK(p.credit_notes[0].total() == 80);
  CHECK(p.credit_notes[1].invoice_id == 2);
  CHECK(p.credit_notes[1].total() == 30);
  CHECK(p.invoice_lines.empty());
}
