#include "runtime/program.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/launcher.h"
#include "runtime/peer_process.h"
#include "common/config_error.h"

namespace gossip {
namespace {

// The flags that `launch` passes to `peer`, and a few more; nothing else is accepted.
struct Arguments {
  std::string command, topology, key, run_dir;
  int id = -1;
  bool resume = false, plaintext = false;
  long long resume_round = -1;
};

long long number(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || value < 0) throw ConfigError(flag + " " + text + ": expected a non-negative integer");
  return value;
}

Arguments parse(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "launch" && args[0] != "peer")) {
    throw ConfigError("usage: launch FILE [--run-dir DIR] [--resume] | peer FILE --id I [--key KEY] [--run-dir DIR]");
  }
  Arguments parsed;
  parsed.command = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw ConfigError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--id") {
      parsed.id = static_cast<int>(number(arg, value()));
    } else if (arg == "--key") {
      parsed.key = value();
    } else if (arg == "--run-dir") {
      parsed.run_dir = value();
    } else if (arg == "--resume-round") {
      parsed.resume_round = number(arg, value());
    } else if (arg == "--resume") {
      parsed.resume = true;
    } else if (arg == "--plaintext") {
      parsed.plaintext = true;
    } else if (!arg.empty() && arg[0] != '-' && parsed.topology.empty()) {
      parsed.topology = arg;
    } else {
      throw ConfigError("unknown argument " + arg);
    }
  }
  return parsed;
}

int run(const Arguments& arguments) {
  if (arguments.command == "launch") {
    LaunchOptions options;
    options.topology_path = arguments.topology;
    options.run_dir = arguments.run_dir;
    options.resume = arguments.resume;
    options.plaintext = arguments.plaintext;
    return launch(options);
  }
  PeerOptions options;
  options.topology_path = arguments.topology;
  options.id = arguments.id;
  options.key_path = arguments.key;
  if (!arguments.run_dir.empty()) options.run_dir = arguments.run_dir;
  options.resume = arguments.resume;
  options.resume_round = arguments.resume_round;
  options.plaintext = arguments.plaintext;
  if (options.topology_path.empty() || options.id < 0) throw ConfigError("peer needs a topology file and --id");
  return run_peer(options);
}

}  // namespace

int training_program_main(int argc, char** argv) {
  const char* program = argc > 0 ? argv[0] : "gossip";
  try {
    return run(parse(std::vector<std::string>(argv + 1, argv + argc)));
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: error: %s\n", program, error.what());
    return 1;
  }
}

}  // namespace gossip
