#pragma once
// Renders a Report on stdout: a readable table or JSON.
#include <ostream>

#include "util/report.hpp"

namespace imuse::cli {

// Human-readable rendering; `quiet` keeps only tables and details.
void print_text(std::ostream& out, const Report& report, bool quiet);
// One JSON object: command, dry_run, exit_code, counts, details, rows, rejected, warnings, messages.
void print_json(std::ostream& out, const Report& report);

}  // namespace imuse::cli
