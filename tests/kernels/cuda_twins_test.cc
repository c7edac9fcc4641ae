// Every CUDA kernel against its CPU twin (kernels/*.h), on the same inputs, for sizes 0, 1,
// odd and large: equal where the two compute the same roundings in the same order (the
// order statistics, ReLU, the argmax), within a stated tolerance where they cannot (sums
// taken in another order, products through cuBLAS, expf). They run where a GPU is visible
// and report themselves skipped, with the reason, elsewhere.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gossip/config.h"
#include "kernels/compression.h"
#include "kernels/cpu_device.h"
#include "kernels/dense.h"
#include "kernels/distances.h"
#include "kernels/gather.h"
#include "kernels/order_statistics.h"
#include "kernels/sgd_step.h"
#include "kernels/sketch.h"
#include "kernels/weighted_sum.h"
#include "support/random_values.h"
#if GOSSIP_HAVE_CUDA
#include "kernels/cuda/device.h"
#include "kernels/cuda/device_buffer.h"
#endif

using namespace gossip;

#if !GOSSIP_HAVE_CUDA

TEST_CASE("cuda twins of the CPU kernels") {
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)");
}

#else

namespace {

using cuda::DeviceBuffer;

bool gpu_visible() {
  if (cuda::device_count() > 0) return true;
  MESSAGE("SKIPPED: " << cuda::describe_devices());
  return false;
}

const std::size_t kLengths[] = {0, 1, 1001, std::size_t{1} << 22};

DeviceBuffer<float> on_gpu(const std::vector<float>& host) { return DeviceBuffer<float>(std::span<const float>(host)); }

// |gpu - cpu| <= relative * scale + 1e-30, element by element, naming the first that is not.
void require_close(const std::vector<float>& gpu, const std::vector<float>& cpu, double relative,
                   const std::vector<float>& scale) {
  REQUIRE(gpu.size() == cpu.size());
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double bound = relative * (std::abs(static_cast<double>(scale[i])) + std::abs(cpu[i])) + 1e-30;
    if (!(std::abs(static_cast<double>(gpu[i]) - cpu[i]) <= bound)) {
      FAIL("element " << i << ": gpu " << gpu[i] << ", cpu " << cpu[i] << " (bound " << bound << ")");
    }
  }
}

void require_equal(const std::vector<float>& gpu, const std::vector<float>& cpu) {
  REQUIRE(gpu.size() == cpu.size());
  const auto [g, c] = std::mismatch(gpu.begin(), gpu.end(), cpu.begin());
  if (g != gpu.end()) FAIL("element " << (g - gpu.begin()) << ": gpu " << *g << ", cpu " << *c);
}

}  // namespace

TEST_CASE("cuda sgd_step matches cpu within 2^-20 of the values' scale: plain, momentum, Nesterov, weight decay") {
  if (!gpu_visible()) return;
  std::mt19937 rng(5);
  const SgdOptions options[] = {{0.1f, 0.0f, 0.0f, false}, {0.05f, 0.9f, 1e-4f, false}, {0.05f, 0.9f, 5e-4f, true}};
  for (const SgdOptions& option : options) {
    for (std::size_t length : kLengths) {
      INFO("length " << length << ", momentum " << option.momentum << ", nesterov " << option.nesterov);
      std::vector<float> p = testing::random_normal(length, rng), g = testing::random_normal(length, rng),
                         b = testing::random_normal(length, rng);
      DeviceBuffer<float> dp = on_gpu(p), dg = on_gpu(g), db = on_gpu(b);
      for (int step = 0; step < 3; ++step) {
        cpu::sgd_step(option, p.data(), g.data(), b.data(), length);
        cuda::sgd_step(option, dp.data(), dg.data(), db.data(), length);
      }
      // The CPU build may fuse a multiply-add (-mfma) where the GPU rounds each: a few ulps.
      require_close(dp.download(), p, 1.0 / (1 << 20), b);
      require_close(db.download(), b, 1.0 / (1 << 20), g);
    }
  }
  CHECK_THROWS_AS(cuda::sgd_step({0.1f, 0.0f, 0.0f, true}, nullptr, nullptr, nullptr, 1), std::invalid_argument);
}

TEST_CASE("cuda add_scaled equals the CPU's out += scale * x, each operation rounded alone") {
  if (!gpu_visible()) return;
  std::mt19937 rng(8);
  for (std::size_t length : kLengths) {
    INFO("length " << length);
    std::vector<float> out = testing::random_normal(length, rng), x = testing::random_normal(length, rng);
    DeviceBuffer<float> dout = on_gpu(out), dx = on_gpu(x);
    cuda::add_scaled(dout.data(), 5e-4f, dx.data(), length);
    CpuDevice::add_scaled(out.data(), 5e-4f, x.data(), length);
    // Equal unless the CPU build fused the multiply-add (-mfma): then within an ulp.
    require_close(dout.download(), out, 1.0 / (1 << 23), out);
  }
}

TEST_CASE("cuda gather_rows equals cpu's: the same floats through the table, the same labels, batches 0 to 1000") {
  if (!gpu_visible()) return;
  std::mt19937 rng(9);
  const std::size_t row_length = 784, rows = 3000;
  std::vector<uint8_t> pixels(rows * row_length), labels(rows);
  for (auto& p : pixels) p = static_cast<uint8_t>(rng());
  for (auto& l : labels) l = static_cast<uint8_t>(rng() % 10);
  std::vector<float> table(256);
  for (int v = 0; v < 256; ++v) table[v] = (v / 255.0f - 0.3f) / 0.35f;
  DeviceBuffer<uint8_t> dpixels{std::span<const uint8_t>(pixels)}, dlabels{std::span<const uint8_t>(labels)};
  DeviceBuffer<float> dtable = on_gpu(table);
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{33}, std::size_t{1000}}) {
    INFO("batch " << count);
    std::vector<int> indices(count);
    for (auto& i : indices) i = static_cast<int>(rng() % rows);
    std::vector<float> images(count * row_length);
    std::vector<uint8_t> batch_labels(count);
    cpu::gather_rows(pixels.data(), row_length, labels.data(), indices.data(), count, table.data(), images.data(),
                     batch_labels.data());
    DeviceBuffer<int> dindices{std::span<const int>(indices)};
    DeviceBuffer<float> dimages(count * row_length);
    DeviceBuffer<uint8_t> dbatch_labels(count);
    cuda::gather_rows(dpixels.data(), row_length, dlabels.data(), dindices.data(), count, dtable.data(), dimages.data(),
                      dbatch_labels.data());
    require_equal(dimages.download(), images);
    CHECK(dbatch_labels.download() == batch_labels);
  }
}

template <typename T>
DeviceBuffer<T> from_gpuas(const std::vector<T>& host) {
  return DeviceBuffer<T>(std::span<const T>(host));
}

TEST_CASE("cuda compression: the sums within 1e-12, sign and QSGD bytes and values equal cpu's, for 2 to 16 bits") {
  if (!gpu_visible()) return;
  std::mt19937 rng(10);
  for (std::size_t length : kLengths) {
    INFO("length " << length);
    std::vector<float> values = testing::random_normal(length, rng);
    if (length > 1) values[1] = -0.0f;  // a negative zero: its sign bit is set, and it is not < 0
    DeviceBuffer<float> dvalues = on_gpu(values);
    const double squares = cpu::sum_of_squares(values.data(), length);
    CHECK(cuda::sum_of_squares(dvalues.data(), length) == doctest::Approx(squares).epsilon(1e-12));
    CHECK(cuda::sum_of_squares(dvalues.data(), length) == cuda::sum_of_squares(dvalues.data(), length));
    CHECK(cuda::sum_of_magnitudes(dvalues.data(), length) ==
          doctest::Approx(cpu::sum_of_magnitudes(values.data(), length)).epsilon(1e-12));

    std::vector<uint8_t> bits((length + 7) / 8);
    cpu::sign_bits(values.data(), length, bits.data());
    DeviceBuffer<uint8_t> dbits(bits.size());
    cuda::sign_bits(dvalues.data(), length, dbits.data());
    CHECK(dbits.download() == bits);
    std::vector<float> signs(length);
    DeviceBuffer<float> dsigns(length);
    cpu::sign_values(bits.data(), length, 0.75f, signs.data());
    cuda::sign_values(dbits.data(), length, 0.75f, dsigns.data());
    require_equal(dsigns.download(), signs);

    const float norm = static_cast<float>(std::sqrt(squares));
    for (int code_bits : {2, 4, 8, 16}) {
      INFO("bits " << code_bits);
      const int levels = (1 << (code_bits - 1)) - 1;
      const std::size_t bytes = (length * code_bits + 7) / 8, words = (length * code_bits + 31) / 32;
      std::vector<uint8_t> packed(bytes);
      cpu::qsgd_codes(values.data(), length, norm, levels, code_bits, 99, packed.data());
      DeviceBuffer<uint8_t> dpacked(4 * words);
      cuda::qsgd_codes(dvalues.data(), length, norm, levels, code_bits, 99, dpacked.data());
      std::vector<uint8_t> from_gpu = dpacked.download();
      from_gpu.resize(bytes);
      CHECK(from_gpu == packed);
      std::vector<float> decoded(length);
      DeviceBuffer<float> ddecoded(length);
      REQUIRE(cpu::qsgd_values(packed.data(), length, norm, levels, code_bits, decoded.data()));
      REQUIRE(cuda::qsgd_values(dpacked.data(), length, norm, levels, code_bits, ddecoded.data()));
      require_equal(ddecoded.download(), decoded);
    }
  }
  // A level above s is refused by both.
  std::vector<uint8_t> bad{0xff, 0xff};
  DeviceBuffer<uint8_t> dbad = from_gpuas(bad);
  std::vector<float> out(4);
  DeviceBuffer<float> dout(4);
  CHECK_FALSE(cpu::qsgd_values(bad.data(), 4, 1.0f, 2, 4, out.data()));
  CHECK_FALSE(cuda::qsgd_values(dbad.data(), 4, 1.0f, 2, 4, dout.data()));
}

TEST_CASE("cuda top-k indices, gather and scatter equal cpu's, ties and NaN included") {
  if (!gpu_visible()) return;
  std::mt19937 rng(11);
  for (std::size_t length : kLengths) {
    if (length == 0) continue;
    std::vector<float> values = testing::random_normal(length, rng);
    // Ties of magnitude (the lowest indices win them) and a NaN (larger than anything).
    for (std::size_t i = 0; i < length; i += 7) values[i] = (i % 2 ? -0.5f : 0.5f);
    if (length > 3) values[length / 2] = std::nanf("");
    DeviceBuffer<float> dvalues = on_gpu(values);
    for (std::size_t k : {std::size_t{1}, length / 100 + 1, length / 7 + 1, length}) {
      INFO("length " << length << ", k " << k);
      std::vector<uint32_t> indices(k);
      cpu::top_k_indices(values.data(), length, k, indices.data());
      DeviceBuffer<uint32_t> dindices(k);
      cuda::top_k_indices(dvalues.data(), length, k, dindices.data());
      CHECK(dindices.download() == indices);
      std::vector<float> kept(k), scaled(k), back(length);
      DeviceBuffer<float> dkept(k), dscaled(k), dback(length);
      cpu::gather(values.data(), indices.data(), k, kept.data());
      cuda::gather(dvalues.data(), dindices.data(), k, dkept.data());
      cpu::gather_scaled(values.data(), indices.data(), k, 3.5f, scaled.data());
      cuda::gather_scaled(dvalues.data(), dindices.data(), k, 3.5f, dscaled.data());
      cpu::scatter(kept.data(), indices.data(), k, length, back.data());
      cuda::scatter(dkept.data(), dindices.data(), k, length, dback.data());
      // Copies bit for bit, the NaN too; a product of a NaN is a NaN, whose payload the GPU
      // may make its canonical one.
      auto bits = [](const std::vector<float>& v) {
        std::vector<uint32_t> out(v.size());
        std::memcpy(out.data(), v.data(), 4 * v.size());
        return out;
      };
      auto canonical = [&bits](std::vector<float> v) {
        for (float& value : v) {
          if (std::isnan(value)) value = std::numeric_limits<float>::quiet_NaN();
        }
        return bits(v);
      };
      CHECK(bits(dkept.download()) == bits(kept));
      CHECK(canonical(dscaled.download()) == canonical(scaled));
      CHECK(bits(dback.download()) == bits(back));
    }
  }
}

TEST_CASE("cuda add_scaled_difference (clipping's step) equals cpu's, each operation rounded alone") {
  if (!gpu_visible()) return;
  std::mt19937 rng(12);
  for (std::size_t length : kLengths) {
    INFO("length " << length);
    std::vector<float> out = testing::random_normal(length, rng), a = testing::random_normal(length, rng),
                       b = testing::random_normal(length, rng);
    DeviceBuffer<float> dout = on_gpu(out), da = on_gpu(a), db = on_gpu(b);
    cpu::add_scaled_difference(out.data(), 0.3f, a.data(), b.data(), length);
    cuda::add_scaled_difference(dout.data(), 0.3f, da.data(), db.data(), length);
    require_equal(dout.download(), out);
  }
}

TEST_CASE("cuda sketch matches cpu within 1e-5 of the model's norm, for 1 to 300 rows") {
  if (!gpu_visible()) return;
  std::mt19937 rng(13);
  for (std::size_t length : kLengths) {
    const std::vector<float> model = testing::random_normal(length, rng);
    DeviceBuffer<float> dmodel = on_gpu(model);
    const double norm = std::sqrt(cpu::sum_of_squares(model.data(), length));
    for (int rows : {1, 64, 100, 300}) {
      INFO("length " << length << ", rows " << rows);
      const std::vector<double> on_cpu = cpu::sketch(model.data(), length, rows, 21);
      const std::vector<double> from_gpu = cuda::sketch(dmodel.data(), length, rows, 21);
      REQUIRE(from_gpu.size() == on_cpu.size());
      for (std::size_t r = 0; r < on_cpu.size(); ++r) CHECK(std::abs(from_gpu[r] - on_cpu[r]) <= 1e-5 * norm + 1e-30);
    }
  }
}

TEST_CASE("cuda coordinate_median and trimmed_mean equal cpu's, value for value, for k = 1 to 9") {
  if (!gpu_visible()) return;
  std::mt19937 rng(7);
  for (std::size_t k = 1; k <= 9; ++k) {
    for (std::size_t length : kLengths) {
      if (length > 4096 && k % 4 != 1) continue;  // the large size for k = 1, 5, 9 only
      INFO("k " << k << ", length " << length);
      std::vector<std::vector<float>> hosts;
      std::vector<DeviceBuffer<float>> devices;
      std::vector<const float*> host_inputs, device_inputs;
      for (std::size_t row = 0; row < k; ++row) {
        hosts.push_back(testing::random_normal(length, rng));
        if (length > 1) hosts.back()[length / 2] = hosts[0][length / 2];  // ties sort the same way too
      }
      for (std::size_t row = 0; row < k; ++row) {
        devices.push_back(on_gpu(hosts[row]));
        host_inputs.push_back(hosts[row].data());
        device_inputs.push_back(devices.back().data());
      }
      std::vector<float> expected(length);
      DeviceBuffer<float> out(length);
      cpu::coordinate_median(host_inputs, expected.data(), length);
      cuda::coordinate_median(device_inputs, out.data(), length);
      require_equal(out.download(), expected);
      for (std::size_t trim = 0; 2 * trim < k; ++trim) {
        cpu::trimmed_mean(host_inputs, trim, expected.data(), length);
        cuda::trimmed_mean(device_inputs, trim, out.data(), length);
        require_equal(out.download(), expected);
      }
      CHECK_THROWS_AS(cuda::trimmed_mean(device_inputs, (k + 1) / 2, out.data(), length), std::invalid_argument);
    }
  }
}

TEST_CASE("cuda distances match cpu within a relative 1e-5, and all_finite finds a NaN or an infinity anywhere") {
  if (!gpu_visible()) return;
  std::mt19937 rng(9);
  for (std::size_t length : kLengths) {
    INFO("length " << length);
    std::vector<std::vector<float>> hosts;
    std::vector<DeviceBuffer<float>> devices;
    std::vector<const float*> host_inputs, device_inputs;
    for (int row = 0; row < 4; ++row) hosts.push_back(testing::random_normal(length, rng));
    for (const auto& host : hosts) {
      devices.push_back(on_gpu(host));
      host_inputs.push_back(host.data());
      device_inputs.push_back(devices.back().data());
    }
    const std::vector<double> cpu = cpu::pairwise_squared_distances(host_inputs, length);
    const std::vector<double> gpu = cuda::pairwise_squared_distances(device_inputs, length);
    REQUIRE(gpu.size() == cpu.size());
    // The CPU sums blocks of 4096 in float, the GPU each element in double.
    for (std::size_t i = 0; i < cpu.size(); ++i) CHECK(gpu[i] == doctest::Approx(cpu[i]).epsilon(1e-5));
    // The same sum every run, to the bit: the blocks' sums are added in order, not by atomics.
    CHECK(cuda::pairwise_squared_distances(device_inputs, length) == gpu);
    CHECK(cuda::all_finite(device_inputs[0], length));
    if (length == 0) continue;
    for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
      std::vector<float> values = hosts[1];
      values[length - 1] = bad;
      CHECK_FALSE(cuda::all_finite(on_gpu(values).data(), length));
      CHECK(cuda::all_finite(on_gpu(values).data(), length) == cpu::all_finite(values.data(), length));
    }
  }
}

TEST_CASE("cuda relu equals cpu's, and dense forward and backward match cpu within float rounding of the products") {
  if (!gpu_visible()) return;
  std::mt19937 rng(13);
  for (std::size_t length : kLengths) {
    std::vector<float> x = testing::random_normal(length, rng), grad = testing::random_normal(length, rng);
    DeviceBuffer<float> dx = on_gpu(x), dgrad = on_gpu(grad);
    cpu::relu_forward(x.data(), length);
    cuda::relu_forward(dx.data(), length);
    cpu::relu_backward(x.data(), grad.data(), length);
    cuda::relu_backward(dx.data(), dgrad.data(), length);
    require_equal(dx.download(), x);
    require_equal(dgrad.download(), grad);
  }
  // (inputs, outputs, batch): empty, one, odd, and the MLP's first layer at batch 256.
  const int shapes[][3] = {{0, 3, 2}, {3, 0, 2}, {3, 2, 0}, {1, 1, 1}, {37, 11, 5}, {784, 256, 256}};
  for (const auto& [inputs, outputs, batch] : shapes) {
    INFO("inputs " << inputs << ", outputs " << outputs << ", batch " << batch);
    const std::size_t in = std::size_t(inputs) * batch, out = std::size_t(outputs) * batch;
    std::vector<float> w = testing::random_normal(std::size_t(inputs) * outputs, rng),
                       b = testing::random_normal(outputs, rng), x = testing::random_normal(in, rng),
                       dy = testing::random_normal(out, rng);
    std::vector<float> y(out), dw(w.size()), db(outputs), dx(in);
    DeviceBuffer<float> gw = on_gpu(w), gb = on_gpu(b), gx = on_gpu(x), gdy = on_gpu(dy), gy(out), gdw(w.size()),
                        gdb(outputs), gdx(in);
    cpu::dense_forward(w.data(), b.data(), x.data(), y.data(), inputs, outputs, batch);
    cuda::dense_forward(gw.data(), gb.data(), gx.data(), gy.data(), inputs, outputs, batch);
    cpu::dense_backward(w.data(), x.data(), dy.data(), dw.data(), db.data(), dx.data(), inputs, outputs, batch, 0.5f);
    cuda::dense_backward(gw.data(), gx.data(), gdy.data(), gdw.data(), gdb.data(), gdx.data(), inputs, outputs, batch,
                         0.5f);
    // A sum of n products of unit normals is off by about sqrt(n) float ulps of its terms'
    // size in either order: bound it by 2^-16 times (sqrt(n) + |value|).
    auto scale = [](std::size_t count, int terms) { return std::vector<float>(count, std::sqrt(float(terms)) + 1); };
    require_close(gy.download(), y, 1.0 / (1 << 16), scale(out, inputs));
    require_close(gdw.download(), dw, 1.0 / (1 << 16), scale(dw.size(), batch));
    require_close(gdb.download(), db, 1.0 / (1 << 16), scale(db.size(), batch));
    require_close(gdx.download(), dx, 1.0 / (1 << 16), scale(dx.size(), outputs));
  }
}

TEST_CASE("cuda softmax_cross_entropy: the same argmax count, loss within 1e-6, gradient within 2^-20, a bad label named") {
  if (!gpu_visible()) return;
  std::mt19937 rng(17);
  for (int batch : {0, 1, 33, 4096}) {
    INFO("batch " << batch);
    constexpr int kClasses = 10;
    std::vector<float> logits = testing::random_normal(std::size_t(kClasses) * batch, rng), grad(logits.size());
    std::vector<uint8_t> labels(batch);
    for (auto& label : labels) label = static_cast<uint8_t>(rng() % kClasses);
    DeviceBuffer<float> glogits = on_gpu(logits), ggrad(logits.size());
    DeviceBuffer<uint8_t> glabels{std::span<const uint8_t>(labels)};
    const auto cpu = cpu::softmax_cross_entropy(logits.data(), labels.data(), kClasses, batch, grad.data());
    const auto gpu = cuda::softmax_cross_entropy(glogits.data(), glabels.data(), kClasses, batch, ggrad.data());
    CHECK(gpu.correct == cpu.correct);
    CHECK(gpu.loss_sum == doctest::Approx(cpu.loss_sum).epsilon(1e-6));
    require_close(ggrad.download(), grad, 1.0 / (1 << 20), std::vector<float>(grad.size(), 1.0f / std::max(batch, 1)));
    if (batch < 2) continue;
    labels[batch / 2] = kClasses;  // past the last class
    glabels.upload(labels);
    const std::string named = "of sample " + std::to_string(batch / 2);
    CHECK_THROWS_WITH_AS(cuda::softmax_cross_entropy(glogits.data(), glabels.data(), kClasses, batch, nullptr),
                         doctest::Contains(named.c_str()), std::invalid_argument);
  }
}

#endif
