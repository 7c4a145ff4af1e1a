#include "db/cursor.hpp"

namespace imuse {

namespace {

// DECLARE takes no bind parameters: $N become quoted literals, the highest numbers first so
// that $1 never eats the start of $12.
std::string with_literals(pqxx::transaction_base& tx, std::string query, const std::vector<std::string>& params) {
  for (std::size_t n = params.size(); n >= 1; --n) {
    const std::string placeholder = "$" + std::to_string(n);
    const std::string literal = tx.quote(params[n - 1]);
    for (auto pos = query.find(placeholder); pos != std::string::npos;
         pos = query.find(placeholder, pos + literal.size())) {
      query.replace(pos, placeholder.size(), literal);
    }
  }
  return query;
}

}  // namespace

void for_each_row(pqxx::transaction_base& tx, const std::string& query, const std::vector<std::string>& params,
                  const std::function<void(const pqxx::row&)>& each, int batch) {
  static int serial = 0;
  const std::string cursor = "imuse_rows_" + std::to_string(++serial);
  tx.exec0("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + with_literals(tx, query, params));
  const std::string fetch = "FETCH FORWARD " + std::to_string(batch) + " FROM " + cursor;
  while (true) {
    const pqxx::result rows = tx.exec(fetch);
    for (const auto& row : rows) {
      each(row);
    }
    if (static_cast<int>(rows.size()) < batch) {
      break;
    }
  }
  tx.exec0("CLOSE " + cursor);
}

}  // namespace imuse
