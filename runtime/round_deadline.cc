#include "runtime/round_deadline.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace gossip {
namespace {

using Seconds = std::chrono::duration<double>;

}  // namespace

RoundDeadline::RoundDeadline(bool adaptive, Clock::duration floor, Clock::duration cap)
    : adaptive_(adaptive), floor_(Seconds(floor).count()), cap_(Seconds(cap).count()) {}

bool RoundDeadline::all_stalled(const Neighbourhood& neighbourhood) const {
  return !neighbourhood.in.empty() && std::all_of(neighbourhood.in.begin(), neighbourhood.in.end(),
                                                  [&](const WeightedPeer& in) { return stalled_.contains(in.peer); });
}

Clock::duration RoundDeadline::timeout(const Neighbourhood& neighbourhood) const {
  double wait = cap_;
  if (adaptive_ && !neighbourhood.in.empty() && !all_stalled(neighbourhood)) {
    std::vector<double> bounds;
    for (const WeightedPeer& in : neighbourhood.in) {
      const auto it = estimates_.find(in.peer);
      bounds.push_back(it == estimates_.end() ? cap_ : 2 * (it->second.arrival + 4 * it->second.deviation));
    }
    const auto median = bounds.begin() + static_cast<std::ptrdiff_t>((bounds.size() - 1) / 2);
    std::nth_element(bounds.begin(), median, bounds.end());
    wait = std::clamp(*median, std::min(floor_, cap_), cap_);
  }
  return std::chrono::duration_cast<Clock::duration>(Seconds(wait));
}

std::vector<int> RoundDeadline::dont_wait_for(const Neighbourhood& neighbourhood) const {
  std::vector<int> peers;
  if (!adaptive_ || all_stalled(neighbourhood)) return peers;
  for (const WeightedPeer& in : neighbourhood.in) {
    if (stalled_.contains(in.peer)) peers.push_back(in.peer);
  }
  return peers;
}

void RoundDeadline::observe(const RoundReport& report, std::span<const int> linked) {
  for (int peer : report.missing) {
    if (std::find(linked.begin(), linked.end(), peer) != linked.end()) stalled_.insert(peer);
  }
  for (int peer : report.late) stalled_.erase(peer);
  for (const auto& [peer, newest] : report.behind) {
    const auto [it, fresh] = behind_.try_emplace(peer, newest);
    if (!fresh && newest > it->second) stalled_.erase(peer);
    it->second = newest;
  }
  for (const auto& [peer, after] : report.arrivals) {
    stalled_.erase(peer);
    const double sample = Seconds(after).count();
    auto [it, fresh] = estimates_.try_emplace(peer, Estimate{sample, sample / 2});
    if (fresh) continue;
    Estimate& estimate = it->second;
    estimate.deviation = 0.75 * estimate.deviation + 0.25 * std::abs(sample - estimate.arrival);
    estimate.arrival = 0.875 * estimate.arrival + 0.125 * sample;
  }
}

}  // namespace gossip
