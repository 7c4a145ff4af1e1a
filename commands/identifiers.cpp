// imuse-admin identifiers assign|send
#include <memory>

#include "commands/common.hpp"
#include "accounts/accounts.hpp"
#include "cli/commands.hpp"

namespace imuse::cli {

namespace {

struct IdentifiersOptions {
  std::int64_t family_id = 0;
  bool only_unsent = false;
  bool resend = false;
};

void add_assign(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<IdentifiersOptions>();
  auto* cmd = group.add_subcommand("assign",
                                   "Give every family without a portal account an identifier "
                                   "(accounts.identifier_pattern); one identifier per e-mail address");
  cmd->add_option("--family", o->family_id, "Only this family (id)")->check(CLI::PositiveNumber);
  cmd->callback([o, &ctx] {
    const std::int64_t family_id = o->family_id;
    ctx.select(Action{"identifiers assign", Needs::database, true, true, [family_id](Session& s, Report& r) {
                        assign_identifiers(*s.tx, s.config, AssignIdentifiersOptions{filter_site(s), family_id}, r);
                      }});
  });
}

void add_send(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<IdentifiersOptions>();
  auto* cmd = group.add_subcommand("send",
                                   "Queue the e-mail giving each family its identifier and its site's portal "
                                   "URL (delivered by 'mail flush')");
  cmd->add_option("--family", o->family_id, "Only this family (id)")->check(CLI::PositiveNumber);
  auto* unsent =
      cmd->add_flag("--only-unsent", o->only_unsent, "Only accounts whose identifier was never sent (default)");
  cmd->add_flag("--resend", o->resend, "Send again to accounts that already received their identifier")
      ->excludes(unsent);
  cmd->callback([o, &ctx] {
    const std::int64_t family_id = o->family_id;
    const bool resend = o->resend;
    ctx.select(Action{"identifiers send", Needs::database, true, true, [family_id, resend](Session& s, Report& r) {
                        send_identifiers(*s.tx, s.config, SendIdentifiersOptions{filter_site(s), family_id, resend}, r);
                      }});
  });
}

}  // namespace

void register_identifiers(CLI::App& group, Context& ctx) {
  add_assign(group, ctx);
  add_send(group, ctx);
}

}  // namespace imuse::cli
