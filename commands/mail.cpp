// imuse-admin mail flush|status|list|show|retry
#include <unistd.h>

#include <memory>

#include "cli/commands.hpp"
#include "mail/flush.hpp"
#include "mail/outbox_admin.hpp"
#include "mail/transport.hpp"

namespace imuse::cli {

namespace {

struct MailOptions {
  std::int64_t limit = 0;
  std::string rate;
  std::int64_t id = 0;
  bool failed = false;
};

void add_flush(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<MailOptions>();
  auto* cmd = group.add_subcommand("flush", "Deliver the queued messages that are due, over one connection");
  auto* limit = cmd->add_option("--limit", o->limit, "Deliver at most N messages in this run; the rest stay queued")
                    ->check(CLI::PositiveNumber);
  cmd->add_option("--rate", o->rate, "At most this many messages per second: N, N/s, N/min or N/h");
  cmd->callback([o, limit, &ctx] {
    mail::FlushOptions options;
    if (limit->count() > 0) {
      options.limit = o->limit;
    }
    if (!o->rate.empty()) {
      const auto rate = mail::parse_rate(o->rate);
      if (!rate) {
        throw CLI::ValidationError("--rate", "\"" + o->rate + "\" is not a rate such as 10/s, 300/min or 500/h");
      }
      options.rate = *rate;
    }
    ctx.select(Action{"mail flush", Needs::connection, true, true, [options](Session& s, Report& r) {
                        mail::FlushOptions run = options;
                        run.dry_run = s.global.dry_run;
                        run.claimed_by = s.actor + " pid " + std::to_string(getpid());
                        const auto transport = mail::make_transport(s.config);
                        mail::flush_outbox(*s.connection, s.config, *transport, run, s.progress, r);
                      }});
  });
}

void add_reading(CLI::App& group, Context& ctx) {
  group.add_subcommand("status", "Count the messages by state (queued, due, deferred, sending, sent, failed)")
      ->callback([&ctx] {
        ctx.select(Action{"mail status", Needs::database, false, true,
                          [](Session& s, Report& r) { mail::outbox_status(*s.tx, r); }});
      });

  auto o = std::make_shared<MailOptions>();
  o->limit = 50;
  auto* list = group.add_subcommand("list", "List the messages of the outbox, newest first");
  list->add_flag("--failed", o->failed, "Only the messages that failed (with the server's reply)");
  list->add_option("--limit", o->limit, "At most this many messages (default 50)")->check(CLI::PositiveNumber);
  list->callback([o, &ctx] {
    const bool failed = o->failed;
    const std::int64_t limit = o->limit;
    ctx.select(Action{"mail list", Needs::database, false, true,
                      [failed, limit](Session& s, Report& r) { mail::outbox_list(*s.tx, failed, limit, r); }});
  });

  auto so = std::make_shared<MailOptions>();
  auto* show = group.add_subcommand("show", "Show one message: headers, state, attempts, last error, text");
  show->add_option("ID", so->id, "Message id (see 'mail list')")->required()->check(CLI::PositiveNumber);
  show->callback([so, &ctx] {
    const std::int64_t id = so->id;
    ctx.select(Action{"mail show", Needs::database, false, true,
                      [id](Session& s, Report& r) { mail::outbox_show(*s.tx, id, r); }});
  });
}

void add_retry(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<MailOptions>();
  auto* cmd = group.add_subcommand("retry", "Queue a failed message again (attempts reset), or every failed one");
  auto* id = cmd->add_option("ID", o->id, "Message id; a queued message waiting for a retry becomes due at once")
                 ->check(CLI::PositiveNumber);
  auto* failed = cmd->add_flag("--failed", o->failed, "Every failed message");
  id->excludes(failed);
  cmd->callback([o, id, &ctx] {
    if (id->count() == 0 && !o->failed) {
      throw CLI::ValidationError("give a message ID or --failed");
    }
    const std::optional<std::int64_t> one = id->count() > 0 ? std::optional(o->id) : std::nullopt;
    ctx.select(Action{"mail retry", Needs::database, true, true, [one](Session& s, Report& r) {
                        if (one) {
                          mail::outbox_retry(*s.tx, *one, r);
                        } else {
                          mail::outbox_retry_failed(*s.tx, r);
                        }
                      }});
  });
}

}  // namespace

void register_mail(CLI::App& group, Context& ctx) {
  add_flush(group, ctx);
  add_reading(group, ctx);
  add_retry(group, ctx);
}

}  // namespace imuse::cli
