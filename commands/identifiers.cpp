// placeholder: being written
#include "cli/commands.hpp"

namespace imuse::cli {

void register_identifiers(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
