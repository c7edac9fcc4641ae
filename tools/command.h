// How the `gossip` subcommands plug into the one binary: each registers its flags on
// the CLI11 app and returns what to run when it was chosen.
#pragma once

#include <CLI/CLI.hpp>  // command-line parsing
#include <functional>
#include <vector>

namespace gossip::tools {

struct Command {
  CLI::App* app;              // parsed when this is the chosen (innermost) subcommand
  std::function<int()> run;   // returns the exit status
  bool takes_program = false;  // takes the words after "--" (trailing_program())
};

// Each adds its subcommands under `parent` and appends them to `commands`.
void add_topo_commands(CLI::App& parent, std::vector<Command>& commands);
void add_bench_commands(CLI::App& parent, std::vector<Command>& commands);
void add_keygen_command(CLI::App& parent, std::vector<Command>& commands);
void add_version_command(CLI::App& parent, std::vector<Command>& commands);
void add_peer_command(CLI::App& parent, std::vector<Command>& commands);
void add_launch_command(CLI::App& parent, std::vector<Command>& commands);
void add_report_command(CLI::App& parent, std::vector<Command>& commands);
void add_watch_command(CLI::App& parent, std::vector<Command>& commands);

}  // namespace gossip::tools
