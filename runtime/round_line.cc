#include "runtime/round_line.h"

#include <algorithm>
#include <chrono>

#include "runtime/sketch.h"

namespace gossip {

double seconds(Clock::duration d) { return std::chrono::duration_cast<std::chrono::duration<double>>(d).count(); }

nlohmann::json round_line(int64_t round, Clock::duration elapsed, double learning_rate, const RoundTotals& totals,
                          const TransportStats& before, const TransportStats& after) {
  nlohmann::json line{{"round", round},
                      {"elapsed_seconds", seconds(elapsed)},
                      {"learning_rate", learning_rate},
                      {"loss", totals.loss()},
                      {"bytes_sent", after.bytes_sent - before.bytes_sent},
                      {"bytes_received", after.bytes_received - before.bytes_received},
                      {"payload_bytes", totals.payload_bytes},
                      {"compute_seconds", seconds(totals.compute)},
                      {"communicate_seconds", seconds(totals.sending)},
                      {"wait_seconds", std::max(0.0, seconds(totals.exchange - totals.sending))},
                      {"missing", totals.missing},
                      {"deadline_seconds", seconds(totals.deadline)}};
  if (!totals.late.empty()) line["late_mixed"] = totals.late;
  if (totals.count > 0) line["train_accuracy"] = static_cast<double>(totals.correct) / totals.count;
  return line;
}

void add_sketch(nlohmann::json& line, std::span<const float> model, int sketch_size, uint64_t run_seed) {
  if (sketch_size <= 0) return;
  line["sketch"] = model_sketch(model, sketch_size, sketch_seed(run_seed, line["round"].get<int64_t>()));
}

}  // namespace gossip
