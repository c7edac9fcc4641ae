// Making good a mix that only one side of a link made. When peer i's deadline passes before
// j's message of round t comes, i mixes its own vector c_i in j's place while j, which had
// i's message, mixed it: row i stays convex but column i no longer sums to 1, and the network
// mean moves by w_ij (c_i - c_j) / n. The message usually comes a moment later (a slow peer,
// a link that dropped and came back), so i keeps what it mixed in j's place and, when j's
// round-t message arrives within the window, adds w_ij (c_j - c_i): what the on-time mix would
// have added. Both sides then applied the edge, and the mean is back to where on-time mixing
// would have left it. Only a message that never comes (its sender died) still moves the mean.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "algorithms/algorithm.h"

namespace gossip {

class LateMix {
 public:
  // `window`: rounds a message may come after its own (0: nothing is kept).
  explicit LateMix(int window) : window_(window) {}

  // Round `round` mixed `own` in place of `absent` (in-neighbours whose message had not
  // come, with w_ij of that round). Copies `own` only when something was absent.
  void missed(int64_t round, std::span<const float> own, std::vector<WeightedPeer> absent);
  // Round `now` begins: what is older than the window is forgotten.
  void expire(int64_t now);

  struct Stand {
    double weight = 0;            // w_ij of the round it missed
    std::span<const float> own;   // c_i, mixed in j's place
  };
  // Whether `peer`'s message of `round` was missed and not yet made good; it is made good
  // by the caller, so it is forgotten here. `own` stays valid until the next missed() or expire().
  std::optional<Stand> take(int64_t round, int peer);

 private:
  struct Entry {
    int64_t round = 0;
    std::vector<float> own;
    std::vector<WeightedPeer> absent;
  };
  int window_;
  std::deque<Entry> entries_;  // oldest first
};

}  // namespace gossip
