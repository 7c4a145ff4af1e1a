// imuse-admin payments record|import|list|cancel
#include "commands/common.hpp"
#include "billing/payments.hpp"

#include <algorithm>
#include <memory>

#include "commands/flat_options.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

const std::vector<std::string> kModes = {"cheque", "cash", "card", "transfer", "direct-debit", "payfip"};

// --mode: one of kModes; TAV gets its own answer, since offices may expect to type it.
const CLI::Validator kModeCheck(
    [](std::string& value) -> std::string {
      if (is_tav_mode(value)) {
        return "TAV (transfer to the Trésor Public) is recorded only by the treasury export";
      }
      if (std::find(kModes.begin(), kModes.end(), value) == kModes.end()) {
        return "expected cheque, cash, card, transfer, direct-debit or payfip, got \"" + value + "\"";
      }
      return "";
    },
    "MODE");

std::string mode_value(const std::string& cli_mode) {
  return parse_payment_mode(cli_mode).value_or("");
}

struct RecordArgs {
  std::string invoice;
  std::string amount;
  std::string mode;
  std::string date;
  std::string reference;
  int instalment = 0;
  bool allow_overpayment = false;
};

void add_record(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<RecordArgs>();
  auto* cmd = group.add_subcommand("record", "Record one payment of an invoice and give it a receipt number");
  cmd->add_option("--invoice", a->invoice, "Invoice number (FACT20262027000001) or PayFIP reference")->required();
  cmd->add_option("--amount", a->amount, "Amount paid: 24,00 or 24.00 (euros)")->required();
  cmd->add_option("--mode", a->mode, "cheque, cash, card, transfer, direct-debit or payfip")
      ->required()
      ->check(kModeCheck);
  cmd->add_option("--date", a->date, "Date of the payment: 05/10/2026 or 2026-10-05")->required();
  cmd->add_option("--ref", a->reference, "Cheque number, bank or PayFIP reference of the payment");
  cmd->add_option("--instalment", a->instalment, "Number of the instalment (échéance) this payment settles")
      ->check(CLI::Range(1, 12));
  cmd->add_flag("--allow-overpayment", a->allow_overpayment,
                "Record an amount above what is still due (refused otherwise, exit 65)");
  cmd->callback([a, &ctx] {
    RecordPaymentOptions o;
    o.invoice = a->invoice;
    const auto amount = parse_amount(a->amount);
    if (!amount || *amount == 0) {
      throw CLI::ValidationError("--amount",
                                 "expected a positive amount such as 24,00 or 24.00, got \"" + a->amount + "\"");
    }
    o.amount = *amount;
    o.mode = mode_value(a->mode);
    const auto date = parse_date(a->date);
    if (!date) {
      throw CLI::ValidationError("--date", "expected a date such as 05/10/2026 (dd/mm/yyyy), got \"" + a->date + "\"");
    }
    o.paid_on = *date;
    o.reference = a->reference;
    if (a->instalment > 0) {
      o.instalment = a->instalment;
    }
    o.allow_overpayment = a->allow_overpayment;
    ctx.select(Action{"payments record", Needs::database, true, true, [o](Session& s, Report& r) {
                        RecordPaymentOptions run = o;
                        run.site = filter_site(s);
                        run.actor = s.actor;
                        record_payment(*s.tx, run, r);
                      }});
  });
}

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<FlatImportArgs>();
  auto mode = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("import",
                                   "Import a bank or PayFIP statement (CSV): each line is matched to an invoice by "
                                   "the number or PayFIP reference in its label");
  add_flat_import_options(cmd, *o, "payments");
  cmd->get_option("FILE")->description("CSV files: Date, Montant, Référence (or Libellé), Mode, Identifiant opération");
  cmd->add_option("--mode", *mode, "Mode of the lines without a Mode column or cell")->check(kModeCheck);
  cmd->callback([o, mode, &ctx] {
    PaymentsImportOptions options;
    static_cast<FlatImportOptions&>(options) = checked(*o);
    options.default_mode = mode->empty() ? "" : mode_value(*mode);
    ctx.select(Action{"payments import", Needs::database, true, true, [options](Session& s, Report& r) {
                        PaymentsImportOptions run = options;
                        run.default_site = filter_site(s);
                        run.dry_run = s.global.dry_run;
                        run.actor = s.actor;
                        import_payments(*s.tx, run, s.progress, r);
                      }});
  });
}

void add_list_cancel(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<PaymentListOptions>();
  auto* list = group.add_subcommand("list", "List payments, newest first");
  list->add_option("--invoice", o->invoice, "Only the payments of this invoice");
  list->add_option("--family", o->family, "Only this family's: id, login identifier or reference");
  list->add_option("--year", o->school_year, "Only the invoices of this school year, e.g. 2026/2027");
  list->callback([o, &ctx] {
    PaymentListOptions options = *o;
    if (!options.school_year.empty()) {
      options.school_year = school_year_option(options.school_year);
    }
    ctx.select(Action{"payments list", Needs::database, false, true, [options](Session& s, Report& r) {
                        PaymentListOptions run = options;
                        run.site = filter_site(s);
                        list_payments(*s.tx, run, r);
                      }});
  });

  struct CancelArgs {
    long long id = 0;
    std::string reason;
  };
  auto c = std::make_shared<CancelArgs>();
  auto* cancel = group.add_subcommand("cancel",
                                      "Cancel a payment (a bounced cheque, a mistake): the row stays, "
                                      "the invoice is due again");
  cancel->add_option("ID", c->id, "Payment id (see 'payments list')")->required()->check(CLI::PositiveNumber);
  cancel->add_option("--reason", c->reason, "Why it is cancelled (kept with the payment)")->required();
  cancel->callback([c, &ctx] {
    const CancelArgs a = *c;
    ctx.select(Action{"payments cancel", Needs::database, true, true,
                      [a](Session& s, Report& r) { cancel_payment(*s.tx, a.id, a.reason, s.actor, r); }});
  });
}

}  // namespace

void register_payments(CLI::App& group, Context& ctx) {
  add_record(group, ctx);
  add_import(group, ctx);
  add_list_cancel(group, ctx);
}

}  // namespace imuse::cli
