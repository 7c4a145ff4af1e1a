#pragma once
// The registration table: one entry per command group, one file per group in commands/.
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace imuse::cli {

using RegisterFn = void (*)(CLI::App&, Context&);

struct CommandGroup {
  const char* name;
  const char* description;
  RegisterFn add;
};

void register_config(CLI::App& group, Context& ctx);
void register_db(CLI::App& group, Context& ctx);
void register_families(CLI::App& group, Context& ctx);
void register_site(CLI::App& group, Context& ctx);

inline const CommandGroup kCommandGroups[] = {
    {"config", "Show and check the effective configuration", register_config},
    {"db", "Create and upgrade the database schema (migrations)", register_db},
    {"families", "Import, export, list and show families and their students", register_families},
    {"site", "Manage the sites (schools) and their portal URLs", register_site},
};

}  // namespace imuse::cli
