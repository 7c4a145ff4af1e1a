// imuse-admin rentals import|list
#include "cli/commands.hpp"

namespace imuse::cli {

void register_rentals(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
