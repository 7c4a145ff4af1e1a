// imuse-admin changes list|show|approve|reject
#include <memory>

#include "commands/common.hpp"
#include "changes/changes.hpp"
#include "cli/commands.hpp"

namespace imuse::cli {

namespace {

struct ListOptions {
  std::string kind;
  int older_than = -1;
  std::int64_t id = 0;
};

struct DecideArgs {
  std::vector<std::int64_t> ids;
  std::string kind;
  bool all = false;
  bool force = false;
  std::string reason;
};

void add_reading(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ListOptions>();
  auto* list = group.add_subcommand("list", "List the changes waiting for the office, oldest first");
  list->add_option("--kind", o->kind, "identity, reenrolment or document")->check(CLI::IsMember(change_kinds()));
  list->add_option("--older-than", o->older_than, "Only changes submitted more than DAYS days ago")
      ->type_name("DAYS")
      ->check(CLI::NonNegativeNumber);
  list->callback([o, &ctx] {
    ChangeListOptions options;
    options.kind = o->kind;
    if (o->older_than >= 0) {
      options.older_than_days = o->older_than;
    }
    ctx.select(Action{"changes list", Needs::database, false, true, [options](Session& s, Report& r) {
                        ChangeListOptions run = options;
                        run.site = filter_site(s);
                        list_changes(*s.tx, run, r);
                      }});
  });

  auto* show = group.add_subcommand("show", "Show one change: current and requested values, re-enrolment answer, "
                                            "or the uploaded file and its real type");
  show->add_option("ID", o->id, "Change id (see changes list)")->required()->check(CLI::PositiveNumber);
  show->callback([o, &ctx] {
    const std::int64_t id = o->id;
    ctx.select(Action{"changes show", Needs::database, false, true,
                      [id](Session& s, Report& r) { show_change(*s.tx, id, r); }});
  });
}

// The ids, or --kind with --all; checked before anything runs.
DecideOptions checked(const DecideArgs& a, const std::string& command) {
  if (a.all && !a.ids.empty()) {
    throw CLI::ValidationError("give change IDs or --all, not both");
  }
  if (a.all && a.kind.empty()) {
    throw CLI::ValidationError("--all needs --kind identity|reenrolment|document");
  }
  if (!a.all && a.ids.empty()) {
    throw CLI::ValidationError("give the IDs of the changes to decide, or --kind K --all");
  }
  if (!a.all && !a.kind.empty()) {
    throw CLI::ValidationError("--kind selects changes with --all only");
  }
  DecideOptions options;
  options.ids = a.ids;
  options.all = a.all;
  options.kind = a.kind;
  options.force = a.force;
  options.reason = a.reason;
  options.command = command;
  return options;
}

void add_deciding(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<DecideArgs>();
  auto* approve = group.add_subcommand("approve", "Approve changes: apply identity edits, enrol re-enrolled students, "
                                                  "validate documents; the family is told by e-mail");
  approve->add_option("ID", a->ids, "Change ids")->check(CLI::PositiveNumber);
  approve->add_option("--kind", a->kind, "With --all: identity, reenrolment or document")
      ->check(CLI::IsMember(change_kinds()));
  approve->add_flag("--all", a->all, "Every pending change of --kind (on --site when given)");
  approve->add_flag("--force", a->force, "Apply identity changes even when the record changed since the family's edit");
  approve->callback([a, &ctx] {
    const DecideOptions options = checked(*a, "changes approve");
    ctx.select(Action{"changes approve", Needs::database, true, true, [options](Session& s, Report& r) {
                        DecideOptions run = options;
                        run.actor = s.actor;
                        run.site = filter_site(s);
                        approve_changes(*s.tx, s.config, run, r);
                      }});
  });

  auto b = std::make_shared<DecideArgs>();
  auto* reject = group.add_subcommand("reject", "Reject changes with a reason, which is mailed to the family");
  reject->add_option("ID", b->ids, "Change ids")->required()->check(CLI::PositiveNumber);
  reject->add_option("--reason", b->reason, "Why (in French: the family reads it)")->required();
  reject->callback([b, &ctx] {
    const DecideOptions options = checked(*b, "changes reject");
    if (options.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
      throw CLI::ValidationError("--reason", "cannot be empty: it is mailed to the family");
    }
    ctx.select(Action{"changes reject", Needs::database, true, true, [options](Session& s, Report& r) {
                        DecideOptions run = options;
                        run.actor = s.actor;
                        reject_changes(*s.tx, s.config, run, r);
                      }});
  });
}

}  // namespace

void register_changes(CLI::App& group, Context& ctx) {
  add_reading(group, ctx);
  add_deciding(group, ctx);
}

}  // namespace imuse::cli
