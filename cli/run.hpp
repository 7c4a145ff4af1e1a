#pragma once
// Runs the selected action: opens what it needs, prints its report, returns the exit code.
#include "cli/context.hpp"

namespace imuse::cli {

// Every failure is caught here and mapped to its documented exit code.
int run(Context& ctx);

}  // namespace imuse::cli
