#include "runtime/run_progress.h"

#include <algorithm>
#include <cstdio>

#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "runtime/sketch.h"

namespace gossip {
namespace {

constexpr size_t kSketchesKept = 4;

void absorb(PeerProgress& peer, const nlohmann::json& line) {
  peer.round = std::max(peer.round, line.value("round", int64_t{-1}));
  peer.loss = line.value("loss", peer.loss);
  peer.bytes_sent += line.value("bytes_sent", uint64_t{0});
  peer.bytes_received += line.value("bytes_received", uint64_t{0});
  peer.compute_seconds += line.value("compute_seconds", 0.0);
  peer.communicate_seconds += line.value("communicate_seconds", 0.0);
  peer.wait_seconds += line.value("wait_seconds", 0.0);
  ++peer.rounds_seen;
  if (line.contains("missing") && line["missing"].is_array()) {
    peer.missing += line["missing"].size();
    for (const auto& neighbour : line["missing"]) ++peer.missing_by_neighbour[neighbour.get<int>()];
  }
  if (line.contains("test_accuracy")) peer.test_accuracy = line["test_accuracy"].get<double>();
  if (line.contains("test_loss")) peer.evaluated_round = line.value("round", int64_t{-1});
  if (line.contains("test_loss")) peer.test_loss = line["test_loss"].get<double>();
  if (line.contains("sketch") && line["sketch"].is_array()) {
    peer.sketches[line["round"].get<int64_t>()] = line["sketch"].get<std::vector<double>>();
    while (peer.sketches.size() > kSketchesKept) peer.sketches.erase(peer.sketches.begin());
  }
}

std::string format_bytes_per_second(double rate) {
  char text[32];
  if (rate >= 1e6) {
    std::snprintf(text, sizeof(text), "%.1f MB/s", rate / 1e6);
  } else {
    std::snprintf(text, sizeof(text), "%.0f kB/s", rate / 1e3);
  }
  return text;
}

}  // namespace

RunProgress::RunProgress(std::filesystem::path run_dir, std::vector<int> peers, int64_t rounds, std::vector<int> byzantine)
    : run_dir_(std::move(run_dir)), rounds_(rounds) {
  for (int peer : peers) {
    peers_.emplace_back();
    peers_.back().peer = peer;
    peers_.back().byzantine = std::find(byzantine.begin(), byzantine.end(), peer) != byzantine.end();
  }
}

void RunProgress::poll() {
  for (auto& peer : peers_) {
    for (const auto& line : read_metrics(metrics_path(run_dir_, peer.peer), &peer.offset)) {
      try {
        absorb(peer, line);
      } catch (const nlohmann::json::exception&) {
        // A line of the wrong shape: progress is best-effort, the file is the record.
      }
    }
  }
}

std::optional<std::pair<int64_t, double>> RunProgress::consensus_error() const {
  std::vector<const PeerProgress*> honest;
  for (const auto& peer : peers_) {
    if (!peer.byzantine) honest.push_back(&peer);
  }
  if (honest.size() < 2) return std::nullopt;
  for (auto it = honest.front()->sketches.rbegin(); it != honest.front()->sketches.rend(); ++it) {
    std::vector<std::vector<double>> sketches;
    for (const PeerProgress* peer : honest) {
      auto found = peer->sketches.find(it->first);
      if (found == peer->sketches.end()) break;
      sketches.push_back(found->second);
    }
    if (sketches.size() == honest.size()) return std::make_pair(it->first, consensus_error_estimate(sketches));
  }
  return std::nullopt;
}

std::string RunProgress::line(double elapsed_seconds) {
  double loss = 0, accuracy = 0;
  int evaluated = 0;
  int64_t evaluated_round = -1;  // the oldest of the evaluations averaged
  uint64_t bytes = 0;
  const PeerProgress* slowest = &peers_.front();
  for (const auto& peer : peers_) {
    loss += peer.loss / static_cast<double>(peers_.size());
    if (peer.test_accuracy && !peer.byzantine) {
      accuracy += *peer.test_accuracy;
      evaluated_round = evaluated == 0 ? peer.evaluated_round : std::min(evaluated_round, peer.evaluated_round);
      ++evaluated;
    }
    bytes += peer.bytes_sent;
    if (peer.round < slowest->round) slowest = &peer;
  }
  const double rate = elapsed_seconds > last_elapsed_
                          ? static_cast<double>(bytes - last_bytes_) / (elapsed_seconds - last_elapsed_)
                          : 0.0;
  last_elapsed_ = elapsed_seconds;
  last_bytes_ = bytes;
  char text[256];
  int length = std::snprintf(text, sizeof(text), "round %lld/%lld  loss %.4f", static_cast<long long>(slowest->round + 1),
                             static_cast<long long>(rounds_), loss);
  std::string out(text, static_cast<size_t>(length));
  if (evaluated > 0) {
    const bool some_byzantine = std::any_of(peers_.begin(), peers_.end(), [](const auto& peer) { return peer.byzantine; });
    // Rounds are counted as done, as everywhere printed: metrics line r is round r + 1.
    std::snprintf(text, sizeof(text), "  test acc %.4f (round %lld, mean of %d%s)", accuracy / evaluated,
                  static_cast<long long>(evaluated_round + 1), evaluated, some_byzantine ? " honest" : "");
    out += text;
  }
  if (auto consensus = consensus_error()) {
    std::snprintf(text, sizeof(text), "  consensus %.2e (round %lld)", consensus->second,
                  static_cast<long long>(consensus->first + 1));
    out += text;
  }
  std::snprintf(text, sizeof(text), "  %s  slowest peer %d  %.0fs", format_bytes_per_second(rate).c_str(),
                slowest->peer, elapsed_seconds);
  return out + text;
}

}  // namespace gossip
