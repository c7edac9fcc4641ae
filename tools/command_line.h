// The one path from argv to a command's exit status, for `gossip` and for every training
// program built on the library (training_program.h): parse, run the chosen subcommand,
// and turn every error into one line and the exit status rule: 2 for a usage or input
// error, 1 for an internal failure (130 on interrupt is the command's own).
#pragma once

#include "tools/command.h"

namespace gossip::tools {

int run_command_line(CLI::App& app, const std::vector<Command>& commands, int argc, char** argv);

}  // namespace gossip::tools
