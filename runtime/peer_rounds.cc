#include "runtime/peer_rounds.h"

#include <zlib.h>  // crc32 of the resolved settings

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "algorithms/registry.h"
#include "runtime/algorithm_round.h"
#include "runtime/compute_device.h"
#include "topology/properties.h"

namespace gossip {
namespace {

Clock::duration timeout(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

AlgorithmSettings algorithm_settings(const TrainingConfig& config, const std::string& device) {
  AlgorithmSettings settings;
  settings.device_kind = device_kind(device);
  settings.algorithm = config.algorithm;
  settings.compressor = config.compressor;
  settings.compressor_options = config.compressor_options;
  settings.aggregator = config.aggregator;
  settings.aggregator_options = config.aggregator_options;
  settings.consensus_step = config.consensus_step;
  settings.local_steps = config.local_steps;
  settings.late_rounds = config.late_rounds;
  return settings;
}

// A Byzantine peer's own aggregation does not matter (it lies whatever it holds), so its
// neighbourhood is not checked against the aggregator's needs.
MixingProperties mixing_properties(const Topology& topology, int self, bool byzantine) {
  MixingProperties properties;
  properties.time_varying = topology.time_varying();
  properties.smallest_neighbourhood = SIZE_MAX;
  for (const MixingMatrix& weights : topology.schedule()) {
    properties.smallest_neighbourhood = std::min(properties.smallest_neighbourhood, 1 + weights.in_neighbours(self).size());
    properties.symmetric = properties.symmetric && max_asymmetry(weights) <= 1e-9;
    properties.row_stochastic = properties.row_stochastic && max_row_sum_error(weights) <= 1e-9;
    properties.column_stochastic = properties.column_stochastic && max_column_sum_error(weights) <= 1e-9;
  }
  if (byzantine) properties.smallest_neighbourhood = 0;
  return properties;
}

constexpr std::string_view kAlgorithmPrefix = "algorithm.";

std::string id_list(const std::vector<int>& ids) {
  std::string text;
  for (int id : ids) text += (text.empty() ? "" : ", ") + std::to_string(id);
  return text;
}

}  // namespace

uint32_t settings_digest(const TrainingConfig& config) {
  const std::string text = to_json(config).dump();
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

PeerRounds::PeerRounds(const Topology& topology, int self, const TrainingConfig& config, std::size_t parameters,
                       bool byzantine, const std::string& device)
    : algorithm_(make_algorithm(algorithm_settings(config, device), self, parameters, config.seed,
                                mixing_properties(topology, self, byzantine))),
      deadline_(config.round_deadline == "adaptive", timeout(config.round_deadline_floor_seconds),
                timeout(config.round_timeout_seconds)) {
  for (const MixingMatrix& weights : topology.schedule()) neighbourhoods_.push_back(neighbourhood_of(weights, self));
}

std::vector<uint8_t> PeerRounds::message_kinds() const {
  std::vector<uint8_t> kinds{wire_kind(MessageKind::kFinished)};
  for (MessageKind channel : algorithm_->channels()) kinds.push_back(wire_kind(channel));
  return kinds;
}

std::vector<std::string> PeerRounds::state_names() const {
  std::vector<std::string> names;
  for (const auto& name : algorithm_->state_names()) names.push_back(std::string(kAlgorithmPrefix) + name);
  return names;
}

void PeerRounds::save_state(Checkpoint& checkpoint) const {
  for (StateSection& section : algorithm_->save_state()) {
    section.name = std::string(kAlgorithmPrefix) + section.name;
    checkpoint.sections.push_back(std::move(section));
  }
}

void PeerRounds::restore_state(const Checkpoint& checkpoint) {
  std::vector<StateSection> sections;
  for (const auto& section : checkpoint.sections) {
    if (section.name.starts_with(kAlgorithmPrefix)) {
      sections.push_back({section.name.substr(kAlgorithmPrefix.size()), section.bytes});
    }
  }
  algorithm_->restore_state(sections);
}

void PeerRounds::run(Transport& transport, int64_t round, double learning_rate, std::span<float> model,
                     LocalTraining& local, Attacker* attacker, RoundTotals& totals) {
  RoundContext context{round, learning_rate, neighbourhood(round), model, local};
  totals.deadline = deadline_.timeout(context.neighbourhood);
  const std::vector<int> stalled = deadline_.dont_wait_for(context.neighbourhood);
  RoundReport report = run_algorithm_round(*algorithm_, transport, context, totals.deadline, attacker, stalled);
  deadline_.observe(report, transport.linked_peers());
  totals.compute += report.coding;
  totals.sending = report.sending;
  totals.exchange = report.exchange;
  totals.payload_bytes = report.payload_bytes;
  totals.missing = std::move(report.missing);
  totals.late = std::move(report.late);
  totals.ahead = std::move(report.ahead);
  for (const WeightedPeer& in : context.neighbourhood.in) {
    if (std::find(totals.missing.begin(), totals.missing.end(), in.peer) == totals.missing.end()) heard_.insert(in.peer);
  }
}

int64_t PeerRounds::next_round(Transport& transport, int64_t round, int64_t rounds, const RoundTotals& totals,
                               const std::function<void(const std::string&)>& log) const {
  if (totals.ahead.empty()) return round + 1;
  const std::vector<int> linked = transport.linked_peers();
  int64_t rejoin = rounds;
  for (const WeightedPeer& in : neighbourhood(round).in) {
    auto ahead = std::find_if(totals.ahead.begin(), totals.ahead.end(), [&](const auto& a) { return a.first == in.peer; });
    if (ahead != totals.ahead.end()) {
      rejoin = std::min(rejoin, ahead->second);
    } else if (std::find(linked.begin(), linked.end(), in.peer) != linked.end()) {
      return round + 1;
    }
  }
  if (rejoin <= round + 1) return round + 1;
  log("neighbours are at round " + std::to_string(rejoin) + ": rejoining there (skipping " +
      std::to_string(rejoin - round - 1) + " rounds)");
  return rejoin;
}

bool wait_for_neighbours(Transport& transport, const std::vector<int>& neighbours, const TrainingConfig& config,
                         const std::function<bool()>& stop, const std::function<void(const std::string&)>& log) {
  const double limit = config.startup_timeout_seconds;
  const auto started = Clock::now(), deadline = started + timeout(limit);
  auto next_word = started + std::chrono::seconds(2);
  std::vector<int> down;
  for (;;) {
    down = transport.wait_for_links(std::min(deadline, Clock::now() + std::chrono::seconds(1)));
    if (down.empty() || Clock::now() >= deadline) break;
    if (stop && stop()) return false;
    if (Clock::now() >= next_word) {
      next_word = Clock::now() + std::chrono::seconds(10);
      char waited[64];
      std::snprintf(waited, sizeof(waited), " (%.0f s of %.0f s)", seconds(Clock::now() - started), limit);
      log("waiting for peer(s) " + id_list(down) + waited);
    }
  }
  if (down.empty()) return true;
  char after[64];
  std::snprintf(after, sizeof(after), "%.0f s", limit);
  if (down.size() == neighbours.size() && !config.train_alone) {
    throw std::runtime_error("no neighbour linked within startup_timeout_seconds (" + std::string(after) + "): peer(s) " +
                             id_list(down) + " never came. Check that they run and that their host:port is reachable "
                             "from here; set training.train_alone to true to train without them");
  }
  log("starting without neighbour(s) " + id_list(down) + ": never linked within " + after);
  return true;
}

void say_goodbye(Transport& transport, const std::vector<int>& neighbours, const TrainingConfig& config,
                 const std::set<int>& heard, const std::function<void(const std::string&)>& log) {
  std::vector<Outgoing> sends;
  for (int neighbour : neighbours) sends.push_back({neighbour, {}, 0});
  const auto deadline = Clock::now() + timeout(config.round_timeout_seconds);
  ExchangeResult result =
      transport.exchange({config.rounds, wire_kind(MessageKind::kFinished), sends, neighbours, deadline, true});
  std::string gone, never;
  for (int neighbour : result.missing) (heard.contains(neighbour) ? gone : never) += " " + std::to_string(neighbour);
  if (!gone.empty()) log("finished; neighbour(s)" + gone + " had gone");
  if (!never.empty()) log("finished; neighbour(s)" + never + " never linked in the whole run");
}

}  // namespace gossip
