#include "bench/kernel_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <Eigen/Core>  // the read-only sum of the bandwidth reference
#include <random>

#include "bench/kernel_operations.h"
#include "kernels/float_buffer.h"

namespace gossip::bench {
namespace {

using Clock = std::chrono::steady_clock;

volatile float sink;  // where a result goes that nothing reads, so it is still computed

// "41%", or "-" where the device's peak is not known.
std::string percent(double fraction) {
  if (fraction <= 0) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100 * fraction);
  return text;
}

// The CPU's measured peak: the best rate of a memcpy (2 n 4 bytes) and of a read-only sum
// (n 4 bytes) over the repetitions, the most a streaming kernel is seen to get here.
double measured_peak_bandwidth(const KernelBenchOptions& options) {
  FloatBuffer from(options.length, 1.0f), to(options.length);
  const double bytes = static_cast<double>(options.length) * sizeof(float);
  double best = 0;
  for (int repetition = -1; repetition < options.repetitions; ++repetition) {
    auto begin = Clock::now();
    std::memcpy(to.data(), from.data(), options.length * sizeof(float));
    const double copy = std::chrono::duration<double>(Clock::now() - begin).count();
    begin = Clock::now();
    sink = Eigen::Map<const Eigen::ArrayXf>(to.data(), static_cast<Eigen::Index>(options.length)).sum();
    const double read = std::chrono::duration<double>(Clock::now() - begin).count();
    if (repetition >= 0) best = std::max({best, 2 * bytes / copy, bytes / read});
  }
  return best;
}

const KernelSet kCpuKernels{&cpu::weighted_sum,  &cpu::sgd_step,       &cpu::coordinate_median,
                            &cpu::trimmed_mean,  &cpu::squared_distance, &cpu::all_finite,
                            &cpu::relu_forward,  &cpu::dense_forward,   &cpu::dense_backward,
                            &cpu::softmax_cross_entropy, &cpu::sign_bits, &cpu::qsgd_codes,
                            &cpu::top_k_indices, &cpu::sketch};

std::vector<double> time_cpu_kernels(const KernelBenchOptions& options) {
  const KernelShapes shapes(options);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  auto filled = [&](std::size_t size) {
    FloatBuffer values(size);
    for (float& value : values) value = normal(rng);
    return values;
  };
  std::vector<FloatBuffer> inputs;
  for (int k = 0; k < options.inputs; ++k) inputs.push_back(filled(shapes.length));
  FloatBuffer out = filled(shapes.length), parameters = filled(shapes.length), momentum(shapes.length);
  FloatBuffer weights = filled(shapes.weights), bias = filled(kDenseOutputs), dense_input = filled(shapes.dense_input),
              grad_output = filled(shapes.dense_output), dense_output(shapes.dense_output), grad_weights(shapes.weights),
              grad_bias(kDenseOutputs), grad_input(shapes.dense_input), logits = filled(shapes.logits),
              grad_logits(shapes.logits);
  std::vector<uint8_t> labels(shapes.labels), packed(shapes.packed_bytes);
  std::vector<uint32_t> indices(shapes.kept);
  for (auto& label : labels) label = static_cast<uint8_t>(rng() % kSoftmaxClasses);
  KernelBuffers buffers{{}, out.data(), parameters.data(), momentum.data(), weights.data(), bias.data(),
                        dense_input.data(), grad_output.data(), dense_output.data(), grad_weights.data(),
                        grad_bias.data(), grad_input.data(), logits.data(), labels.data(), grad_logits.data(),
                        packed.data(), indices.data()};
  for (const auto& input : inputs) buffers.inputs.push_back(input.data());
  std::vector<double> medians;
  for (KernelOperation operation : kKernelOperations) {
    std::vector<double> seconds;
    for (int repetition = -1; repetition < options.repetitions; ++repetition) {
      const auto begin = Clock::now();
      run_kernel_operation(kCpuKernels, operation, buffers, options);
      if (repetition >= 0) seconds.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
    }
    medians.push_back(median_seconds(seconds));
  }
  return medians;
}

double rate(const KernelWork& work, double seconds) { return work.amount / seconds; }

double of_peak(const KernelWork& work, double seconds, const DevicePeaks& peaks) {
  const double peak = work.flops ? peaks.flops : peaks.bytes_per_second;
  return peak > 0 ? rate(work, seconds) / peak : 0;
}

}  // namespace

double median_seconds(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

KernelWork kernel_work(KernelOperation operation, const KernelBenchOptions& options) {
  const double n = static_cast<double>(options.length), k = options.inputs, floats = 4;
  const double layer = 2.0 * kDenseInputs * kDenseOutputs * options.batch;
  const double columns = std::floor(n / kSoftmaxClasses);
  switch (operation) {
    case KernelOperation::kWeightedSum:
      return {"weighted_sum", false, (k + 1) * n * floats, "read k, write 1: (k+1) n 4 B"};
    case KernelOperation::kSgdStep:
      return {"sgd_step (momentum)", false, 5 * n * floats, "read p, g, b; write p, b: 5 n 4 B"};
    case KernelOperation::kMedian:
      return {"coordinate_median", false, (k + 1) * n * floats, "read k, write 1: (k+1) n 4 B"};
    case KernelOperation::kTrimmedMean:
      return {"trimmed_mean", false, (k + 1) * n * floats, "read k, write 1: (k+1) n 4 B"};
    case KernelOperation::kSquaredDistance:
      return {"squared_distance", false, 2 * n * floats, "read 2: 2 n 4 B"};
    case KernelOperation::kAllFinite:
      return {"all_finite", false, n * floats, "read 1: n 4 B"};
    case KernelOperation::kRelu:
      return {"relu_forward", false, 2 * n * floats, "read 1, write 1: 2 n 4 B"};
    case KernelOperation::kDenseForward:
      return {"dense_forward", true, layer, "2 in out batch FLOP"};
    case KernelOperation::kDenseBackward:
      return {"dense_backward", true, 2 * layer, "two products: 4 in out batch FLOP"};
    case KernelOperation::kSoftmax:
      return {"softmax_cross_entropy", false, columns * (2 * kSoftmaxClasses * floats + 1),
              "read logits, labels; write grad: (2 c 4 + 1) n/c B"};
    case KernelOperation::kSignBits:
      return {"sign_bits", false, n * floats + n / 8, "read 1, write a bit each: n 4 + n/8 B"};
    case KernelOperation::kQsgdCodes:
      return {"qsgd_codes (4 bits)", false, n * floats + n * kQsgdBits / 8, "read 1, write 4 bits each: n 4 + n/2 B"};
    case KernelOperation::kTopK:
      return {"top_k_indices (1%)", false, n * floats, "read 1 (a selection: n 4 B, not the sort's traffic)"};
    case KernelOperation::kSketch:
      return {"sketch (64 rows)", false, n * floats, "read 1: n 4 B"};
  }
  return {};
}

KernelBenchReport run_kernel_bench(const KernelBenchOptions& options) {
  KernelBenchReport report;
  report.options = options;
  report.cpu = {"CPU, 1 thread", measured_peak_bandwidth(options), 0};
  const std::vector<double> cpu = time_cpu_kernels(options);
  std::optional<GpuKernelTimes> gpu;
  if (options.gpu) {
    gpu = time_gpu_kernels(options, report.gpu_note);
  } else {
    report.gpu_note = "left out (--cpu-only)";
  }
  if (gpu) report.gpu = gpu->peaks;
  for (std::size_t i = 0; i < kKernelOperations.size(); ++i) {
    KernelRow row{kernel_work(kKernelOperations[i], options), cpu[i], std::nullopt};
    if (gpu) row.gpu_seconds = gpu->seconds[i];
    report.rows.push_back(row);
  }
  return report;
}

std::string format_kernel_bench(const KernelBenchReport& report) {
  const KernelBenchOptions& options = report.options;
  std::string out;
  char line[320];
  std::snprintf(line, sizeof line,
                "n = %zu floats, k = %d inputs, dense %d -> %d at batch %d, softmax over %d classes; median of %d\n",
                options.length, options.inputs, kDenseInputs, kDenseOutputs, options.batch, kSoftmaxClasses,
                options.repetitions);
  out += line;
  std::snprintf(line, sizeof line, "CPU: 1 thread, peak %.1f GB/s measured (the best of a memcpy and a read-only sum); "
                "FLOP/s peak unknown\n",
                report.cpu.bytes_per_second / 1e9);
  out += line;
  if (report.gpu) {
    std::snprintf(line, sizeof line, "GPU: %s, peak %.0f GB/s (memory clock x bus width x 2), %.1f TFLOP/s FP32 "
                  "(SMs x lanes x clock x 2)\n",
                  report.gpu->name.c_str(), report.gpu->bytes_per_second / 1e9, report.gpu->flops / 1e12);
  } else {
    std::snprintf(line, sizeof line, "GPU: none, %s\n", report.gpu_note.c_str());
  }
  out += line;
  out += "operation               unit       CPU ms   CPU rate  of peak     GPU ms   GPU rate  of peak  GPU/CPU\n";
  for (const KernelRow& row : report.rows) {
    std::snprintf(line, sizeof line, "%-22s %-8s %9.3f %10.2f %8s", row.work.name.c_str(),
                  row.work.flops ? "GFLOP/s" : "GB/s", row.cpu_seconds * 1e3, rate(row.work, row.cpu_seconds) / 1e9,
                  percent(of_peak(row.work, row.cpu_seconds, report.cpu)).c_str());
    out += line;
    if (row.gpu_seconds && report.gpu) {
      std::snprintf(line, sizeof line, " %10.4f %10.1f %8s %8.1fx\n", *row.gpu_seconds * 1e3,
                    rate(row.work, *row.gpu_seconds) / 1e9,
                    percent(of_peak(row.work, *row.gpu_seconds, *report.gpu)).c_str(),
                    row.cpu_seconds / *row.gpu_seconds);
    } else {
      std::snprintf(line, sizeof line, " %10s %10s %8s %8s\n", "-", "-", "-", "-");
    }
    out += line;
  }
  out += "work per call:\n";
  for (const KernelRow& row : report.rows) out += "  " + row.work.name + ": " + row.work.formula + "\n";
  return out;
}

nlohmann::json kernel_bench_json(const KernelBenchReport& report) {
  nlohmann::json rows = nlohmann::json::array();
  for (const KernelRow& row : report.rows) {
    nlohmann::json entry{{"operation", row.work.name}, {"unit", row.work.flops ? "FLOP" : "byte"},
                         {"work_per_call", row.work.amount}, {"formula", row.work.formula},
                         {"cpu_seconds", row.cpu_seconds}};
    if (row.gpu_seconds) entry["gpu_seconds"] = *row.gpu_seconds;
    rows.push_back(entry);
  }
  nlohmann::json json{{"length", report.options.length}, {"inputs", report.options.inputs},
                      {"batch", report.options.batch}, {"repetitions", report.options.repetitions},
                      {"cpu_copy_bytes_per_second", report.cpu.bytes_per_second}, {"rows", rows}};
  if (report.gpu) {
    json["gpu"] = {{"name", report.gpu->name}, {"peak_bytes_per_second", report.gpu->bytes_per_second},
                   {"peak_flops", report.gpu->flops}};
  } else {
    json["gpu_note"] = report.gpu_note;
  }
  return json;
}

}  // namespace gossip::bench
