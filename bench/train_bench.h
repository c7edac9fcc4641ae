// `gossip bench train`: how many samples per second one peer's local steps process, for
// the MLP task on the CPU. A step is what a peer does between gossip rounds: forward,
// backward, and an SGD update with momentum 0.9. Random data of Fashion-MNIST's shape
// (784 inputs, 10 classes), so no dataset is needed. bench/train_reference.py measures
// the same steps in PyTorch and prints the same JSON fields; bench/train_compare.sh
// runs both.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>  // --json output
#include <string>
#include <vector>

namespace gossip::bench {

struct TrainBenchOptions {
  int batch = 64;
  int threads = 1;                    // for the matrix products (cpu::set_threads)
  std::vector<int> hidden{256, 128};  // hidden layer widths
  double seconds = 0.5;               // per timed repetition, when steps is 0
  int steps = 0;                      // per timed repetition; 0: as many as take `seconds`
  int repetitions = 7;
};

struct TrainBenchReport {
  TrainBenchOptions options;
  std::size_t parameters = 0;
  int steps = 0;                           // per repetition
  std::vector<double> samples_per_second;  // one per repetition, in the order measured
  double min = 0, median = 0, max = 0;     // of samples_per_second
  std::string simd;                        // the instruction sets Eigen was compiled for
};

// Throws std::invalid_argument on options out of range, naming them.
TrainBenchReport run_train_bench(const TrainBenchOptions& options);

std::string format_train_bench(const TrainBenchReport& report);
nlohmann::json train_bench_json(const TrainBenchReport& report);

}  // namespace gossip::bench
