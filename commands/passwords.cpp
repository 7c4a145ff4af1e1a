// imuse-admin passwords generate|reset|process-requests
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "commands/common.hpp"
#include "accounts/accounts.hpp"
#include "cli/commands.hpp"
#include "util/error.hpp"

namespace imuse::cli {

namespace {

struct GenerateArgs {
  std::int64_t family_id = 0;
  std::string identifier;
  bool all_missing = false;
  bool send = false;
  bool show = false;
  std::string show_to;
};

// The checked options; CLI::ValidationError (exit 64) for what cannot work.
GeneratePasswordsOptions checked(const GenerateArgs& o) {
  const int targets = (o.family_id != 0 ? 1 : 0) + (o.identifier.empty() ? 0 : 1) + (o.all_missing ? 1 : 0);
  if (targets != 1) {
    throw CLI::ValidationError("give exactly one of --family ID, --identifier X and --all-missing");
  }
  if (!o.send && !o.show && o.show_to.empty()) {
    throw CLI::ValidationError("give --send, --show or --show-to FILE: a password nobody receives is useless");
  }
  if (o.show && o.show_to.empty() && isatty(STDOUT_FILENO) == 0) {
    throw CLI::ValidationError(
        "--show prints passwords only on a terminal, and standard output is not one; "
        "use --show-to FILE (created with mode 0600) or --send");
  }
  if (!o.show_to.empty() &&
      std::filesystem::symlink_status(o.show_to).type() != std::filesystem::file_type::not_found) {
    throw CLI::ValidationError("--show-to", o.show_to + " already exists: a password file is never overwritten");
  }
  GeneratePasswordsOptions options;
  options.target = o.family_id != 0        ? PasswordTarget::family
                   : !o.identifier.empty() ? PasswordTarget::identifier
                                           : PasswordTarget::all_missing;
  options.family_id = o.family_id;
  options.identifier = o.identifier;
  options.send = o.send;
  options.show = o.show && o.show_to.empty() ? &std::cout : nullptr;
  options.show_to = o.show_to;
  return options;
}

void add_generate(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<GenerateArgs>();
  auto* cmd = group.add_subcommand("generate",
                                   "Replace passwords by new random ones (the old ones stop working at "
                                   "once) and send or show them");
  cmd->add_option("--family", o->family_id, "The account of this family (id)")->check(CLI::PositiveNumber);
  cmd->add_option("--identifier", o->identifier, "The account with this identifier");
  cmd->add_flag("--all-missing", o->all_missing, "Every account without a password (on --site if given)");
  cmd->add_flag("--send", o->send, "Queue the \"password\" e-mail (delivered by 'mail flush')");
  cmd->add_flag("--show", o->show, "Print the passwords on the terminal (refused when stdout is not a terminal)");
  cmd->add_option("--show-to", o->show_to, "Write the passwords to this new file (mode 0600; never overwritten)");
  cmd->callback([o, &ctx] {
    const GeneratePasswordsOptions options = checked(*o);
    ctx.select(Action{"passwords generate", Needs::database, true, true, [options](Session& s, Report& r) {
                        if (options.show != nullptr && s.global.json) {
                          throw UsageError(
                              "--show cannot be combined with --json, which never holds a password; "
                              "use --show-to FILE");
                        }
                        GeneratePasswordsOptions run = options;
                        run.site = filter_site(s);
                        run.dry_run = s.global.dry_run;
                        generate_passwords(*s.tx, s.config, run, s.progress, r);
                      }});
  });
}

void add_reset(CLI::App& group, Context& ctx) {
  struct ResetArgs {
    std::string identifier;
    std::string email;
  };
  auto o = std::make_shared<ResetArgs>();
  auto* cmd = group.add_subcommand("reset",
                                   "Lost password: when identifier and e-mail match the account, mail a new "
                                   "password (the old one stops working)");
  // Not ->required(): a missing field is the family's typing error (exit 65), like a mismatch.
  cmd->add_option("--identifier", o->identifier, "The identifier, exactly (case-sensitive)");
  cmd->add_option("--email", o->email, "The account's e-mail address (case and surrounding spaces ignored)");
  cmd->callback([o, &ctx] {
    const ResetArgs args = *o;
    ctx.select(Action{"passwords reset", Needs::database, true, true, [args](Session& s, Report& r) {
                        reset_password(*s.tx, s.config, args.identifier, args.email, r);
                      }});
  });
}

void add_process_requests(CLI::App& group, Context& ctx) {
  auto limit = std::make_shared<long>(0);
  auto* cmd = group.add_subcommand("process-requests",
                                   "Answer the lost-password requests the portal recorded "
                                   "(table password_reset_requests), for cron");
  cmd->add_option("--limit", *limit, "At most this many requests (default: all)")->check(CLI::PositiveNumber);
  cmd->callback([limit, &ctx] {
    const long n = *limit;
    ctx.select(Action{"passwords process-requests", Needs::database, true, true,
                      [n](Session& s, Report& r) { process_reset_requests(*s.tx, s.config, n, s.progress, r); }});
  });
}

}  // namespace

void register_passwords(CLI::App& group, Context& ctx) {
  add_generate(group, ctx);
  add_reset(group, ctx);
  add_process_requests(group, ctx);
}

}  // namespace imuse::cli
