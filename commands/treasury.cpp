// imuse-admin treasury export|list|show|cancel, and invoices remind
#include "treasury/treasury.hpp"

#include <memory>

#include "cli/commands.hpp"
#include "commands/common.hpp"
#include "treasury/reminders.hpp"
#include "util/money.hpp"

namespace imuse::cli {

namespace {

struct ExportArgs {
  int overdue_days = 0;
  std::string due_before;
  std::string min_amount;
  std::string out;
};

void add_export(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<ExportArgs>();
  auto* cmd = group.add_subcommand(
      "export", "Transfer the unpaid overdue instalments to the Trésor Public: a PES V2 file and TAV settlements");
  auto* days = cmd->add_option("--overdue-days", a->overdue_days,
                               "Transfer what is due more than N days ago (default treasury.overdue_days)")
                   ->check(CLI::Range(0, 3650));
  auto* before = cmd->add_option("--due-before", a->due_before, "Transfer what was due before this date instead");
  days->excludes(before);
  auto* min = cmd->add_option("--min-amount", a->min_amount,
                              "Leave out titles below this amount in euros (default treasury.min_amount)");
  cmd->add_option("--out", a->out, "The PES file to write (FILE.xml), or an existing folder: one file per site")
      ->required();
  cmd->callback([a, days, before, min, &ctx] {
    treasury::ExportOptions o;
    o.out = a->out;
    if (days->count() > 0) {
      o.overdue_days = a->overdue_days;
    }
    if (before->count() > 0) {
      const auto date = parse_date(a->due_before);
      if (!date) {
        throw CLI::ValidationError("--due-before",
                                   "expected a date such as 01/03/2027 (dd/mm/yyyy), got \"" + a->due_before + "\"");
      }
      o.due_before = *date;
    }
    if (min->count() > 0) {
      const auto amount = parse_amount(a->min_amount);
      if (!amount) {
        throw CLI::ValidationError("--min-amount", "expected an amount such as 15,00, got \"" + a->min_amount + "\"");
      }
      o.min_amount = *amount;
    }
    ctx.select(Action{"treasury export", Needs::connection, true, true, [o](Session& s, Report& r) {
                        treasury::ExportOptions run = o;
                        run.site = filter_site(s);
                        run.today = today(s);
                        run.dry_run = s.global.dry_run;
                        run.actor = s.actor;
                        treasury::export_bordereaux(*s.connection, s.config, run, r);
                      }});
  });
}

struct BordereauArgs {
  long number = 0;
  int year = 0;
  std::string reason;
};

void add_year(CLI::App* cmd, BordereauArgs& a, const char* what) {
  cmd->add_option("--year", a.year, what)->check(CLI::Range(2000, 2999));
}

// --site as typed, --year or the exercise of the run's date.
treasury::BordereauKey bordereau_key(const Session& s, long number, int year) {
  return treasury::BordereauKey{number, filter_site(s), year != 0 ? year : today(s).year};
}

void add_reading(CLI::App& group, Context& ctx) {
  auto l = std::make_shared<BordereauArgs>();
  auto* list = group.add_subcommand("list", "List the bordereaux: number, exercise, site, date, state, pieces, total");
  add_year(list, *l, "Only this exercise (calendar year), e.g. 2027");
  list->callback([l, &ctx] {
    const int year = l->year;
    ctx.select(Action{"treasury list", Needs::database, false, true,
                      [year](Session& s, Report& r) { treasury::list_bordereaux(*s.tx, filter_site(s), year, r); }});
  });

  auto sh = std::make_shared<BordereauArgs>();
  auto* show = group.add_subcommand("show", "Show a bordereau and its titles: invoice, family, amount");
  show->add_option("N", sh->number, "Bordereau number (IdBord) within its site and exercise")
      ->required()
      ->check(CLI::PositiveNumber);
  add_year(show, *sh, "Exercise of the bordereau (default: the current year)");
  show->callback([sh, &ctx] {
    const long number = sh->number;
    const int year = sh->year;
    ctx.select(Action{"treasury show", Needs::database, false, true, [number, year](Session& s, Report& r) {
                        treasury::show_bordereau(*s.tx, bordereau_key(s, number, year), r);
                      }});
  });
}

void add_cancel(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<BordereauArgs>();
  auto* cmd = group.add_subcommand(
      "cancel", "Cancel a bordereau the treasury rejected: its TAV settlements are cancelled, its number never reused");
  cmd->add_option("N", a->number, "Bordereau number (IdBord) within its site and exercise")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--reason", a->reason, "Why (e.g. the treasury's rejection message)")->required();
  add_year(cmd, *a, "Exercise of the bordereau (default: the current year)");
  cmd->callback([a, &ctx] {
    const long number = a->number;
    const int year = a->year;
    const std::string reason = a->reason;
    ctx.select(Action{"treasury cancel", Needs::database, true, true, [number, year, reason](Session& s, Report& r) {
                        treasury::cancel_bordereau(*s.tx, bordereau_key(s, number, year), reason, s.actor, r);
                      }});
  });
}

}  // namespace

void add_invoices_remind(CLI::App& invoices, Context& ctx) {
  auto o = std::make_shared<treasury::RemindOptions>();
  auto* cmd = invoices.add_subcommand(
      "remind", "E-mail families a reminder of their overdue unpaid invoices, once per invoice and level");
  cmd->add_option("--overdue-days", o->overdue_days, "Remind of what is due more than N days ago")
      ->required()
      ->check(CLI::Range(0, 3650));
  cmd->add_option("--level", o->level, "Reminder level: 1 (default) for the first, 2 for the second...")
      ->check(CLI::Range(1, 99));
  cmd->callback([o, &ctx] {
    const treasury::RemindOptions options = *o;
    ctx.select(Action{"invoices remind", Needs::database, true, true, [options](Session& s, Report& r) {
                        treasury::RemindOptions run = options;
                        run.site = filter_site(s);
                        run.today = today(s);
                        run.actor = s.actor;
                        treasury::remind_overdue(*s.tx, s.config, run, r);
                      }});
  });
}

void register_treasury(CLI::App& group, Context& ctx) {
  add_export(group, ctx);
  add_reading(group, ctx);
  add_cancel(group, ctx);
}

}  // namespace imuse::cli
