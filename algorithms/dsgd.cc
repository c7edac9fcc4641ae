#include "algorithms/dsgd.h"

#include <stdexcept>

namespace gossip {

void dsgd_round(const DsgdRound& round, const std::function<void()>& local_step, const std::function<void()>& combine) {
  if (round.local_steps < 1) throw std::invalid_argument("dsgd_round: local_steps must be at least 1");
  if (round.order == DsgdOrder::kCombineThenAdapt) combine();
  for (int step = 0; step < round.local_steps; ++step) local_step();
  if (round.order == DsgdOrder::kAdaptThenCombine) combine();
}

}  // namespace gossip
