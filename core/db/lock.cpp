#include "db/lock.hpp"

#include <chrono>
#include <thread>

#include "util/error.hpp"
#include "util/interrupt.hpp"

namespace imuse {

namespace {

bool try_lock(pqxx::transaction_base& tx, const std::string& name) {
  return tx.exec_params1("SELECT pg_try_advisory_xact_lock($1, hashtext($2))", kLockNamespace, name)[0].as<bool>();
}

// Advisory locks belong to one database: another database's run of the same command is no holder.
std::string describe_holder(pqxx::transaction_base& tx, const std::string& name) {
  const auto rows = tx.exec_params(
      "SELECT a.pid, coalesce(a.application_name, ''), "
      "       to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS') "
      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid "
      "  AND l.objid = hashtext($2)::oid AND l.objsubid = 2 "
      "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      kLockNamespace, name);
  if (rows.empty()) {
    return "another run";
  }
  const auto& r = rows[0];
  std::string who = r[1].as<std::string>();
  std::string text = "another run (" + (who.empty() ? std::string("database session") : who) + ", backend pid " +
                     r[0].as<std::string>();
  if (!r[2].is_null()) {
    text += ", started " + r[2].as<std::string>();
  }
  return text + ")";
}

}  // namespace

void acquire_command_lock(pqxx::transaction_base& tx, const std::string& name, bool wait) {
  if (try_lock(tx, name)) {
    return;
  }
  if (!wait) {
    throw LockBusy(describe_holder(tx, name) + " holds the lock for '" + name +
                   "'; retry later, or pass --wait to wait for it");
  }
  while (!try_lock(tx, name)) {
    check_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace imuse
