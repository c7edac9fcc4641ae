#include "algorithms/rules/late_mix.h"

#include <algorithm>

namespace gossip {

void LateMix::missed(int64_t round, std::span<const float> own, std::vector<WeightedPeer> absent) {
  if (window_ == 0 || absent.empty()) return;
  entries_.push_back({round, std::vector<float>(own.begin(), own.end()), std::move(absent)});
}

void LateMix::expire(int64_t now) {
  while (!entries_.empty() && (entries_.front().round < now - window_ || entries_.front().absent.empty())) {
    entries_.pop_front();
  }
}

std::optional<LateMix::Stand> LateMix::take(int64_t round, int peer) {
  for (Entry& entry : entries_) {
    if (entry.round != round) continue;
    auto it = std::find_if(entry.absent.begin(), entry.absent.end(), [&](const WeightedPeer& p) { return p.peer == peer; });
    if (it == entry.absent.end()) return std::nullopt;
    const double weight = it->weight;
    entry.absent.erase(it);
    return Stand{weight, entry.own};
  }
  return std::nullopt;
}

}  // namespace gossip
