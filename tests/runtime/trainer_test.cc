// The Trainer seam on the CPU: a run of steps is the same as as many single steps, bit for
// bit, losses included (on a GPU, tests/runtime/mlp_cuda_test.cc holds it to the CPU's).
#include <doctest/doctest.h>

#include <vector>

#include "runtime/trainer.h"

using namespace gossip;

TEST_CASE("Trainer::steps(model, K) takes exactly the K steps of K step() calls, with their batch losses") {
  const TrainingConfig config = parse_training_config(
      {{"task", "least_squares"}, {"batch_size", 4}, {"momentum", 0.9}, {"nesterov", true}, {"weight_decay", 1e-3}}, 4);
  auto one_task = make_task({1, 4, config, "cpu"});
  auto run_task = make_task({1, 4, config, "cpu"});
  auto one = make_trainer(*one_task, config, "cpu");
  auto run = make_trainer(*run_task, config, "cpu");
  std::vector<float> stepped(one_task->parameter_count()), run_model(stepped.size());
  one_task->initial_parameters(stepped);
  run_task->initial_parameters(run_model);
  for (int round = 0; round < 3; ++round) {
    std::vector<BatchLoss> single;
    for (int step = 0; step < 5; ++step) single.push_back(one->step(stepped, 0.01));
    const std::vector<BatchLoss> batched = run->steps(run_model, 0.01, 5);
    REQUIRE(batched.size() == single.size());
    for (std::size_t step = 0; step < single.size(); ++step) {
      CHECK(batched[step].loss == single[step].loss);
      CHECK(batched[step].count == single[step].count);
    }
    CHECK(run_model == stepped);
    CHECK(run->optimizer_state() == one->optimizer_state());
  }
  CHECK(run->steps(run_model, 0.01, 0).empty());
  CHECK(run_model == stepped);
}
