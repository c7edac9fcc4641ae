// `gossip bench kernels`: each operation of the peer loop on the CPU and, where one is
// visible, on the GPU, side by side: the achieved memory bandwidth (or FLOP/s for the
// matrix products) against the device's peak. The GPU's peaks come from its properties
// (memory clock x bus width x 2; SMs x FP32 lanes x clock x 2); the CPU's bandwidth peak is
// measured in the same run (the best of a memcpy and a read-only sum), and its FLOP/s have
// none (a VM does not say how many FMA units a core has). Medians of the repetitions, after
// one warm-up.
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>  // --json output
#include <optional>
#include <string>
#include <vector>

namespace gossip::bench {

struct KernelBenchOptions {
  std::size_t length = std::size_t{1} << 24;  // floats a vector (64 MiB): past every cache
  int inputs = 3;                             // k of the neighbourhood operations: a ring's
  int batch = 256;                            // columns of the dense layer 784 -> 256
  int repetitions = 9;
  bool gpu = true;  // false: the CPU column only
};

enum class KernelOperation {
  kWeightedSum, kSgdStep, kMedian, kTrimmedMean, kSquaredDistance, kAllFinite, kRelu, kDenseForward,
  kDenseBackward, kSoftmax, kSignBits, kQsgdCodes, kTopK, kSketch
};
inline constexpr std::array kKernelOperations{
    KernelOperation::kWeightedSum,  KernelOperation::kSgdStep,        KernelOperation::kMedian,
    KernelOperation::kTrimmedMean,  KernelOperation::kSquaredDistance, KernelOperation::kAllFinite,
    KernelOperation::kRelu,         KernelOperation::kDenseForward,    KernelOperation::kDenseBackward,
    KernelOperation::kSoftmax,      KernelOperation::kSignBits,        KernelOperation::kQsgdCodes,
    KernelOperation::kTopK,         KernelOperation::kSketch};

// QSGD's bits per value, top-k's share of the values and the sketch's rows, as timed.
inline constexpr int kQsgdBits = 4, kTopKPerMille = 10, kSketchRows = 64;

// The layer the dense rows time, and the classes of the softmax (whose columns are length / 10).
inline constexpr int kDenseInputs = 784, kDenseOutputs = 256, kSoftmaxClasses = 10;

struct KernelWork {
  std::string name;
  bool flops = false;  // work counts FLOPs (the products), else bytes moved
  double amount = 0;   // per call
  std::string formula;
};
KernelWork kernel_work(KernelOperation operation, const KernelBenchOptions& options);

struct DevicePeaks {
  std::string name;
  double bytes_per_second = 0;
  double flops = 0;  // 0: not known
};

struct KernelRow {
  KernelWork work;
  double cpu_seconds = 0;
  std::optional<double> gpu_seconds;
};

struct KernelBenchReport {
  KernelBenchOptions options;
  DevicePeaks cpu;
  std::optional<DevicePeaks> gpu;
  std::string gpu_note;  // why there is no GPU column
  std::vector<KernelRow> rows;
};

KernelBenchReport run_kernel_bench(const KernelBenchOptions& options);
std::string format_kernel_bench(const KernelBenchReport& report);
nlohmann::json kernel_bench_json(const KernelBenchReport& report);

// The GPU column (bench/kernel_bench_gpu.cc): seconds per call in kKernelOperations' order,
// or nothing, with the reason in `why`, where no GPU is usable.
struct GpuKernelTimes {
  DevicePeaks peaks;
  std::vector<double> seconds;
};
std::optional<GpuKernelTimes> time_gpu_kernels(const KernelBenchOptions& options, std::string& why);

double median_seconds(std::vector<double> seconds);

}  // namespace gossip::bench
