#pragma once
// Invoice, credit note and receipt PDFs: plain document structs in, PDF bytes out. Nothing here
// reads the database or the clock (billing/documents.hpp fills the structs).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pdf/document.hpp"
#include "util/french.hpp"
#include "util/money.hpp"

namespace imuse::pdf {

// The school as printed on its documents (configuration school.*, billing.*, or the site's own
// address when it has one).
struct Issuer {
  std::string name;
  std::vector<std::string> address;  // street lines
  std::string postal_code;
  std::string city;
  std::string phone;
  std::string email;
  std::string website;
  std::string siret;
  std::string legal_mentions;
  std::string payee;  // cheques to the order of
  std::string iban;
  std::string bic;
  std::string payfip_url;
};

// The family as addressed on the envelope.
struct Recipient {
  std::string name;                  // "Mme Léa Lefèvre"
  std::vector<std::string> address;  // street lines
  std::string postal_code;
  std::string city;
  std::string country;  // empty for France
};

struct InvoiceLine {
  std::string label;
  std::string student;  // "Zoé Lefèvre", empty for a family-level line
  int quantity = 1;
  Cents unit_price = 0;
  Cents discount = 0;
  Cents amount = 0;
};

struct Instalment {
  int number = 1;
  Date due_on;
  Cents amount = 0;
  bool direct_debit = false;
};

struct InvoiceDocument {
  std::string number;  // FACT20262027000123
  bool credit_note = false;
  std::string corrects_number;  // the invoice a credit note or correcting invoice refers to
  Date issued_on;
  Date due_on;
  std::string school_year;  // 2026/2027
  std::string ledger;       // tuition | rental
  std::string label;
  std::string payfip_reference;
  std::int64_t family_id = 0;
  Recipient recipient;
  std::vector<InvoiceLine> lines;
  std::vector<Instalment> instalments;
  Cents total = 0;
  Cents credited = 0;  // by credit notes
  Cents paid = 0;      // payments, including those transferred to the treasury
  Cents due = 0;       // still to pay
  bool duplicata = false;
};

struct ReceiptDocument {
  std::string number;  // RECU20262027000001
  Date paid_on;
  Recipient payer;
  std::int64_t family_id = 0;
  Cents amount = 0;
  std::string mode;       // cheque, cash, card, transfer, direct_debit, payfip, tav
  std::string reference;  // cheque or bank reference, may be empty
  std::string invoice_number;
  std::string school_year;
  std::string ledger;
  Cents invoice_total = 0;
  Cents remaining_due = 0;  // on the invoice, once this payment is counted
  bool duplicata = false;
};

// "Chèque", "Espèces", "Prélèvement"… as the families' ledger shows payment modes.
std::string payment_mode_label(const std::string& mode);
// "Cotisations" or "Locations".
std::string ledger_label(const std::string& ledger);

// Renders documents; safe to use from several threads at once (each call builds its own PoDoFo
// document), all sharing the loaded Assets.
class Renderer {
 public:
  explicit Renderer(std::shared_ptr<const Assets> assets);
  // One A4 page, more when the lines overflow (table header repeated, "Page 1/2").
  std::string invoice(const Issuer& issuer, const InvoiceDocument& doc, std::int64_t epoch) const;
  std::string receipt(const Issuer& issuer, const ReceiptDocument& doc, std::int64_t epoch) const;

 private:
  std::shared_ptr<const Assets> assets_;
};

}  // namespace imuse::pdf
