// The one path from argv to a command's exit status, for `gossip` and for every training
// program built on the library (training_program.h): parse, run the chosen subcommand,
// and turn every error into one line and the exit status rule: 2 for a usage or input
// error, 1 for an internal failure (130 on interrupt is the command's own).
#pragma once

#include "tools/command.h"

namespace gossip::tools {

// Everything after the first "--" is not parsed: it is the program that `launch -- PROGRAM...`
// starts as each peer (trailing_program()); any other command refuses it.
int run_command_line(CLI::App& app, const std::vector<Command>& commands, int argc, char** argv);

// The words after "--" on the command line being run (empty when there was none).
const std::vector<std::string>& trailing_program();

}  // namespace gossip::tools
