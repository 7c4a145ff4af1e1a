#include "sepa/pain008.hpp"

#include <stdexcept>

#include "sepa/iban.hpp"
#include "util/xml.hpp"

namespace imuse::sepa {

namespace {

constexpr const char* kNamespace = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02";

void write_bic(xml::Writer& w, std::string_view bic) {
  w.start("FinInstnId");
  if (bic.empty()) {
    // IBAN-only debit (EPC rule since 2016): the agent is "NOTPROVIDED".
    w.start("Othr");
    w.text_element("Id", "NOTPROVIDED");
    w.end();
  } else {
    w.text_element("BIC", bic);
  }
  w.end();
}

void write_account(xml::Writer& w, const char* element, std::string_view iban) {
  w.start(element);
  w.start("Id");
  w.text_element("IBAN", iban);
  w.end();
  w.end();
}

void write_name(xml::Writer& w, const char* element, std::string_view name) {
  const std::string text = sepa_text(name, 70);
  w.start(element);
  // A name with no Latin letter at all (the schema wants one character at least).
  w.text_element("Nm", text.empty() ? std::string("NOTPROVIDED") : text);
  w.end();
}

}  // namespace

Pain008Writer::Pain008Writer(const std::string& path, const Creditor& creditor, const Pain008Header& header)
    : writer_(std::make_unique<xml::Writer>(path, "UTF-8")), creditor_(creditor), header_(header) {
  auto& w = *writer_;
  w.start_document();
  w.start_root("", "Document", kNamespace);
  w.start("CstmrDrctDbtInitn");
  w.start("GrpHdr");
  w.text_element("MsgId", header_.message_id);
  w.text_element("CreDtTm", header_.created_at);
  w.text_element("NbOfTxs", std::to_string(header_.transactions));
  w.text_element("CtrlSum", format_decimal(header_.control_sum));
  write_name(w, "InitgPty", creditor_.name);
  w.end();
}

Pain008Writer::~Pain008Writer() = default;

void Pain008Writer::begin_block(const std::string& sequence_type, std::int64_t transactions, Cents control_sum) {
  end_block();
  block_ = sequence_type;
  block_declared_count_ = transactions;
  block_declared_sum_ = control_sum;
  block_count_ = 0;
  block_sum_ = 0;
  auto& w = *writer_;
  w.start("PmtInf");
  w.text_element("PmtInfId", header_.message_id.substr(0, 30) + "-" + sequence_type);
  w.text_element("PmtMtd", "DD");
  w.text_element("BtchBookg", "true");
  w.text_element("NbOfTxs", std::to_string(transactions));
  w.text_element("CtrlSum", format_decimal(control_sum));
  w.start("PmtTpInf");
  w.start("SvcLvl");
  w.text_element("Cd", "SEPA");
  w.end();
  w.start("LclInstrm");
  w.text_element("Cd", "CORE");
  w.end();
  w.text_element("SeqTp", sequence_type);
  w.end();
  w.text_element("ReqdColltnDt", header_.collection_date);
  write_name(w, "Cdtr", creditor_.name);
  write_account(w, "CdtrAcct", creditor_.iban);
  w.start("CdtrAgt");
  write_bic(w, creditor_.bic);
  w.end();
  w.text_element("ChrgBr", "SLEV");
  w.start("CdtrSchmeId");
  w.start("Id");
  w.start("PrvtId");
  w.start("Othr");
  w.text_element("Id", creditor_.ics);
  w.start("SchmeNm");
  w.text_element("Prtry", "SEPA");
  w.end();
  w.end();
  w.end();
  w.end();
  w.end();
}

void Pain008Writer::add(const DirectDebit& d) {
  if (block_.empty()) {
    throw std::logic_error("pain.008: a transaction outside a payment block");
  }
  auto& w = *writer_;
  w.start("DrctDbtTxInf");
  w.start("PmtId");
  w.text_element("EndToEndId", d.end_to_end_id);
  w.end();
  w.start("InstdAmt");
  w.attribute("Ccy", "EUR");
  w.text(format_decimal(d.amount));
  w.end();
  w.start("DrctDbtTx");
  w.start("MndtRltdInf");
  w.text_element("MndtId", d.mandate_id);
  w.text_element("DtOfSgntr", d.mandate_signed_on);
  w.end();
  w.end();
  w.start("DbtrAgt");
  write_bic(w, d.debtor_bic);
  w.end();
  write_name(w, "Dbtr", d.debtor_name);
  write_account(w, "DbtrAcct", d.debtor_iban);
  w.start("RmtInf");
  w.text_element("Ustrd", sepa_text(d.remittance, 140));
  w.end();
  w.end();
  ++block_count_;
  block_sum_ += d.amount;
}

void Pain008Writer::end_block() {
  if (block_.empty()) {
    return;
  }
  if (block_count_ != block_declared_count_ || block_sum_ != block_declared_sum_) {
    throw std::logic_error("pain.008: payment block " + block_ + " declares " + std::to_string(block_declared_count_) +
                           " transactions for " + format_decimal(block_declared_sum_) + " but holds " +
                           std::to_string(block_count_) + " for " + format_decimal(block_sum_));
  }
  writer_->end();
  total_count_ += block_count_;
  total_sum_ += block_sum_;
  block_.clear();
}

void Pain008Writer::finish() {
  end_block();
  if (total_count_ != header_.transactions || total_sum_ != header_.control_sum) {
    throw std::logic_error("pain.008: the group header declares " + std::to_string(header_.transactions) +
                           " transactions for " + format_decimal(header_.control_sum) + " but the file holds " +
                           std::to_string(total_count_) + " for " + format_decimal(total_sum_));
  }
  writer_->finish();
}

}  // namespace imuse::sepa
