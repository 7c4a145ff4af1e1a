#pragma once
// The registration table: one entry per command group, one file per group in commands/.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace imuse::cli {

using RegisterFn = void (*)(CLI::App&, Context&);

struct CommandGroup {
  const char* name;
  const char* description;
  RegisterFn add;
};

void register_campaign(CLI::App& group, Context& ctx);
void register_changes(CLI::App& group, Context& ctx);
void register_config(CLI::App& group, Context& ctx);
void register_courses(CLI::App& group, Context& ctx);
void register_db(CLI::App& group, Context& ctx);
void register_documents(CLI::App& group, Context& ctx);
void register_enrolments(CLI::App& group, Context& ctx);
void register_families(CLI::App& group, Context& ctx);
void register_identifiers(CLI::App& group, Context& ctx);
void register_invoices(CLI::App& group, Context& ctx);
void register_mail(CLI::App& group, Context& ctx);
void register_passwords(CLI::App& group, Context& ctx);
void register_payments(CLI::App& group, Context& ctx);
void register_receipts(CLI::App& group, Context& ctx);
void register_rentals(CLI::App& group, Context& ctx);
void register_sepa(CLI::App& group, Context& ctx);
void register_site(CLI::App& group, Context& ctx);
void register_treasury(CLI::App& group, Context& ctx);
// `invoices pdf`, added to the invoices group (commands/receipts.cpp).
void add_invoices_pdf(CLI::App& invoices, Context& ctx);
// `invoices remind`, added to the invoices group (commands/treasury.cpp).
void add_invoices_remind(CLI::App& invoices, Context& ctx);
// `families mandate`, added to the families group (commands/sepa.cpp).
void add_families_mandate(CLI::App& families, Context& ctx);

inline const CommandGroup kCommandGroups[] = {
    {"campaign", "Open, follow, remind and close re-enrolment campaigns", register_campaign},
    {"changes", "Approve or reject what families submitted: identity edits, re-enrolments, documents",
     register_changes},
    {"config", "Show and check the effective configuration", register_config},
    {"courses", "Import, export and list the course catalogue", register_courses},
    {"db", "Create and upgrade the database schema (migrations)", register_db},
    {"documents", "List the documents families owe or provided, and fetch a stored file", register_documents},
    {"enrolments", "Import and export students' enrolments in courses, year by year", register_enrolments},
    {"families", "Import, export, list, show, de-duplicate and merge families and their students",
     register_families},
    {"identifiers", "Give families their portal login identifiers and send them by e-mail", register_identifiers},
    {"invoices", "Bill families from enrolments and rentals, check numbering, print invoice PDFs",
     register_invoices},
    {"mail", "Deliver the queued e-mails (outbox) and follow their delivery", register_mail},
    {"passwords", "Generate, send and reset portal passwords", register_passwords},
    {"payments", "Record and import payments (cheque, cash, card, transfer, direct debit, PayFIP)",
     register_payments},
    {"receipts", "Print receipt PDFs for recorded payments", register_receipts},
    {"rentals", "Import and list instrument, room and equipment rentals", register_rentals},
    {"sepa", "Export SEPA direct-debit files (pain.008), cancel them, import returned debits", register_sepa},
    {"site", "Manage the sites (schools) and their portal URLs", register_site},
    {"treasury", "Transfer unpaid overdue invoices to the Trésor Public (PES V2, payment mode TAV)",
     register_treasury},
};

}  // namespace imuse::cli
