// `gossip watch`: follow a running or finished run in the terminal, redrawn in place once a
// second. Plain ANSI (cursor home, clear to end of line), no mouse, no alternate screen, so
// it works over ssh and leaves the last frame on screen when it quits.
#include <poll.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/config_error.h"
#include "tools/command.h"
#include "tools/report/run_data.h"
#include "tools/report/terminal_view.h"

namespace gossip::tools {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) { interrupted = 1; }

struct WatchOptions {
  std::string run_dir;
  double interval = 1.0;
  bool once = false;
};

bool unicode_locale() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) {
      const std::string text = value;
      return text.find("UTF-8") != std::string::npos || text.find("utf8") != std::string::npos ||
             text.find("utf-8") != std::string::npos;
    }
  }
  return false;
}

int terminal_width() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// Keys arrive one at a time and unechoed; Ctrl-C still raises SIGINT. Restored on exit.
class RawKeys {
 public:
  RawKeys() {
    active_ = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (!active_) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  }
  ~RawKeys() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawKeys(const RawKeys&) = delete;
  RawKeys& operator=(const RawKeys&) = delete;

  // Waits up to `seconds` for a key; true when it was q or Q.
  bool quit_pressed(double seconds) const {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (poll(&in, 1, static_cast<int>(seconds * 1000)) <= 0) return false;
    char key = 0;
    if (read(STDIN_FILENO, &key, 1) != 1) return false;
    return key == 'q' || key == 'Q';
  }

 private:
  termios saved_{};
  bool active_ = false;
};

void draw(const report::RunData& run, bool first, bool unicode) {
  std::string frame = first ? "\033[H\033[2J" : "\033[H";
  for (const auto& line : report::terminal_view(run, {terminal_width(), unicode, true})) frame += line + "\033[K\n";
  frame += "\033[J";
  std::fwrite(frame.data(), 1, frame.size(), stdout);
  std::fflush(stdout);
}

int run_watch(const WatchOptions& options) {
  if (!std::filesystem::is_directory(options.run_dir)) {
    throw ConfigError(options.run_dir + ": not a run directory (no such folder)");
  }
  const bool unicode = unicode_locale();
  report::RunData run = report::load_run(options.run_dir, false);
  if (options.once || !isatty(STDOUT_FILENO)) {
    for (const auto& line : report::terminal_view(run, {80, unicode, false})) std::printf("%s\n", line.c_str());
    return 0;
  }
  struct sigaction action {};
  action.sa_handler = on_interrupt;  // no SA_RESTART: the wait for a key ends at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  RawKeys keys;
  std::fputs("\033[?25l", stdout);  // the cursor would flicker over the redraw
  bool quit = false;
  for (bool first = true; !quit && !interrupted; first = false) {
    if (!first) run = report::load_run(options.run_dir, false);
    draw(run, first, unicode);
    quit = keys.quit_pressed(options.interval);
  }
  std::fputs("\033[?25h", stdout);
  std::fflush(stdout);
  return interrupted ? 130 : 0;
}

}  // namespace

void add_watch_command(CLI::App& parent, std::vector<Command>& commands) {
  auto options = std::make_shared<WatchOptions>();
  CLI::App* app = parent.add_subcommand("watch", "Follow a running or finished run in the terminal (q quits)");
  app->add_option("run_dir", options->run_dir, "the run directory")->required();
  app->add_option("--interval", options->interval, "seconds between redraws")->check(CLI::Range(0.1, 60.0));
  app->add_flag("--once", options->once, "print one frame and exit (also what happens when stdout is not a terminal)");
  app->footer(
      "A row per peer: round, training loss, last test accuracy, bytes/s sent and the share of time spent\n"
      "waiting (both over the last 10 rounds), the neighbours missing in its last round; above them the\n"
      "consensus error (sketch estimate) as a sparkline on a log scale.\n"
      "Example:\n"
      "  gossip launch examples/ring8_fashion_mnist.json --run-dir runs/ring8 &  gossip watch runs/ring8");
  commands.push_back({app, [options] { return run_watch(*options); }});
}

}  // namespace gossip::tools
