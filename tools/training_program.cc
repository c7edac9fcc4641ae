#include "tools/training_program.h"

#include "tools/command_line.h"

namespace gossip {

int training_program_main(int argc, char** argv) {
  CLI::App app{"A gossip training program: peers train locally and mix models with their graph neighbours\n"
               "over authenticated, encrypted TCP. The same `launch` and `peer` as the gossip binary."};
  app.require_subcommand(1);
  std::vector<tools::Command> commands;
  tools::add_launch_command(app, commands);
  tools::add_peer_command(app, commands);
  return tools::run_command_line(app, commands, argc, argv);
}

}  // namespace gossip
