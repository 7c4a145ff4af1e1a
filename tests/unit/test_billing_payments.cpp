#include <catch2/catch.hpp>

#include "billing/payments.hpp"
#include "billing/rentals.hpp"
#include "billing/statement.hpp"

using namespace imuse;

using Words = std::vector<std::string>;

TEST_CASE("reference_candidates finds invoice numbers inside bank labels") {
  CHECK(reference_candidates("VIR SEPA DUPONT FACT20262027000012") == Words{"FACT20262027000012"});
  CHECK(reference_candidates("FACT20262027000012") == Words{"FACT20262027000012"});
  // Lower case, punctuation around it, and a second mention of the same number.
  CHECK(reference_candidates("Cotisation fact20262027000003/ECH1 (fact20262027000003)") == Words{"FACT20262027000003"});
  // A bank that cut the number in two: the letters and the digits are glued back.
  CHECK(reference_candidates("PRLV FACT 20262027000012") == Words{"FACT20262027000012"});
  // Two invoices paid at once: both are candidates, the import reports the line as ambiguous.
  CHECK(reference_candidates("REGLT FACT20262027000001 ET FACT20262027000002") ==
        Words{"FACT20262027000001", "FACT20262027000002"});
  // A PayFIP reference need not start with FACT.
  CHECK(reference_candidates("PAYFIP 7X3K9Q2B") == Words{"7X3K9Q2B"});
}

TEST_CASE("reference_candidates ignores words that cannot be references") {
  CHECK(reference_candidates("VIR SEPA DUPONT MARIE").empty());  // no digit
  CHECK(reference_candidates("CHEQUE 1234567").empty());         // digits only, no letter
  CHECK(reference_candidates("REF A12").empty());                // too short
  CHECK(reference_candidates("").empty());
  // Letters and digits are glued back only for a long run of digits (an invoice sequence), so a
  // cheque number after "CHQ" is not taken for a reference.
  CHECK(reference_candidates("REMISE CHQ 4471203 FACT 20262027000003") == Words{"FACT20262027000003"});
}

TEST_CASE("parse_payment_mode reads the command line, French labels and bank abbreviations") {
  CHECK(parse_payment_mode("cheque") == "cheque");
  CHECK(parse_payment_mode("Chèque") == "cheque");
  CHECK(parse_payment_mode("CHQ") == "cheque");
  CHECK(parse_payment_mode("Espèces") == "cash");
  CHECK(parse_payment_mode("CB") == "card");
  CHECK(parse_payment_mode("Carte bancaire") == "card");
  CHECK(parse_payment_mode("Virement") == "transfer");
  CHECK(parse_payment_mode("VIR SEPA") == "transfer");
  CHECK(parse_payment_mode("direct-debit") == "direct_debit");
  CHECK(parse_payment_mode("Prélèvement") == "direct_debit");
  CHECK(parse_payment_mode("PRLV") == "direct_debit");
  CHECK(parse_payment_mode("PayFIP") == "payfip");
  CHECK_FALSE(parse_payment_mode("TAV"));  // only the treasury export records TAV
  CHECK(is_tav_mode("tav"));
  CHECK_FALSE(is_tav_mode("transfer"));
  CHECK_FALSE(parse_payment_mode("bitcoin"));
  CHECK_FALSE(parse_payment_mode(""));
  // Every mode the parser gives has the label of the portal's ledger.
  CHECK(payment_mode_label(*parse_payment_mode("direct-debit")) == "Prélèvement");
  CHECK(payment_mode_label("cash") == "Espèces");
  CHECK(payment_mode_label("card") == "Carte bancaire");
  CHECK(payment_mode_label("tav") == "TAV");
}

TEST_CASE("document_number: series, the school year's digits and a 6-digit sequence") {
  CHECK(document_number("RECU", "2026/2027", 1) == "RECU20262027000001");
  CHECK(document_number("FACT", "2025/2026", 123456) == "FACT20252026123456");
}

TEST_CASE("statement_totals: billed, paid, balance and what is left to pay") {
  // An invoice of 300,00 €, a credit note of 20,00 € and two payments (24,00 € cheque, 100,00 € TAV):
  // billed 300 − 20 = 280; paid 24 + 100 = 124; balance 124 − 280 = −156 (owed); to pay 156.
  std::vector<StatementLine> lines(4);
  lines[0].entry = LedgerEntry::invoice;
  lines[0].debit = 30000;
  lines[0].discount = 1500;  // a discount is already inside the invoice's total: not subtracted again
  lines[1].entry = LedgerEntry::credit_note;
  lines[1].credit = 2000;
  lines[2].entry = LedgerEntry::payment;
  lines[2].credit = 2400;
  lines[3].entry = LedgerEntry::payment;
  lines[3].mode = "tav";
  lines[3].credit = 10000;
  const auto t = statement_totals(lines);
  CHECK(t.billed == 28000);
  CHECK(t.paid == 12400);
  CHECK(t.balance == -15600);
  CHECK(t.to_pay == 15600);

  // Overpaid: the balance is positive and nothing is left to pay (never negative).
  std::vector<StatementLine> over(2);
  over[0].entry = LedgerEntry::invoice;
  over[0].debit = 5000;
  over[1].entry = LedgerEntry::payment;
  over[1].credit = 6000;
  const auto o = statement_totals(over);
  CHECK(o.balance == 1000);
  CHECK(o.to_pay == 0);

  CHECK(statement_totals({}).to_pay == 0);
}

TEST_CASE("rental kinds and periods in French or English") {
  CHECK(parse_rental_kind("Instrument") == "instrument");
  CHECK(parse_rental_kind("salle") == "room");
  CHECK(parse_rental_kind("room") == "room");
  CHECK(parse_rental_kind("Matériel") == "equipment");
  CHECK(parse_rental_kind("equipment") == "equipment");
  CHECK(parse_rental_kind("piano").empty());
  CHECK(parse_rental_period("Année") == "year");
  CHECK(parse_rental_period("year") == "year");
  CHECK(parse_rental_period("trimestre") == "term");
  CHECK(parse_rental_period("term") == "term");
  CHECK(parse_rental_period("mois").empty());
}
