#pragma once
// Treasury: overdue-invoice reminders (relances) queued in the outbox.
#include <pqxx/pqxx>
#include <string>

#include "config/config.hpp"
#include "util/french.hpp"
#include "util/report.hpp"

namespace imuse::treasury {

struct RemindOptions {
  int overdue_days = 0;  // instalments due more than this many days before `today`
  int level = 1;         // reminder level (1 = first reminder, 2 = second...)
  std::string site;      // "" = every site
  Date today;
  std::string actor;
};

// `invoices remind`: for every issued invoice with an unpaid instalment overdue by
// `overdue_days` that no live bordereau holds (what `treasury export` would transfer with the
// same delay), queues one French e-mail (template invoice_reminder) to the family and records it
// in invoice_reminders, once per invoice and level (a re-run queues nothing; the outbox key is
// "invoice_reminder:<invoice id>:<level>"). Families without an e-mail address are rejected
// items (exit 1), listed so that the office can post a letter.
void remind_overdue(pqxx::work& tx, const Config& config, const RemindOptions& options, Report& report);

}  // namespace imuse::treasury
