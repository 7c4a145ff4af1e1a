#include "db/run.hpp"

#include <pwd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "db/lock.hpp"

namespace imuse {

namespace {

void write_audit(pqxx::work& tx, const RunOptions& options, const Report& report) {
  nlohmann::json summary = nlohmann::json::object();
  for (const auto& [name, value] : report.counts) {
    summary[name] = value;
  }
  if (!report.rejected.empty()) {
    summary["rejected"] = report.rejected.size();
  }
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, arguments, site_id, summary) "
      "VALUES ($1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
      "        (SELECT id FROM sites WHERE code = $4), $5::jsonb)",
      options.actor, options.command, nlohmann::json(options.arguments).dump(), options.site_code, summary.dump());
}

}  // namespace

Report run_in_transaction(pqxx::connection& connection, const RunOptions& options,
                          const std::function<void(pqxx::work&, Report&)>& work) {
  Report report;
  report.command = options.command;
  report.dry_run = options.dry_run;
  pqxx::work tx(connection, options.command);
  if (options.mutating) {
    acquire_command_lock(tx, options.command, options.wait_for_lock);
  }
  work(tx, report);
  if (options.mutating && !options.dry_run) {
    write_audit(tx, options, report);
  }
  if (options.dry_run) {
    tx.abort();
  } else {
    tx.commit();
  }
  return report;
}

std::string current_actor() {
  std::string user;
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    user = pw->pw_name;
  } else {
    user = "uid" + std::to_string(geteuid());
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) {
    host[0] = '\0';
  }
  return user + "@" + (host[0] != '\0' ? host : "localhost");
}

}  // namespace imuse
