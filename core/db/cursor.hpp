#pragma once
// Reading a large result a batch at a time through a server-side cursor, so that exports
// use the same memory whatever the size of the school.
#include <functional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace imuse {

// Runs `query`, whose $1, $2... stand for `params` (passed as quoted literals), and calls
// `each` on every row in order, holding at most `batch` rows at a time.
void for_each_row(pqxx::transaction_base& tx, const std::string& query, const std::vector<std::string>& params,
                  const std::function<void(const pqxx::row&)>& each, int batch = 5000);

}  // namespace imuse
