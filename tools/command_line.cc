#include "tools/command_line.h"

#include <cstdio>
#include <exception>
#include <filesystem>

#include "common/config_error.h"
#include "tools/usage_error.h"

namespace gossip::tools {
namespace {

std::vector<std::string>& trailing() {
  static std::vector<std::string> words;
  return words;
}

}  // namespace

const std::vector<std::string>& trailing_program() { return trailing(); }

int run_command_line(CLI::App& app, const std::vector<Command>& commands, int argc, char** argv) {
  const std::string program = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "gossip";
  trailing().clear();
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      trailing().assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return exit_for_parse_error(app, error, program.c_str());
  }
  try {
    // The innermost parsed subcommand wins: `topo show` over `topo`.
    for (auto it = commands.rbegin(); it != commands.rend(); ++it) {
      if (!it->app->parsed() || !it->app->get_subcommands().empty()) continue;
      if (!trailing().empty() && !it->takes_program) {
        throw ConfigError(it->app->get_name() + " takes no program after \"--\" (only launch does: launch FILE -- PROGRAM ARGS)");
      }
      return it->run();
    }
    std::fprintf(stderr, "%s: no command chosen; see %s --help\n", program.c_str(), program.c_str());
    return 2;
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.what());
    return 1;
  }
}

}  // namespace gossip::tools
