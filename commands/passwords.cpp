// placeholder: being written
#include "cli/commands.hpp"

namespace imuse::cli {

void register_passwords(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
