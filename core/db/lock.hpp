#pragma once
// Advisory locks that keep two runs of the same command from overlapping.
#include <string>

#include <pqxx/pqxx>

namespace imuse {

// First key of every imuse-admin advisory lock ("IMUS"); the second is hashtext(name).
constexpr int kLockNamespace = 1229804883;

// Takes the transaction-scoped lock `name`. Without `wait`, throws LockBusy at once when
// another session holds it; with `wait`, polls until it is free (an interrupt ends the wait).
void acquire_command_lock(pqxx::transaction_base& tx, const std::string& name, bool wait);

}  // namespace imuse
