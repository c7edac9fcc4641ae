// DSGD on heterogeneous least squares between peer threads: the peers' average model
// approaches the centralized optimum as the step size shrinks (constant-step DSGD is
// biased by an amount that grows with the step and with how different the peers are).
#include <doctest/doctest.h>

#include <thread>

#include "algorithms/dsgd.h"
#include "algorithms/local_sgd.h"
#include "runtime/gossip_step.h"
#include "runtime/tasks/least_squares.h"
#include "topology/topology_file.h"
#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

struct Settings {
  DsgdOrder order;
  int local_steps;
  double learning_rate;
};

// Runs DSGD (plain SGD steps) and returns ||x_bar - x*|| at the end.
double distance_to_optimum(const LeastSquares& problem, const Topology& topology, Settings settings, int rounds) {
  const int n = topology.size();
  std::vector<std::vector<float>> models(n, std::vector<float>(problem.dimension(), 0.0f));
  InprocHub hub(n);
  auto transports = hub.transports();
  std::vector<std::thread> threads;
  for (int self = 0; self < n; ++self) {
    threads.emplace_back([&, self] {
      auto& transport = transports[self];
      std::vector<float> gradient(problem.dimension());
      LocalSgd sgd(gradient.size(), 0, false, 0);
      auto& model = models[self];
      for (int round = 0; round < rounds; ++round) {
        dsgd_round(
            {settings.order, settings.local_steps},
            [&] {
              problem.loss_and_gradient(self, model, gradient);
              sgd.step(model, gradient, settings.learning_rate);
            },
            [&] { gossip_step(*transport, topology, round, model, Clock::now() + 5s); });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Eigen::VectorXd average = Eigen::VectorXd::Zero(problem.dimension());
  for (const auto& model : models) average += Eigen::Map<const Eigen::VectorXf>(model.data(), problem.dimension()).cast<double>();
  average /= n;
  return (average - problem.optimum()).norm();
}

}  // namespace

TEST_CASE("DSGD on heterogeneous least squares: the average approaches the optimum as the step shrinks") {
  LeastSquares problem(8, 10, 40, 11, 2.0);
  Topology ring = build_topology(generate_topology_file({.kind = "ring", .peers = 8}));
  const double start = problem.optimum().norm();  // every model starts at 0
  for (DsgdOrder order : {DsgdOrder::kAdaptThenCombine, DsgdOrder::kCombineThenAdapt}) {
    INFO((order == DsgdOrder::kAdaptThenCombine ? "ATC" : "CTA"));
    double coarse = distance_to_optimum(problem, ring, {order, 1, 0.04}, 600);
    double fine = distance_to_optimum(problem, ring, {order, 1, 0.01}, 2400);
    MESSAGE((order == DsgdOrder::kAdaptThenCombine ? "ATC" : "CTA") << " step 0.04: " << coarse << ", step 0.01: " << fine << " (start " << start << ")");
    CHECK(coarse < 0.05 * start);
    CHECK(fine < 0.5 * coarse);  // the bias shrinks with the step
  }
}

TEST_CASE("local steps: K steps between gossip rounds still converge near the optimum") {
  LeastSquares problem(4, 6, 30, 5, 1.0);
  Topology ring = build_topology(generate_topology_file({.kind = "ring", .peers = 4}));
  double distance = distance_to_optimum(problem, ring, {DsgdOrder::kAdaptThenCombine, 4, 0.01}, 800);
  CHECK(distance < 0.05 * problem.optimum().norm());
}

TEST_CASE("dsgd_round: ATC steps then mixes, CTA mixes then steps, K local steps each") {
  for (DsgdOrder order : {DsgdOrder::kAdaptThenCombine, DsgdOrder::kCombineThenAdapt}) {
    std::string calls;
    std::vector<float> model = {1.0f};
    dsgd_round({order, 3},
               [&] {
                 calls += "g";
                 model[0] -= 0.5f * model[0];  // a step of 0.5 on f(x) = x^2 / 2
               },
               [&] {
                 calls += "c";
                 model[0] += 10.0f;
               });
    if (order == DsgdOrder::kAdaptThenCombine) {
      CHECK(calls == "gggc");
      CHECK(model[0] == doctest::Approx(10.125f));  // 1 * 0.5^3, then + 10
    } else {
      CHECK(calls == "cggg");
      CHECK(model[0] == doctest::Approx(1.375f));  // (1 + 10) * 0.5^3
    }
  }
}
