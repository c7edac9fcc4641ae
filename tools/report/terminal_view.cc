#include "tools/report/terminal_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gossip::report {
namespace {

constexpr int kRecentRounds = 10;  // rates and shares over the newest rounds: what is happening now

std::string format(const char* pattern, auto... values) {
  char text[256];
  std::snprintf(text, sizeof(text), pattern, values...);
  return text;
}

std::string short_number(double value) {
  if (value >= 1e9) return format("%.1fG", value / 1e9);
  if (value >= 1e6) return format("%.1fM", value / 1e6);
  if (value >= 1e3) return format("%.1fk", value / 1e3);
  return format("%.0f", value);
}

// round, loss, test accuracy, bytes/s, missing neighbours, wait share: one peer's row.
std::string peer_row(const RunData& run, const PeerSeries& series) {
  std::string label = format("%4d", series.peer) + (series.attack.empty() ? " " : "*");
  if (!series.found) return label + "  (no metrics file: not started, or not copied here)";
  if (series.lines.empty()) return label + "  (no round finished yet)";
  const auto& last = series.lines.back();
  std::string accuracy = "       -";
  for (auto it = series.lines.rbegin(); it != series.lines.rend(); ++it) {
    if (it->contains("test_accuracy")) {
      accuracy = format("%8.4f", (*it)["test_accuracy"].get<double>());
      break;
    }
  }
  const size_t first = series.lines.size() > kRecentRounds ? series.lines.size() - kRecentRounds : 0;
  double bytes = 0, busy = 0, wait = 0;
  for (size_t i = first; i < series.lines.size(); ++i) {
    const auto& line = series.lines[i];
    bytes += line.value("bytes_sent", 0.0);
    wait += line.value("wait_seconds", 0.0);
    busy += line.value("compute_seconds", 0.0) + line.value("communicate_seconds", 0.0) + line.value("wait_seconds", 0.0);
  }
  const double span = last.value("elapsed_seconds", 0.0) -
                      (first > 0 ? series.lines[first - 1].value("elapsed_seconds", 0.0) : 0.0);
  std::string missing;
  if (last.contains("missing") && last["missing"].is_array()) {
    for (const auto& peer : last["missing"]) missing += (missing.empty() ? "" : ",") + peer.dump();
  }
  if (missing.empty()) missing = "-";
  if (missing.size() > 12) missing = missing.substr(0, 11) + "+";
  return label + format(" %7lld/%-7lld %8.4f  %s  %7s  %-12s %5.0f%%", static_cast<long long>(last.value("round", 0) + 1),
                        static_cast<long long>(run.rounds), last.value("loss", 0.0), accuracy.c_str(),
                        span > 0 ? short_number(bytes / span).c_str() : "-", missing.c_str(),
                        busy > 0 ? 100 * wait / busy : 0.0) +
         (series.attack.empty() ? "" : "  " + series.attack);
}

}  // namespace

std::string sparkline(const std::vector<double>& values, int width, bool unicode) {
  static const char* const kBlocks[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char kAscii[] = "_.-:=+*#";
  const size_t shown = std::min(values.size(), static_cast<size_t>(std::max(width, 0)));
  std::vector<double> logs;
  for (size_t i = values.size() - shown; i < values.size(); ++i) logs.push_back(std::log10(std::max(values[i], 1e-300)));
  if (logs.empty()) return "";
  const auto [low, high] = std::minmax_element(logs.begin(), logs.end());
  std::string line;
  for (double value : logs) {
    const int level = *high > *low ? static_cast<int>(std::lround(7 * (value - *low) / (*high - *low))) : 3;
    line += unicode ? kBlocks[level] : std::string(1, kAscii[level]);
  }
  return line;
}

std::vector<std::string> terminal_view(const RunData& run, const ViewOptions& options) {
  std::vector<std::string> lines;
  int64_t done = 0;
  for (const auto& series : run.peers) done += series.last_round() + 1 >= run.rounds && run.rounds > 0 ? 1 : 0;
  const std::string state = run.summary.is_null() ? format("%lld of %zu peers done", static_cast<long long>(done), run.peers.size())
                                                  : std::string("finished");
  lines.push_back(format("gossip watch %s  %zu peers, %lld rounds  ", run.name.c_str(), run.peers.size(),
                         static_cast<long long>(run.rounds)) + state);
  if (run.consensus.empty()) {
    lines.push_back("consensus error: no sketches yet");
  } else {
    std::vector<double> values;
    for (const auto& point : run.consensus) values.push_back(point.estimate);
    const std::string head = format("consensus %.2e at round %lld ", values.back(),
                                    static_cast<long long>(run.consensus.back().round + 1));
    lines.push_back(head + sparkline(values, options.width - static_cast<int>(head.size()) - 1, options.unicode));
  }
  if (run.summary.is_object() && run.summary.contains("test_accuracy")) {
    lines.push_back(format("average model: test accuracy %.4f, test loss %.4f", run.summary["test_accuracy"].get<double>(),
                           run.summary.value("test_loss", 0.0)));
  }
  lines.push_back("");
  lines.push_back(format("%-5s %7s/%-7s %8s  %8s  %7s  %-12s %6s", "peer", "round", "total", "loss", "test acc", "bytes/s",
                         "missing", "wait"));
  for (const auto& series : run.peers) lines.push_back(peer_row(run, series));
  bool any_byzantine = false;
  for (const auto& series : run.peers) any_byzantine = any_byzantine || !series.attack.empty();
  if (any_byzantine) lines.push_back("* Byzantine (by the settings)");
  if (!run.warnings.empty()) {
    lines.push_back("");
    lines.push_back(format("%zu warning(s), e.g.:", run.warnings.size()));
    lines.push_back(run.warnings.front());
  }
  lines.push_back("");
  lines.push_back("q or Ctrl-C quits; bytes/s and wait share over the last 10 rounds");
  for (auto& line : lines) {
    // Cut by display columns: a sparkline's block characters take three bytes but one column.
    size_t columns = 0, at = 0;
    while (at < line.size() && columns < static_cast<size_t>(options.width)) {
      at += (static_cast<unsigned char>(line[at]) & 0xE0) == 0xE0 ? 3 : 1;
      ++columns;
    }
    line.resize(std::min(at, line.size()));
  }
  if (options.colour) lines.front() = "\033[1m" + lines.front() + "\033[0m";
  return lines;
}

}  // namespace gossip::report
