// The MLP kernels against naive double-precision loops and hand-computed values.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/dense.h"
#include "kernels/sgd_step.h"
#include "support/random_values.h"

using namespace gossip;

namespace {

// Column-major element (row, column) of a matrix with `rows` rows.
float at(const std::vector<float>& m, int rows, int row, int column) {
  return m[static_cast<std::size_t>(column) * rows + row];
}

void check_close(const std::vector<float>& actual, const std::vector<double>& expected, double tolerance) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("element " << i);
    CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance).scale(1.0));
  }
}

}  // namespace

TEST_CASE("dense_forward is W times x plus b on a hand-computed example") {
  // W = [1 2 3; 4 5 6] (2 x 3), stored column-major; two samples as columns.
  std::vector<float> weights = {1, 4, 2, 5, 3, 6}, bias = {0.5f, -1}, input = {1, 0, -1, 2, 1, 0}, output(4);
  cpu::dense_forward(weights.data(), bias.data(), input.data(), output.data(), 3, 2, 2);
  // Sample 0 = (1, 0, -1): W x = (-2, -2); sample 1 = (2, 1, 0): W x = (4, 13).
  CHECK(output == std::vector<float>{-1.5f, -3, 4.5f, 12});
}

TEST_CASE("dense_backward matches naive loops for odd sizes and a scale") {
  std::mt19937 rng(11);
  const int inputs = 7, outputs = 5, batch = 3;
  const float scale = 0.25f;
  auto weights = testing::random_normal(outputs * inputs, rng), input = testing::random_normal(inputs * batch, rng);
  auto grad_output = testing::random_normal(outputs * batch, rng);
  std::vector<float> grad_weights(outputs * inputs), grad_bias(outputs), grad_input(inputs * batch);
  cpu::dense_backward(weights.data(), input.data(), grad_output.data(), grad_weights.data(), grad_bias.data(),
                      grad_input.data(), inputs, outputs, batch, scale);
  std::vector<double> want_weights(outputs * inputs), want_bias(outputs), want_input(inputs * batch);
  for (int o = 0; o < outputs; ++o) {
    for (int s = 0; s < batch; ++s) {
      want_bias[o] += scale * at(grad_output, outputs, o, s);
      for (int i = 0; i < inputs; ++i) {
        want_weights[i * outputs + o] += scale * at(grad_output, outputs, o, s) * at(input, inputs, i, s);
        want_input[s * inputs + i] += at(weights, outputs, o, i) * at(grad_output, outputs, o, s);
      }
    }
  }
  check_close(grad_weights, want_weights, 1e-5);
  check_close(grad_bias, want_bias, 1e-5);
  check_close(grad_input, want_input, 1e-5);
  // Without grad_input the other two are the same.
  std::vector<float> again(outputs * inputs);
  cpu::dense_backward(weights.data(), input.data(), grad_output.data(), again.data(), grad_bias.data(), nullptr,
                      inputs, outputs, batch, scale);
  CHECK(again == grad_weights);
}

TEST_CASE("dense products give the same result on one and two threads") {
  CHECK(cpu::threads() == 1);  // the default, whatever OpenMP would pick
  CHECK_THROWS_WITH_AS(cpu::set_threads(0), "set_threads: 0 threads, need at least 1", std::invalid_argument);
  std::mt19937 rng(5);
  const int inputs = 300, outputs = 200, batch = 96;  // large enough for Eigen to split the product
  auto weights = testing::random_normal(outputs * inputs, rng), input = testing::random_normal(inputs * batch, rng);
  std::vector<float> bias(outputs, 0.5f), one(outputs * batch), two(outputs * batch);
  cpu::dense_forward(weights.data(), bias.data(), input.data(), one.data(), inputs, outputs, batch);
  try {
    cpu::set_threads(2);
  } catch (const std::invalid_argument& error) {
    MESSAGE("SKIPPED: " << error.what());
    return;
  }
  CHECK(cpu::threads() == 2);
  cpu::dense_forward(weights.data(), bias.data(), input.data(), two.data(), inputs, outputs, batch);
  cpu::set_threads(1);
  std::vector<double> expected(one.begin(), one.end());
  check_close(two, expected, 1e-5);
}

TEST_CASE("relu forward clamps below zero and backward masks where the output is zero") {
  std::vector<float> activations = {-2, 0, 0.5f, 3, -0.1f};
  cpu::relu_forward(activations.data(), activations.size());
  CHECK(activations == std::vector<float>{0, 0, 0.5f, 3, 0});
  std::vector<float> gradient = {1, 2, 3, 4, 5};
  cpu::relu_backward(activations.data(), gradient.data(), gradient.size());
  CHECK(gradient == std::vector<float>{0, 0, 3, 4, 0});
}

TEST_CASE("softmax cross-entropy of uniform logits is log 10 per sample even for huge logits") {
  for (float value : {0.0f, 3.5f, 1e4f, -1e4f}) {
    std::vector<float> logits(10 * 4, value), grad(logits.size());
    std::vector<uint8_t> labels = {0, 3, 9, 0};
    auto result = cpu::softmax_cross_entropy(logits.data(), labels.data(), 10, 4, grad.data());
    CHECK(result.loss_sum / 4 == doctest::Approx(std::log(10.0)).epsilon(1e-6));
    CHECK(result.correct == 2);  // all tie, the first class wins: right for the two label-0 samples
    for (int s = 0; s < 4; ++s) {
      for (int k = 0; k < 10; ++k) {
        CHECK(grad[s * 10 + k] == doctest::Approx(((k == labels[s]) ? -0.9 : 0.1) / 4).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("softmax cross-entropy matches a double reference and may write its gradient over the logits") {
  std::mt19937 rng(7);
  const int classes = 5, batch = 6;
  auto logits = testing::random_normal(classes * batch, rng);
  for (auto& z : logits) z *= 30;  // far beyond what exp() takes without the shift
  std::vector<uint8_t> labels = {4, 0, 2, 2, 1, 3};
  double loss = 0;
  int correct = 0;
  std::vector<double> want(logits.size());
  for (int s = 0; s < batch; ++s) {
    const float* z = &logits[s * classes];
    double top = z[0], sum = 0;
    int best = 0;
    for (int k = 1; k < classes; ++k) {
      if (z[k] > top) {
        top = z[k];
        best = k;
      }
    }
    for (int k = 0; k < classes; ++k) sum += std::exp(z[k] - top);
    loss += std::log(sum) - (z[labels[s]] - top);
    correct += best == labels[s];
    for (int k = 0; k < classes; ++k) want[s * classes + k] = (std::exp(z[k] - top) / sum - (k == labels[s])) / batch;
  }
  auto result = cpu::softmax_cross_entropy(logits.data(), labels.data(), classes, batch, logits.data());
  CHECK(std::isfinite(result.loss_sum));
  CHECK(result.loss_sum == doctest::Approx(loss).epsilon(1e-5));
  CHECK(result.correct == correct);
  check_close(logits, want, 1e-5);
}

TEST_CASE("softmax cross-entropy rejects a label not below the class count") {
  std::vector<float> logits(6);
  std::vector<uint8_t> labels = {1, 3};
  CHECK_THROWS_WITH_AS(cpu::softmax_cross_entropy(logits.data(), labels.data(), 3, 2, nullptr),
                       "softmax_cross_entropy: label 3 of sample 1 is not below the class count 3",
                       std::invalid_argument);
}

// Two steps with the same gradient, from p = 1 (even elements) and p = -2 (odd ones),
// g = 0.5 and 1, lr 0.1, momentum 0.9; 7 elements so the vector tail is covered too.
// The expected values are worked out by hand in the comments.
TEST_CASE("sgd_step matches hand-computed heavy-ball and Nesterov steps") {
  struct Case {
    const char* name;
    SgdOptions options;
    float after_one[2], after_two[2];
  };
  const Case cases[] = {
      // b1 = g; p1 = p - 0.1 g. b2 = 0.9 g + g = 1.9 g; p2 = p1 - 0.19 g.
      {"heavy-ball", {0.1f, 0.9f, 0.0f, false}, {0.95f, -2.1f}, {0.855f, -2.29f}},
      // p1 = p - 0.1 (g + 0.9 g) = p - 0.19 g. p2 = p1 - 0.1 (g + 0.9 * 1.9 g) = p1 - 0.271 g.
      {"nesterov", {0.1f, 0.9f, 0.0f, true}, {0.905f, -2.19f}, {0.7695f, -2.461f}},
      // d1 = g + 0.1 p: 0.6 and 0.8; p1 = p - 0.1 d1: 0.94, -2.08.
      // d2 = g + 0.1 p1: 0.594, 0.792; b2 = 0.9 d1 + d2: 1.134, 1.512; p2 = p1 - 0.1 b2: 0.8266, -2.2312.
      {"heavy-ball with weight decay", {0.1f, 0.9f, 0.1f, false}, {0.94f, -2.08f}, {0.8266f, -2.2312f}},
      // p1 = p - 0.1 (d1 + 0.9 d1) = p - 0.19 d1: 0.886, -2.152.
      // d2 = g + 0.1 p1: 0.5886, 0.7848; b2 = 0.9 d1 + d2: 1.1286, 1.5048;
      // p2 = p1 - 0.1 (d2 + 0.9 b2): 0.725566, -2.365912.
      {"nesterov with weight decay", {0.1f, 0.9f, 0.1f, true}, {0.886f, -2.152f}, {0.725566f, -2.365912f}},
      // No momentum: p1 = p - 0.1 g, p2 = p1 - 0.1 g.
      {"plain", {0.1f, 0.0f, 0.0f, false}, {0.95f, -2.1f}, {0.9f, -2.2f}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<float> parameters(7), gradient(7), buffer(7, 0.0f);
    for (int i = 0; i < 7; ++i) {
      parameters[i] = i % 2 ? -2.0f : 1.0f;
      gradient[i] = i % 2 ? 1.0f : 0.5f;
    }
    for (int step = 0; step < 2; ++step) {
      cpu::sgd_step(c.options, parameters.data(), gradient.data(), buffer.data(), parameters.size());
      const float* want = step == 0 ? c.after_one : c.after_two;
      for (int i = 0; i < 7; ++i) CHECK(parameters[i] == doctest::Approx(want[i % 2]).epsilon(1e-6));
    }
  }
}

TEST_CASE("sgd_step rejects Nesterov without momentum and momentum without a buffer") {
  float p = 1, g = 1;
  CHECK_THROWS_WITH_AS(cpu::sgd_step({0.1f, 0.0f, 0.0f, true}, &p, &g, nullptr, 1),
                       "sgd_step: Nesterov needs a momentum above 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(cpu::sgd_step({0.1f, 0.5f, 0.0f, false}, &p, &g, nullptr, 1),
                       "sgd_step: momentum 0.500000 needs a momentum buffer, got none", std::invalid_argument);
  CHECK_THROWS_AS(cpu::sgd_step({-0.1f, 0.0f, 0.0f, false}, &p, &g, nullptr, 1), std::invalid_argument);
  CHECK(p == 1);
}
