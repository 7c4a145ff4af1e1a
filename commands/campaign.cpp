// imuse-admin campaign open|close|list|status|remind|export-responses|import-responses
#include <iostream>
#include <memory>

#include "campaign/campaigns.hpp"
#include "campaign/responses.hpp"
#include "campaign/status.hpp"
#include "commands/flat_options.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"

namespace imuse::cli {

namespace {

struct CampaignOptions {
  std::string file;
  std::string code;
  bool notify = false;
  int min_days = -1;
};

// The --site given on the command line (not the configured default: a campaign spans sites).
std::string site_filter(const Session& s) {
  if (s.global.site.empty()) {
    return "";
  }
  const auto code = normalize_site_code(s.global.site);
  if (!code) {
    throw UsageError("--site \"" + s.global.site + "\" is not a site code");
  }
  require_site(*s.tx, *code);
  return *code;
}

void add_code_option(CLI::App* cmd, CampaignOptions& o) {
  cmd->add_option("--campaign", o.code, "Campaign code (default: the open campaign)");
}

void add_open_close(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<CampaignOptions>();
  auto* open = group.add_subcommand("open", "Record a campaign from its YAML file and open it to the portal");
  open->add_option("FILE", o->file, "Campaign YAML file (see config/samples/campaign.yaml)")
      ->required()
      ->check(CLI::ExistingFile);
  open->add_flag("--notify", o->notify, "Queue the 're-enrolment is open' e-mail to every eligible family (once)");
  open->callback([o, &ctx] {
    const OpenOptions options{o->file, o->notify};
    ctx.select(Action{"campaign open", Needs::database, true, true,
                      [options](Session& s, Report& r) { open_campaign(*s.tx, s.config, options, r); }});
  });

  auto c = std::make_shared<CampaignOptions>();
  auto* close = group.add_subcommand("close", "Close a campaign: the portal no longer shows the Réinscription tab");
  close->add_option("CODE", c->code, "Campaign code (default: the open campaign)");
  close->callback([c, &ctx] {
    const std::string code = c->code;
    ctx.select(Action{"campaign close", Needs::database, true, true,
                      [code](Session& s, Report& r) { close_campaign(*s.tx, code, r); }});
  });

  group.add_subcommand("list", "List the campaigns with their state, sites, dates and number of answers")
      ->callback([&ctx] {
        ctx.select(Action{"campaign list", Needs::database, false, true,
                          [](Session& s, Report& r) { list_campaigns(*s.tx, r); }});
      });
}

void add_follow_up(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<CampaignOptions>();
  auto* status = group.add_subcommand(
      "status", "Per site and department: eligible, re-enrolled, declined, pending, not answered, documents missing");
  add_code_option(status, *o);
  status->callback([o, &ctx] {
    const std::string code = o->code;
    ctx.select(Action{"campaign status", Needs::database, false, true, [code](Session& s, Report& r) {
                        const auto result = campaign_status(*s.tx, StatusOptions{code, site_filter(s)});
                        if (s.global.json) {
                          std::cout << result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
                          r.wrote_stdout = true;
                        } else {
                          status_report(result, r);
                        }
                      }});
  });

  auto m = std::make_shared<CampaignOptions>();
  auto* remind = group.add_subcommand("remind", "Queue a reminder to families with students who have not answered");
  add_code_option(remind, *m);
  remind
      ->add_option("--min-days", m->min_days,
                   "Remind a family at most once every N days (default: the campaign's reminder_min_days, 7)")
      ->check(CLI::Range(0, 365));
  remind->callback([m, &ctx] {
    RemindOptions options;
    options.campaign = m->code;
    if (m->min_days >= 0) {
      options.min_days = m->min_days;
    }
    ctx.select(Action{"campaign remind", Needs::database, true, true, [options](Session& s, Report& r) {
                        RemindOptions run = options;
                        run.site = site_filter(s);
                        remind_campaign(*s.tx, s.config, run, r);
                      }});
  });
}

void add_responses(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<CampaignOptions>();
  auto e = std::make_shared<ExportArgs>();
  auto* exp = group.add_subcommand("export-responses", "Export the families' answers, one row per student");
  add_code_option(exp, *o);
  add_export_options(exp, *e);
  exp->callback([o, e, &ctx] {
    const ExportFormat format = export_format(*e);
    const std::string code = o->code;
    const std::string out = e->out;
    ctx.select(
        Action{"campaign export-responses", Needs::database, false, true, [format, code, out](Session& s, Report& r) {
                 const ResponsesExportOptions options{code, site_filter(s), format};
                 write_export(out, r, [&](std::ostream& file) { export_responses(*s.tx, options, file, r); });
               }});
  });

  auto i = std::make_shared<FlatImportArgs>();
  auto ic = std::make_shared<CampaignOptions>();
  auto* imp = group.add_subcommand("import-responses", "Record answers collected on paper forms (CSV, YAML, JSON)");
  add_flat_import_options(imp, *i, "campaign");
  imp->get_option("FILE")->description("CSV files (or YAML/JSON as written by 'campaign export-responses')");
  add_code_option(imp, *ic);
  imp->callback([i, ic, &ctx] {
    const FlatImportOptions options = checked(*i);
    const std::string code = ic->code;
    ctx.select(Action{"campaign import-responses", Needs::database, true, true, [options, code](Session& s, Report& r) {
                        FlatImportOptions run = options;
                        run.default_site = s.config.get("site");
                        run.dry_run = s.global.dry_run;
                        import_responses(*s.tx, run, code, s.progress, r);
                      }});
  });
}

}  // namespace

void register_campaign(CLI::App& group, Context& ctx) {
  add_open_close(group, ctx);
  add_follow_up(group, ctx);
  add_responses(group, ctx);
}

}  // namespace imuse::cli
