// gossip report and gossip watch as a user meets them: a real launch, the page opened in
// headless Chromium, the live view driven through a pseudo-terminal.
#include <doctest/doctest.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "runtime/run_directory.h"
#include "support/gossip_command.h"

using namespace gossip;
using namespace std::chrono_literals;
using testing::read_file;
using testing::run_gossip_command;
using testing::write_topology;

namespace {

std::string shell_output(const std::string& command, int* status = nullptr) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  for (size_t got; pipe && (got = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, got);
  const int raw = pipe ? pclose(pipe) : -1;
  if (status) *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return output;
}

// Debian's chromium, installed here when it is missing and we may (root with apt-get): the
// issue's wish that the test installs it, or says why it could not.
std::string find_chromium(std::string& why_not) {
  if (const char* given = std::getenv("GOSSIP_CHROMIUM")) return given;
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (access(path, X_OK) == 0) return path;
  }
  if (geteuid() != 0 || access("/usr/bin/apt-get", X_OK) != 0) {
    why_not = "no chromium, and not root to install it (apt-get install chromium)";
    return "";
  }
  int status = 0;
  const std::string install = "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium";
  shell_output("(" + install + " || (apt-get update -qq && " + install + ")) >/dev/null 2>&1", &status);
  if (status != 0 || access("/usr/bin/chromium", X_OK) != 0) {
    why_not = "chromium is not installed and apt-get could not install it";
    return "";
  }
  return "/usr/bin/chromium";
}

bool dataset_present() { return std::filesystem::exists("/usr/share/datasets/fashion-mnist"); }

std::string attribute(const std::string& dom, const std::string& name) {
  const std::string key = name + "=\"";
  const size_t start = dom.find(key);
  if (start == std::string::npos) return "<none>";
  const size_t value = start + key.size();
  const size_t end = dom.find('"', value);
  return end == std::string::npos ? "<none>" : dom.substr(value, end - value);
}

// A process on the slave side of a pseudo-terminal, as a person at an 80-column terminal.
class PtyProcess {
 public:
  explicit PtyProcess(const std::vector<std::string>& argv) {
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 80;
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      setenv("TERM", "xterm", 1);
      setenv("LANG", "C.UTF-8", 1);
      std::vector<char*> args;
      for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~PtyProcess() {
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }

  // Reads what it printed until `done(output)` or the time runs out.
  bool read_until(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done(output_)) {
      if (std::chrono::steady_clock::now() > until) return false;
      pollfd in{master_, POLLIN, 0};
      if (poll(&in, 1, 50) > 0) {
        char buffer[4096];
        const ssize_t got = read(master_, buffer, sizeof(buffer));
        if (got <= 0) return done(output_);  // the other side closed
        output_.append(buffer, static_cast<size_t>(got));
      }
    }
    return true;
  }
  void type(const std::string& keys) const { REQUIRE(write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size())); }
  // The exit status, with everything it printed before exiting read; -1 past `limit`.
  int wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int raw = 0;
      if (waitpid(pid_, &raw, WNOHANG) == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        read_until([](const std::string&) { return false; }, 300ms);  // the rest, until the pty reports EIO
        return status_;
      }
      read_until([](const std::string&) { return false; }, 20ms);
    }
    return -1;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  int status_ = -1;
  std::string output_;
};

// CSI sequences (ESC [ parameters final-letter) removed. std::regex is avoided: GCC 12 warns
// inside its own <regex> under the sanitizers, and the build treats warnings as errors.
std::string without_escapes(const std::string& text) {
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\033' && i + 1 < text.size() && text[i + 1] == '[') {
      size_t j = i + 2;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ';' || text[j] == '?')) ++j;
      if (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) {
        i = j;
        continue;
      }
    }
    plain += text[i];
  }
  return plain;
}

// The newest frame's lines, without the escape sequences that redraw it.
std::vector<std::string> last_frame(const std::string& output) {
  const size_t home = output.rfind("\033[H");
  const std::string frame = without_escapes(output.substr(home == std::string::npos ? 0 : home));
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = frame.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = frame.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool every_peer_row(const std::string& output, int peers, const std::string& total) {
  int found = 0;
  for (const auto& line : last_frame(output)) {
    for (int peer = 0; peer < peers; ++peer) {
      char start[8];
      std::snprintf(start, sizeof(start), "%4d ", peer);
      if (line.starts_with(start) && line.find("/" + total) != std::string::npos) ++found;
    }
  }
  return found == peers;
}

}  // namespace

TEST_CASE("report end to end: a launch, the report, opened in headless Chromium with every chart drawn") {
  if (!dataset_present()) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  std::string why_not;
  const std::string chromium = find_chromium(why_not);
  if (chromium.empty()) {
    MESSAGE("SKIPPED: " << why_not);
    return;
  }
  testing::TempDir dir;
  const auto topology = write_topology(dir, 4,
                                       {{"task", "mlp"}, {"task_options", {{"hidden", {32}}}}, {"rounds", 40},
                                        {"eval_every", 5}, {"snapshot_every", 20}, {"batch_size", 32}});
  const auto run_dir = dir.path() / "run";
  REQUIRE(run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log")) == 0);
  const std::string page = (dir.path() / "report.html").string();
  REQUIRE(run_gossip_command({"report", run_dir.string(), "--out", page, "--csv", dir.file("table.csv")},
                             dir.file("report.log")) == 0);
  const std::string flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,3000 ";
  const std::string dom = shell_output(chromium + flags + "--virtual-time-budget=5000 --dump-dom file://" + page + " 2>/dev/null");
  REQUIRE_MESSAGE(dom.find("report-status") != std::string::npos, "chromium printed no page: " << dom.substr(0, 400));
  const std::string canvases = attribute(dom, "data-canvases");
  CHECK(attribute(dom, "data-errors") == "0");
  CHECK(attribute(dom, "data-drawn") == canvases);
  CHECK(attribute(dom, "data-empty") == "");
  CHECK(canvases == "8");  // consensus, 3 training, 2 communication, the time split and the heat map
  // A screenshot in the build tree, for a person to look at.
  const std::string screenshot = std::string(GOSSIP_TEST_OUTPUT_DIR) + "/report-end-to-end.png";
  shell_output(chromium + flags + "--screenshot=" + screenshot + " file://" + page + " >/dev/null 2>&1");
  CHECK(std::filesystem::file_size(screenshot) > 20000);
  MESSAGE("screenshot: " << screenshot);
}

TEST_CASE("watch end to end: a row for every peer of a running launch, and q or Ctrl-C ends it cleanly") {
  testing::TempDir dir;
  const auto topology = write_topology(dir, 4, {{"task", "least_squares"}, {"rounds", 200000}, {"eval_every", 50}});
  const auto run_dir = dir.path() / "run";
  testing::ChildProcess launch = testing::start_gossip({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log"));
  for (int waited = 0; waited < 600; ++waited) {
    bool all = true;
    for (int peer = 0; peer < 4; ++peer) all = all && std::filesystem::exists(metrics_path(run_dir, peer));
    if (all) break;
    std::this_thread::sleep_for(50ms);
  }
  for (const auto& [keys, status] : {std::pair<std::string, int>{"q", 0}, {"\003", 130}}) {
    CAPTURE(status);
    PtyProcess watch({GOSSIP_BINARY, "watch", run_dir.string(), "--interval", "0.2"});
    const bool rows = watch.read_until([](const std::string& out) { return every_peer_row(out, 4, "200000"); }, 20s);
    for (const auto& line : last_frame(watch.output())) MESSAGE(line);
    CHECK(rows);
    watch.type(keys);
    CHECK(watch.wait(5s) == status);
    CHECK(watch.output().ends_with("\033[?25h"));  // the cursor given back
    for (const auto& line : last_frame(watch.output())) CHECK(line.size() <= 80 * 3);  // block characters are 3 bytes
  }
  // The report of the same run while it goes on: a page and a row for every peer, no error.
  const std::string page = dir.file("live.html");
  REQUIRE(run_gossip_command({"report", run_dir.string(), "--out", page, "--json", dir.file("live.json")},
                             dir.file("live-report.log")) == 0);
  CHECK(std::filesystem::file_size(page) > 10000);
  std::set<int> peers_seen;
  const nlohmann::json table = nlohmann::json::parse(read_file(dir.file("live.json")));
  for (const auto& row : table["rows"]) peers_seen.insert(row["peer"].get<int>());
  CHECK(peers_seen == std::set<int>{0, 1, 2, 3});
  launch.signal(SIGINT);
  CHECK(launch.wait(30s) >= 0);
}
