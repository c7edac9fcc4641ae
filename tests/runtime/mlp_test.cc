// The MLP task: its gradient against central differences, its loss at a known point, that
// it can fit a small dataset, and that its initialization is PyTorch's and repeatable.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/sgd_step.h"
#include "runtime/tasks/mlp.h"

using namespace gossip;

namespace {

struct Batch {
  std::vector<float> images;  // inputs x count, column-major
  std::vector<uint8_t> labels;
  int count = 0;
};

Batch random_batch(const MlpShape& shape, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> label(0, shape.classes - 1);
  Batch batch{std::vector<float>(static_cast<std::size_t>(shape.inputs) * count), std::vector<uint8_t>(count), count};
  for (auto& x : batch.images) x = normal(rng);
  for (auto& y : batch.labels) y = static_cast<uint8_t>(label(rng));
  return batch;
}

double norm(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

}  // namespace

TEST_CASE("Mlp counts the weights and biases of every layer") {
  CHECK(Mlp(MlpShape{}).parameter_count() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
  CHECK(Mlp(MlpShape{3, {}, 2}).parameter_count() == 3 * 2 + 2);  // no hidden layer: logistic regression
}

TEST_CASE("Mlp rejects bad shapes and buffers naming the sizes") {
  CHECK_THROWS_WITH_AS(Mlp(MlpShape{0, {4}, 3}),
                       "Mlp: every size must be at least 1, got inputs 0, hidden [4], classes 3", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Mlp(MlpShape{5, {4, -1}, 3}),
                       "Mlp: every size must be at least 1, got inputs 5, hidden [4, -1], classes 3",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Mlp(MlpShape{5, {4}, 0}),
                       "Mlp: every size must be at least 1, got inputs 5, hidden [4], classes 0", std::invalid_argument);
  CHECK_THROWS_AS(Mlp(MlpShape{5, {4}, 300}), std::invalid_argument);
  Mlp mlp(MlpShape{2, {3}, 2});  // 2*3+3 + 3*2+2 = 17 parameters
  std::vector<float> parameters(16), gradient(17);
  CHECK_THROWS_WITH_AS(mlp.initialize(parameters, 1),
                       "Mlp::initialize: 16 parameters given, the inputs 2, hidden [3], classes 2 network has 17",
                       std::invalid_argument);
  Batch batch = random_batch(mlp.shape(), 1, 1);
  CHECK_THROWS_WITH_AS(mlp.loss_and_gradient(parameters, batch.images.data(), batch.labels.data(), 1, gradient),
                       "Mlp::loss_and_gradient: 16 parameters given, the network has 17", std::invalid_argument);
  parameters.resize(17);
  gradient.resize(18);
  CHECK_THROWS_WITH_AS(mlp.loss_and_gradient(parameters, batch.images.data(), batch.labels.data(), 1, gradient),
                       "Mlp::loss_and_gradient: gradient has 18 floats, the network has 17 parameters",
                       std::invalid_argument);
}

TEST_CASE("Mlp gradient matches central differences of the loss") {
  const MlpShape shape{6, {5, 4}, 3};
  Mlp mlp(shape);
  const Batch batch = random_batch(shape, 7, 2);
  std::vector<float> parameters(mlp.parameter_count()), gradient(mlp.parameter_count());
  mlp.initialize(parameters, 3);
  for (auto& p : parameters) p *= 3;  // larger than the default, so every layer matters to the loss
  mlp.loss_and_gradient(parameters, batch.images.data(), batch.labels.data(), batch.count, gradient);
  // Central differences in float: a step of 3e-3 keeps the loss's rounding (about 1e-7,
  // so 3e-5 in a difference) well below the gradients, while staying small enough not
  // to cross a ReLU kink with these seeds (1e-2 crosses one: the second layer's third
  // bias then reads 0.133 against 0.145).
  const float step = 3e-3f;
  std::vector<double> numeric(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const float saved = parameters[i];
    parameters[i] = saved + step;
    const double up = mlp.evaluate(parameters, batch.images.data(), batch.labels.data(), batch.count).loss;
    parameters[i] = saved - step;
    const double down = mlp.evaluate(parameters, batch.images.data(), batch.labels.data(), batch.count).loss;
    parameters[i] = saved;
    numeric[i] = (up - down) / (2.0 * step);
  }
  // Block by block (each layer's weights, then its bias), so a wrong small block such as
  // the last bias cannot hide behind the large ones.
  std::size_t begin = 0;
  int inputs = shape.inputs;
  std::vector<int> widths = shape.hidden;
  widths.push_back(shape.classes);
  for (int outputs : widths) {
    for (std::size_t length : {static_cast<std::size_t>(outputs) * inputs, static_cast<std::size_t>(outputs)}) {
      std::vector<double> analytic(gradient.begin() + begin, gradient.begin() + begin + length);
      std::vector<double> difference(length);
      for (std::size_t i = 0; i < length; ++i) difference[i] = analytic[i] - numeric[begin + i];
      INFO("block at " << begin << " of length " << length);
      CHECK(norm(analytic) > 1e-3);
      CHECK(norm(difference) / norm(analytic) < 1e-2);
      begin += length;
    }
    inputs = outputs;
  }
}

TEST_CASE("Mlp loss with zero parameters is the log of the class count") {
  Mlp mlp(MlpShape{12, {8}, 10});
  std::vector<float> parameters(mlp.parameter_count(), 0.0f), gradient(mlp.parameter_count());
  const Batch batch = random_batch(mlp.shape(), 5, 4);
  auto result = mlp.loss_and_gradient(parameters, batch.images.data(), batch.labels.data(), batch.count, gradient);
  CHECK(result.loss == doctest::Approx(std::log(10.0)).epsilon(1e-6));
  CHECK(result.count == 5);
  auto evaluated = mlp.evaluate(parameters, batch.images.data(), batch.labels.data(), batch.count);
  CHECK(evaluated.loss == result.loss);
  CHECK(evaluated.correct == result.correct);
}

TEST_CASE("Mlp results do not depend on the batches it saw before") {
  const MlpShape shape{9, {7}, 4};
  Mlp used(shape);
  std::vector<float> parameters(used.parameter_count()), gradient(parameters.size()), fresh_gradient(parameters.size());
  used.initialize(parameters, 8);
  const Batch big = random_batch(shape, 13, 5), small = random_batch(shape, 3, 6);
  used.loss_and_gradient(parameters, big.images.data(), big.labels.data(), big.count, gradient);
  auto result = used.loss_and_gradient(parameters, small.images.data(), small.labels.data(), small.count, gradient);
  Mlp fresh(shape);
  auto fresh_result =
      fresh.loss_and_gradient(parameters, small.images.data(), small.labels.data(), small.count, fresh_gradient);
  CHECK(result.loss == fresh_result.loss);
  CHECK(gradient == fresh_gradient);
}

TEST_CASE("Mlp with momentum SGD fits a small random dataset") {
  const MlpShape shape{10, {32}, 4};
  Mlp mlp(shape);
  const Batch batch = random_batch(shape, 32, 9);
  std::vector<float> parameters(mlp.parameter_count()), gradient(parameters.size()), momentum(parameters.size(), 0.0f);
  mlp.initialize(parameters, 10);
  const double initial = mlp.evaluate(parameters, batch.images.data(), batch.labels.data(), batch.count).loss;
  const SgdOptions sgd{0.1f, 0.9f, 0.0f, false};
  for (int step = 0; step < 300; ++step) {
    mlp.loss_and_gradient(parameters, batch.images.data(), batch.labels.data(), batch.count, gradient);
    cpu::sgd_step(sgd, parameters.data(), gradient.data(), momentum.data(), parameters.size());
  }
  auto final_result = mlp.evaluate(parameters, batch.images.data(), batch.labels.data(), batch.count);
  INFO("loss from " << initial << " to " << final_result.loss);
  CHECK(final_result.loss < initial / 10);
  CHECK(final_result.correct == batch.count);
}

TEST_CASE("Mlp initialization is repeatable per seed and within PyTorch's bounds") {
  Mlp mlp(MlpShape{});
  std::vector<float> a(mlp.parameter_count()), b(a.size()), c(a.size());
  mlp.initialize(a, 42);
  mlp.initialize(b, 42);
  mlp.initialize(c, 43);
  CHECK(a == b);
  CHECK(a != c);
  // Layer by layer: weights then bias, uniform in +-1/sqrt(inputs), so mean 0 and
  // variance bound^2 / 3.
  std::size_t begin = 0;
  int inputs = 784;
  for (int outputs : {256, 128, 10}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(inputs));
    const std::size_t length = static_cast<std::size_t>(outputs) * (inputs + 1);
    double sum = 0, squares = 0, largest = 0;
    for (std::size_t i = begin; i < begin + length; ++i) {
      sum += a[i];
      squares += static_cast<double>(a[i]) * a[i];
      largest = std::max(largest, std::abs(static_cast<double>(a[i])));
    }
    INFO("layer with " << inputs << " inputs");
    CHECK(largest <= bound);
    CHECK(largest > 0.95 * bound);
    CHECK(std::abs(sum / length) < 0.05 * bound);
    CHECK(squares / length == doctest::Approx(bound * bound / 3).epsilon(0.1));
    begin += length;
    inputs = outputs;
  }
}
