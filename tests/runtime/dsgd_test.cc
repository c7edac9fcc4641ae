// DSGD on heterogeneous least squares between peer threads: the peers' average model
// approaches the centralized optimum as the step size shrinks (constant-step DSGD is
// biased by an amount that grows with the step and with how different the peers are).
#include <doctest/doctest.h>

#include <thread>

#include "algorithms/local_sgd.h"
#include "algorithms/registry.h"
#include "runtime/algorithm_round.h"
#include "runtime/tasks/least_squares.h"
#include "topology/topology_file.h"
#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

struct Settings {
  const char* algorithm;  // atc or cta
  int local_steps;
  double learning_rate;
};

// Plain SGD on this peer's share of the problem.
class ProblemSteps final : public LocalTraining {
 public:
  ProblemSteps(const LeastSquares& problem, int peer, double learning_rate)
      : problem_(problem), peer_(peer), learning_rate_(learning_rate), gradient_(problem.dimension()),
        sgd_(problem.dimension(), 0, false, 0) {}
  void step(std::span<float> model) override {
    problem_.loss_and_gradient(peer_, model, gradient_);
    sgd_.step(model, gradient_, learning_rate_);
  }
  void gradient(std::span<const float> at, std::span<float> out) override { problem_.loss_and_gradient(peer_, at, out); }
  void momentum_step(std::span<float> model, std::span<const float> direction) override {
    sgd_.momentum_step(model, direction, learning_rate_);
  }

 private:
  const LeastSquares& problem_;
  int peer_;
  double learning_rate_;
  std::vector<float> gradient_;
  LocalSgd sgd_;
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
      auto rule = make_algorithm({.algorithm = settings.algorithm, .local_steps = settings.local_steps}, self,
                                 problem.dimension(), 1);
      ProblemSteps steps(problem, self, settings.learning_rate);
      for (int round = 0; round < rounds; ++round) {
        const Neighbourhood neighbourhood = neighbourhood_of(topology.weights(round), self);
        RoundContext context{round, settings.learning_rate, neighbourhood, models[self], steps};
        run_algorithm_round(*rule, *transports[self], context, 5s);
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
  for (const char* algorithm : {"atc", "cta"}) {
    INFO(algorithm);
    double coarse = distance_to_optimum(problem, ring, {algorithm, 1, 0.04}, 600);
    double fine = distance_to_optimum(problem, ring, {algorithm, 1, 0.01}, 2400);
    MESSAGE(algorithm << " step 0.04: " << coarse << ", step 0.01: " << fine << " (start " << start << ")");
    CHECK(coarse < 0.05 * start);
    CHECK(fine < 0.5 * coarse);  // the bias shrinks with the step
  }
}

TEST_CASE("local steps: K steps between gossip rounds still converge near the optimum") {
  LeastSquares problem(4, 6, 30, 5, 1.0);
  Topology ring = build_topology(generate_topology_file({.kind = "ring", .peers = 4}));
  double distance = distance_to_optimum(problem, ring, {"atc", 4, 0.01}, 800);
  CHECK(distance < 0.05 * problem.optimum().norm());
}
