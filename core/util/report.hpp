#pragma once
// The outcome of a command: counts, rows, per-item problems. cli/ renders it as text or JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace imuse {

// One value of a table or detail: null, integer, boolean or text.
using Cell = std::variant<std::monostate, std::int64_t, bool, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// An item the command could not process (a bad input line, a refused record).
struct Problem {
  std::string item;     // where: "sites.yaml:3:9", "site CONS1"
  std::string message;  // what was wrong and what was expected
};

struct Report {
  std::string command;
  bool dry_run = false;
  std::vector<std::string> messages;                          // sentences for a human
  std::vector<std::pair<std::string, Cell>> details;          // key/value of a "show"
  std::vector<std::pair<std::string, std::int64_t>> counts;   // ordered counters
  std::optional<Table> table;
  std::vector<Problem> rejected;
  std::vector<std::string> warnings;
  int status_if_rejected = 1;  // exit code when items were rejected (config check: 78)
  bool wrote_stdout = false;   // the command wrote its data on stdout: print no summary there

  // Adds `n` to counter `name`, creating it (in order of first use) if needed.
  void add(const std::string& name, std::int64_t n = 1);
  // The value of counter `name`, 0 when absent.
  std::int64_t count(const std::string& name) const;
  // 0, or status_if_rejected when items were rejected.
  int exit_code() const { return rejected.empty() ? 0 : status_if_rejected; }
};

// Text of a cell as a human reads it (null is empty).
std::string cell_text(const Cell& cell);

}  // namespace imuse
