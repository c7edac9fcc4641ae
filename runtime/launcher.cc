#include "runtime/launcher.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "common/json_parse.h"
#include "runtime/checkpoint.h"
#include "runtime/compute_device.h"
#include "runtime/peer_network.h"
#include "runtime/peer_process.h"
#include "runtime/run_directory.h"
#include "runtime/run_progress.h"
#include "runtime/run_summary.h"
#include "runtime/task.h"
#include "runtime/training_config.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip {
namespace {

using Seconds = std::chrono::duration<double>;
volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) { interrupted = 1; }

bool is_local_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0) return true;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && host == name) return true;
  ifaddrs* addresses = nullptr;
  if (getifaddrs(&addresses) != 0) return false;
  bool found = false;
  for (ifaddrs* entry = addresses; entry && !found; entry = entry->ifa_next) {
    if (!entry->ifa_addr || (entry->ifa_addr->sa_family != AF_INET && entry->ifa_addr->sa_family != AF_INET6)) continue;
    char text[NI_MAXHOST];
    const socklen_t size = entry->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (getnameinfo(entry->ifa_addr, size, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) == 0) found = host == text;
  }
  freeifaddrs(addresses);
  return found;
}

std::filesystem::path default_run_dir(const std::string& topology_path) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return std::filesystem::path("runs") / (std::filesystem::path(topology_path).stem().string() + "-" + stamp);
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  std::ofstream out(path);
  out << value.dump(2) << "\n";
  if (!out) throw ConfigError("cannot write " + path.string());
}

// A new run: RUN/topology.json with the flags' settings folded into `training` and public
// keys filled in (made under RUN/keys for a local demo whose file has none), and
// RUN/config.json with the resolved settings.
std::filesystem::path prepare_run(const LaunchOptions& options, const std::filesystem::path& run_dir) {
  LoadedTopology loaded = load_topology(options.topology_path);
  loaded.file.training = merge_training(loaded.file.training, options.overrides);
  const TrainingConfig config = parse_training_config(loaded.file.training, loaded.file.seed);
  // The keys of a file that has them, then peer 0's task once, so a bad key, a missing
  // dataset or a bad task option is one clear error before any process starts.
  for (const auto& peer : loaded.file.peers) {
    if (!peer.public_key.empty() && is_local_host(peer.host)) load_identity(default_key_path(options.topology_path, peer.id));
  }
  if (options.program.empty()) make_task({0, static_cast<int>(loaded.file.peers.size()), config});  // a script's is its own
  if (std::filesystem::exists(run_dir / "topology.json")) {
    throw ConfigError("run directory " + run_dir.string() + " already holds a run; pick another --run-dir or add --resume");
  }
  std::filesystem::create_directories(run_dir);
  std::filesystem::path key_dir;
  bool keyless = false;
  for (const auto& peer : loaded.file.peers) keyless = keyless || peer.public_key.empty();
  if (keyless) {
    key_dir = run_dir / "keys";
    std::filesystem::create_directories(key_dir);
    for (auto& peer : loaded.file.peers) {
      Identity identity = generate_identity();
      save_identity(identity, (key_dir / ("peer-" + std::to_string(peer.id) + ".key")).string());
      peer.public_key = to_hex(identity.public_key);
    }
  } else {
    key_dir = std::filesystem::path(default_key_path(options.topology_path, 0)).parent_path();
  }
  save_topology_file(loaded.file, (run_dir / "topology.json").string());
  write_json(run_dir / "config.json", {{"topology_source", std::filesystem::absolute(options.topology_path).string()},
                                       {"key_dir", std::filesystem::absolute(key_dir).string()},
                                       {"training", to_json(config)}});
  return key_dir;
}

struct Child {
  int peer = 0;
  pid_t pid = -1;
  bool done = false;
};

pid_t start_peer(const LaunchOptions& options, const std::filesystem::path& run_dir, const std::filesystem::path& key_dir,
                 int peer, int64_t resume_round) {
  std::vector<std::string> args{"gossip", "peer", (run_dir / "topology.json").string(), "--id", std::to_string(peer),
                                "--key", (key_dir / ("peer-" + std::to_string(peer) + ".key")).string(), "--run-dir",
                                run_dir.string()};
  if (resume_round >= 0) args.insert(args.end(), {"--resume", "--resume-round", std::to_string(resume_round)});
  if (options.plaintext) args.push_back("--plaintext");
  std::filesystem::create_directories(peer_directory(run_dir, peer));
  const std::string log = log_path(run_dir, peer).string();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) return pid;
  setpgid(0, 0);  // Ctrl-C reaches the launcher only; it decides what the peers get
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // and a launcher killed outright takes its peers along
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  setenv("GOSSIP_LAUNCHED", "1", 1);  // its stderr is its log already (peer_process.cc)
  if (!options.program.empty()) {
    // A training script: the same peer, found through the environment (gossip.Peer).
    setenv("GOSSIP_TOPOLOGY", (run_dir / "topology.json").c_str(), 1);
    setenv("GOSSIP_PEER_ID", std::to_string(peer).c_str(), 1);
    setenv("GOSSIP_KEY", (key_dir / ("peer-" + std::to_string(peer) + ".key")).c_str(), 1);
    setenv("GOSSIP_RUN_DIR", run_dir.c_str(), 1);
    setenv("GOSSIP_PLAINTEXT", options.plaintext ? "1" : "0", 1);
    args = options.program;
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A program is looked up on PATH; the gossip binary's path has a '/', so it is taken as it is.
  const std::string binary = options.program.empty() ? options.gossip_binary.string() : options.program.front();
  execvp(binary.c_str(), argv.data());
  std::fprintf(stderr, "cannot run %s: %s\n", binary.c_str(), std::strerror(errno));
  _exit(127);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                  strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

std::string last_lines(const std::filesystem::path& path, size_t count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& line : lines) out += "    " + line + "\n";
  return out;
}

// The newest round at which every local peer has a checkpoint.
int64_t common_checkpoint(const std::filesystem::path& run_dir, const std::vector<int>& peers) {
  std::vector<int64_t> common;
  for (size_t i = 0; i < peers.size(); ++i) {
    auto rounds = checkpoint_rounds(checkpoint_directory(run_dir, peers[i]));
    if (i == 0) {
      common = rounds;
    } else {
      std::vector<int64_t> both;
      std::set_intersection(common.begin(), common.end(), rounds.begin(), rounds.end(), std::back_inserter(both));
      common = both;
    }
  }
  if (common.empty()) {
    throw ConfigError("--resume: no round has a checkpoint of every local peer in " + run_dir.string() +
                      " (training.checkpoint_every sets how often peers write them)");
  }
  // The newest round whose checkpoints all verify: one damaged file must not send its peer
  // off with an error while the others wait for it.
  for (auto round = common.rbegin(); round != common.rend(); ++round) {
    std::string damaged;
    for (int peer : peers) {
      const auto path = checkpoint_path(checkpoint_directory(run_dir, peer), *round);
      try {
        load_checkpoint(path);
      } catch (const std::exception& error) {
        damaged = error.what();
        break;
      }
    }
    if (damaged.empty()) return *round;
    std::fprintf(stderr, "launch: --resume skips round %lld: %s\n", static_cast<long long>(*round), damaged.c_str());
  }
  throw ConfigError("--resume: no round has a checkpoint of every local peer that verifies in " + run_dir.string());
}

void stop_children(std::vector<Child>& children) {
  for (auto& child : children) {
    if (!child.done) kill(child.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (auto& child : children) {
    while (!child.done && waitpid(child.pid, nullptr, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!child.done && waitpid(child.pid, nullptr, WNOHANG) == 0) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
    }
    child.done = true;
  }
}

// Ctrl-C: every peer is asked to stop before the same round, a little ahead of the
// furthest one, so that all of them write a checkpoint of that round and --resume goes on
// exactly. The round goes with the signal (sigqueue). A second Ctrl-C, or peers that take
// longer than a round timeout past that, are killed.
void interrupt_children(std::vector<Child>& children, RunProgress& progress, const TrainingConfig& config,
                        double elapsed_seconds) {
  progress.poll();
  int64_t furthest = 0;
  for (const auto& peer : progress.peers()) furthest = std::max(furthest, peer.round + 1);
  const double rounds_per_second = elapsed_seconds > 0 ? static_cast<double>(furthest) / elapsed_seconds : 0;
  const int64_t stop_before = furthest + 2 + static_cast<int64_t>(rounds_per_second * 0.25);
  std::fprintf(stderr, "launch: interrupted; every peer stops before round %lld with a checkpoint (Ctrl-C again: kill)\n",
               static_cast<long long>(stop_before));
  interrupted = 0;
  for (auto& child : children) {
    if (child.done) continue;
    sigval value{};
    value.sival_int = static_cast<int>(std::min<int64_t>(stop_before, INT32_MAX));
    sigqueue(child.pid, SIGTERM, value);
  }
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + Seconds(config.round_timeout_seconds + 10);
  for (auto& child : children) {
    while (!child.done && waitpid(child.pid, nullptr, WNOHANG) == 0 && !interrupted &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!child.done && waitpid(child.pid, nullptr, WNOHANG) == 0) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
    }
    child.done = true;
  }
  signal(SIGINT, SIG_DFL);
}

// --graph: the topology file is written into the run directory (RUN/graph.json) and the
// launch goes on from it, exactly as from a file the user wrote.
LaunchOptions with_generated_topology(const LaunchOptions& options, const std::filesystem::path& run_dir) {
  GenerateOptions graph = *options.graph;
  resolve_generate_options(graph, "launch --graph");
  if (std::filesystem::exists(run_dir / "topology.json")) {
    throw ConfigError("run directory " + run_dir.string() + " already holds a run; pick another --run-dir or add --resume");
  }
  std::filesystem::create_directories(run_dir);
  LaunchOptions from_file = options;
  from_file.graph.reset();
  from_file.run_dir = run_dir;
  from_file.topology_path = (run_dir / "graph.json").string();
  save_topology_file(generate_topology_file(graph), from_file.topology_path);
  return from_file;
}

}  // namespace

int launch(const LaunchOptions& options) {
  if (options.resume && options.run_dir.empty()) throw ConfigError("--resume needs --run-dir: the run to continue");
  if (options.graph && (options.resume || !options.topology_path.empty())) {
    throw ConfigError("--graph makes the topology: give it without a topology file or --resume");
  }
  if (!options.resume && options.topology_path.empty() && !options.graph) {
    throw ConfigError("give a topology file to launch, or --graph KIND --peers N");
  }
  const std::filesystem::path run_dir =
      !options.run_dir.empty() ? options.run_dir
                               : default_run_dir(options.graph ? options.graph->kind + std::to_string(options.graph->peers)
                                                               : options.topology_path);
  if (options.graph) return launch(with_generated_topology(options, run_dir));
  std::filesystem::path key_dir;
  if (options.resume && !options.program.empty()) {
    throw ConfigError("--resume with a program after \"--\": a script resumes from its own checkpoints "
                      "(gossip.Peer.state_dict() beside the model's)");
  }
  if (options.resume) {
    if (!options.overrides.empty()) throw ConfigError("--resume continues a run as it was set up: drop the setting flags");
    std::ifstream in(run_dir / "config.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::json config = try_parse_json(text).value_or(nlohmann::json());
    if (!config.is_object() || !config.contains("key_dir")) {
      throw ConfigError("--resume: " + (run_dir / "config.json").string() + " is missing or unreadable");
    }
    key_dir = config["key_dir"].get<std::string>();
  } else {
    key_dir = prepare_run(options, run_dir);
  }
  LoadedTopology loaded = load_topology((run_dir / "topology.json").string());
  const TrainingConfig config = parse_training_config(loaded.file.training, loaded.file.seed);
  std::vector<int> local;
  for (const auto& peer : loaded.file.peers) {
    if (is_local_host(peer.host)) local.push_back(peer.id);
  }
  if (local.empty()) throw ConfigError(options.topology_path + ": no peer's host is this machine; run gossip peer on each host");
  check_hosts(loaded.file, options.topology_path);
  // --device goes into the run's file, not a flag per peer: spreading "cuda" over the GPUs
  // and choosing the NCCL neighbours read every local peer's device from the file. It is
  // saved once every peer's device resolved.
  const bool set_devices = !options.device.empty() && options.program.empty();
  if (set_devices) {
    for (int peer : local) loaded.file.peers[static_cast<size_t>(peer)].device = options.device;
  }
  std::string on_gpus;  // "0 on cuda:0, 1 on cuda:1": each peer resolves its own the same way
  for (int peer : local) {
    if (options.program.empty()) {  // a script's device is the script's own business
      const std::string device = resolve_device(loaded.file, peer, options.topology_path, options.device);
      if (device != "cpu") on_gpus += (on_gpus.empty() ? "" : ", ") + std::to_string(peer) + " on " + device;
    }
    load_identity((key_dir / ("peer-" + std::to_string(peer) + ".key")).string());  // refused here, before any process
  }
  if (set_devices) save_topology_file(loaded.file, (run_dir / "topology.json").string());
  if (!on_gpus.empty()) std::fprintf(stderr, "launch: peers %s\n", on_gpus.c_str());
  if (local.size() < loaded.file.peers.size()) {
    std::fprintf(stderr, "launch: %zu of %zu peers run here; start the others with `gossip peer` on their hosts\n",
                 local.size(), loaded.file.peers.size());
  }
  const int64_t resume_round = options.resume ? common_checkpoint(run_dir, local) : -1;
  std::fprintf(stderr, "launch: %zu peers, %s graph, %lld rounds of %s; run directory %s\n", local.size(),
               loaded.file.graph.kind.c_str(), static_cast<long long>(config.rounds), config.task.c_str(),
               run_dir.string().c_str());
  if (resume_round >= 0) std::fprintf(stderr, "launch: resuming every peer from round %lld\n", static_cast<long long>(resume_round));

  interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const auto started = std::chrono::steady_clock::now();
  std::vector<Child> children;
  for (int peer : local) children.push_back({peer, start_peer(options, run_dir, key_dir, peer, resume_round), false});

  RunProgress progress(run_dir, local, config.rounds, byzantine_peers(config));
  RunOutcome outcome{local, {}, 0, std::max<int64_t>(resume_round, 0)};
  const bool live = isatty(STDERR_FILENO);
  auto last_print = started;
  size_t running = children.size();
  int setup_failure = 0;  // the exit status when a peer failed before its first round
  while (running > 0 && !interrupted && setup_failure == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (auto& child : children) {
      int status = 0;
      if (child.done || waitpid(child.pid, &status, WNOHANG) != child.pid) continue;
      child.done = true;
      --running;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
      outcome.failed[child.peer] = describe_status(status);
      std::fprintf(stderr, "%slaunch: peer %d failed: %s; log %s:\n%s", live ? "\n" : "", child.peer,
                   outcome.failed[child.peer].c_str(), log_path(run_dir, child.peer).c_str(),
                   last_lines(log_path(run_dir, child.peer), 5).c_str());
      // Before its first round, a failure is the setup's (a taken port, a bad key): the
      // others would only wait out the startup timeout and train without it.
      progress.poll();
      const auto& peers = progress.peers();
      const auto entry = std::find_if(peers.begin(), peers.end(), [&](const PeerProgress& p) { return p.peer == child.peer; });
      if (entry != peers.end() && entry->round < 0) {
        std::fprintf(stderr, "launch: peer %d failed before training started; stopping the others\n", child.peer);
        setup_failure = WIFEXITED(status) && WEXITSTATUS(status) == 2 ? 2 : 1;
        break;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (Seconds(now - last_print).count() >= options.progress_interval_seconds * (live ? 1 : 5) || running == 0) {
      progress.poll();
      const std::string line = progress.line(Seconds(now - started).count());
      std::fprintf(stderr, live ? "\r%-130s" : "%s\n", line.c_str());
      last_print = now;
    }
  }
  if (live) std::fputs("\n", stderr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (setup_failure != 0) {
    stop_children(children);
    return setup_failure;
  }
  if (interrupted) {
    interrupt_children(children, progress, config, Seconds(std::chrono::steady_clock::now() - started).count());
    try {
      const int64_t round = common_checkpoint(run_dir, local);
      std::fprintf(stderr, "launch: interrupted; every peer stopped, the newest checkpoint they share is round %lld. "
                           "Continue with:\n  gossip launch --resume --run-dir %s\n",
                   static_cast<long long>(round), run_dir.c_str());
    } catch (const ConfigError&) {
      std::fprintf(stderr, "launch: interrupted before the peers had a checkpoint in common; start the run again\n");
    }
    return 130;
  }
  outcome.wall_seconds = Seconds(std::chrono::steady_clock::now() - started).count();
  progress.poll();
  nlohmann::json summary = summarize_run(run_dir, loaded, progress, outcome);
  write_json(run_dir / "summary.json", summary);
  std::fputs(format_summary(summary).c_str(), stdout);  // the result; progress and logs went to stderr
  std::fprintf(stderr, "launch: summary in %s\n", (run_dir / "summary.json").c_str());
  return outcome.failed.empty() ? 0 : 1;
}

}  // namespace gossip
