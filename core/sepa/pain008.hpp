#pragma once
// SEPA: the pain.008.001.02 direct-debit file (CORE scheme), written streaming with libxml2 in
// UTF-8: a group header, then one payment block (PmtInf) per sequence type, each transaction as
// it comes. Counts and sums are declared before the transactions (the caller aggregates them
// first) and checked against what was streamed when the file is finished.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/money.hpp"

namespace imuse::xml {
class Writer;
}

namespace imuse::sepa {

// The creditor: the school's account that direct debits are paid into.
struct Creditor {
  std::string name;  // any UTF-8: written in the SEPA Latin subset, at most 70 characters
  std::string iban;  // normal form, checked
  std::string bic;   // normal form, checked
  std::string ics;   // creditor identifier, checked
};

// The group header of the file.
struct Pain008Header {
  std::string message_id;       // MsgId, unique per creditor (SEPA identifier characters, ≤ 35)
  std::string created_at;       // CreDtTm: "2026-11-23T10:15:00"
  std::string collection_date;  // ReqdColltnDt of every block (ISO date): one date per file
  std::int64_t transactions = 0;
  Cents control_sum = 0;
};

// One direct debit. Texts are UTF-8; names and remittance are written in the SEPA subset.
struct DirectDebit {
  std::string_view end_to_end_id;  // SEPA identifier characters, ≤ 35
  Cents amount = 0;
  std::string_view mandate_id;         // RUM
  std::string_view mandate_signed_on;  // ISO date
  std::string_view debtor_bic;         // "" = not provided (IBAN-only)
  std::string_view debtor_name;        // cut to 70 characters
  std::string_view debtor_iban;        // normal form: the only place a full IBAN is ever written
  std::string_view remittance;         // RmtInf/Ustrd, cut to 140 characters
};

class Pain008Writer {
 public:
  // Opens `path` and writes the group header.
  Pain008Writer(const std::string& path, const Creditor& creditor, const Pain008Header& header);
  ~Pain008Writer();
  Pain008Writer(const Pain008Writer&) = delete;
  Pain008Writer& operator=(const Pain008Writer&) = delete;

  // Starts the payment block of `sequence_type` (FRST, RCUR, OOFF, FNAL), closing the previous one.
  void begin_block(const std::string& sequence_type, std::int64_t transactions, Cents control_sum);
  // Writes one transaction into the current block.
  void add(const DirectDebit& debit);
  // Closes the document. std::logic_error when what was streamed differs from what was declared
  // (a block's or the file's count or sum): the file must not be handed over.
  void finish();

 private:
  void end_block();
  std::unique_ptr<xml::Writer> writer_;
  Creditor creditor_;
  Pain008Header header_;
  std::string block_;
  std::int64_t block_declared_count_ = 0;
  Cents block_declared_sum_ = 0;
  std::int64_t block_count_ = 0;
  Cents block_sum_ = 0;
  std::int64_t total_count_ = 0;
  Cents total_sum_ = 0;
};

}  // namespace imuse::sepa
