#pragma once
// One transaction per command: lock, work, audit, then commit (or roll back for --dry-run).
#include <functional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse {

struct RunOptions {
  std::string command;                 // "site add"; also the name of the advisory lock
  std::vector<std::string> arguments;  // the command line, for the audit log
  bool mutating = false;               // takes the command lock and writes an audit entry
  bool dry_run = false;                // same work, then roll back
  bool wait_for_lock = false;          // wait instead of failing with exit 75
  std::string actor;                   // user@host
  std::string site_code;               // the effective site (--site or configured), for the audit log
};

// Runs `work` in one transaction as described above and returns its report.
Report run_in_transaction(pqxx::connection& connection, const RunOptions& options,
                          const std::function<void(pqxx::work&, Report&)>& work);
// "user@host" of the person or cron job running the tool.
std::string current_actor();

}  // namespace imuse
