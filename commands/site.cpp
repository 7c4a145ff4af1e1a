// imuse-admin site add|update|list|show|import|sync
#include <memory>

#include "cli/commands.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse::cli {

namespace {

struct SiteOptions {
  std::string code;
  std::string name;
  std::string portal_url;
  std::string file;
  std::string on_error = "abort";
};

std::string checked_code(const std::string& raw) {
  auto code = normalize_site_code(raw);
  if (!code) {
    throw CLI::ValidationError("CODE", "\"" + raw + "\" is not a site code (capital letters, digits, '_' or '-', "
                                       "at most 32 characters)");
  }
  return *code;
}

void add_commands(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<SiteOptions>();
  auto* add = group.add_subcommand("add", "Add a site with its name and portal URL");
  add->add_option("CODE", o->code, "Site code, e.g. CONS1")->required();
  add->add_option("--name", o->name, "Site name as families see it")->required();
  add->add_option("--portal-url", o->portal_url, "URL of the site's family portal")->required();
  add->callback([o, &ctx] {
    Site site{checked_code(o->code), trim(o->name), trim(o->portal_url)};
    if (auto problem = site_problem(site); !problem.empty()) {
      throw CLI::ValidationError(problem);
    }
    ctx.select(Action{"site add", Needs::database, true, true,
                      [site](Session& s, Report& r) { site_add(*s.tx, site, r); }});
  });

  auto u = std::make_shared<SiteOptions>();
  auto* update = group.add_subcommand("update", "Change a site's name or portal URL");
  update->add_option("CODE", u->code, "Site code")->required();
  auto* name = update->add_option("--name", u->name, "New name");
  auto* url = update->add_option("--portal-url", u->portal_url, "New portal URL");
  update->callback([u, name, url, &ctx] {
    if (name->count() == 0 && url->count() == 0) {
      throw CLI::ValidationError("give --name and/or --portal-url");
    }
    const std::string code = checked_code(u->code);
    auto new_name = name->count() ? std::optional(trim(u->name)) : std::nullopt;
    auto new_url = url->count() ? std::optional(trim(u->portal_url)) : std::nullopt;
    ctx.select(Action{"site update", Needs::database, true, true, [code, new_name, new_url](Session& s, Report& r) {
                        site_update(*s.tx, code, new_name, new_url, r);
                      }});
  });
}

void read_commands(CLI::App& group, Context& ctx) {
  group.add_subcommand("list", "List the sites")->callback([&ctx] {
    ctx.select(Action{"site list", Needs::database, false, true, [](Session& s, Report& r) { site_list(*s.tx, r); }});
  });

  auto o = std::make_shared<SiteOptions>();
  auto* show = group.add_subcommand("show", "Show one site and its counts of families, students and accounts");
  show->add_option("CODE", o->code, "Site code (default: --site or the configured site)");
  show->callback([o, &ctx] {
    std::optional<std::string> code;
    if (!o->code.empty()) {
      code = checked_code(o->code);
    }
    ctx.select(Action{"site show", Needs::database, false, true, [code](Session& s, Report& r) {
                        const std::string c = code.value_or(s.config.get("site"));
                        if (c.empty()) {
                          throw UsageError("site show: give a site CODE (or --site)");
                        }
                        site_show(*s.tx, c, r);
                      }});
  });
}

void bulk_commands(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<SiteOptions>();
  auto* import = group.add_subcommand("import", "Create or update sites from a YAML list (code, name, portal_url)");
  import->add_option("FILE", o->file, "YAML file")->required();
  import->add_option("--on-error", o->on_error, "abort (default): nothing is written; skip: import the good entries")
      ->check(CLI::IsMember({"abort", "skip"}));
  import->callback([o, &ctx] {
    const std::string file = o->file;
    const bool skip = o->on_error == "skip";
    ctx.select(Action{"site import", Needs::database, true, true, [file, skip](Session& s, Report& r) {
                        site_import(*s.tx, file, skip, r);
                      }});
  });

  group.add_subcommand("sync", "Create or update the sites declared under 'sites:' in the configuration")
      ->callback([&ctx] {
        ctx.select(Action{"site sync", Needs::database, true, true,
                          [](Session& s, Report& r) { site_sync(*s.tx, s.config.sites(), r); }});
      });
}

}  // namespace

void register_site(CLI::App& group, Context& ctx) {
  add_commands(group, ctx);
  read_commands(group, ctx);
  bulk_commands(group, ctx);
}

}  // namespace imuse::cli
