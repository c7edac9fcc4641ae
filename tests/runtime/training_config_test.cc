#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "runtime/training_config.h"
#include "common/config_error.h"

using namespace gossip;
using nlohmann::json;

TEST_CASE("training config: defaults and the file seed fill what the section leaves out") {
  TrainingConfig config = parse_training_config(json::object(), 42);
  CHECK(config.task == "mlp");
  CHECK(config.seed == 42);
  CHECK(config.algorithm == "atc");
  CHECK(config.local_steps == 1);
  CHECK(parse_training_config(json{{"seed", 7}}, 42).seed == 7);
}

TEST_CASE("training config: errors name the field and the value") {
  auto message = [](const json& section) {
    try {
      parse_training_config(section, 1);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message({{"rounds", -1}}).find("training.rounds") != std::string::npos);
  CHECK(message({{"learning_rat", 0.1}}).find("learning_rat") != std::string::npos);
  CHECK(message({{"algorithm", "gt"}}).find("known: atc, choco, cta, gradient_tracking, push_sum") != std::string::npos);
  CHECK(message({{"partition", "shards"}}).find("training.partition") != std::string::npos);
  CHECK(message({{"nesterov", true}}).find("momentum > 0") != std::string::npos);
  CHECK(message({{"schedule", "step"}}).find("step_every") != std::string::npos);
  CHECK(message({{"schedule", {{"kind", "linear"}}}}).find("training.schedule.kind") != std::string::npos);
  CHECK(message({{"local_steps", 0}}).find("training.local_steps") != std::string::npos);
  CHECK(message({{"task_options", 3}}).find("training.task_options") != std::string::npos);
}

TEST_CASE("learning rate schedules: constant, step, cosine and linear warm-up") {
  LearningRateSchedule schedule;
  schedule.base = 0.1;
  CHECK(learning_rate_at(schedule, 77, 100) == doctest::Approx(0.1));

  schedule.kind = ScheduleKind::kStep;
  schedule.step_every = 30;
  schedule.step_gamma = 0.5;
  CHECK(learning_rate_at(schedule, 29, 100) == doctest::Approx(0.1));
  CHECK(learning_rate_at(schedule, 30, 100) == doctest::Approx(0.05));
  CHECK(learning_rate_at(schedule, 65, 100) == doctest::Approx(0.025));

  schedule.kind = ScheduleKind::kCosine;
  schedule.warmup_rounds = 10;
  CHECK(learning_rate_at(schedule, 0, 110) == doctest::Approx(0.01));   // warm-up: (0 + 1) / 10
  CHECK(learning_rate_at(schedule, 9, 110) == doctest::Approx(0.1));
  CHECK(learning_rate_at(schedule, 10, 110) == doctest::Approx(0.1));   // the cosine starts at base
  CHECK(learning_rate_at(schedule, 60, 110) == doctest::Approx(0.05));  // half-way
  CHECK(learning_rate_at(schedule, 110, 110) == doctest::Approx(0.0));
  schedule.final_fraction = 0.1;
  CHECK(learning_rate_at(schedule, 110, 110) == doctest::Approx(0.01));
}

TEST_CASE("merge_training: flags override fields and merge into objects one level deep") {
  json file{{"rounds", 10}, {"schedule", "cosine"}, {"task_options", {{"hidden", {64}}, {"data_dir", "/d"}}}};
  json merged = merge_training(file, {{"rounds", 20},
                                      {"schedule", {{"warmup_rounds", 5}}},
                                      {"task_options", {{"hidden", {32, 16}}}},
                                      {"momentum", nullptr}});
  CHECK(merged["rounds"] == 20);
  CHECK(merged["schedule"] == json{{"kind", "cosine"}, {"warmup_rounds", 5}});
  CHECK(merged["task_options"]["hidden"] == json{32, 16});
  CHECK(merged["task_options"]["data_dir"] == "/d");
  CHECK_FALSE(merged.contains("momentum"));
  TrainingConfig config = parse_training_config(merged, 1);
  CHECK(config.learning_rate.kind == ScheduleKind::kCosine);
  CHECK(config.learning_rate.warmup_rounds == 5);
}

TEST_CASE("training config: the resolved form parses back to the same settings") {
  TrainingConfig config = parse_training_config(
      {{"task", "logistic"}, {"momentum", 0.9}, {"nesterov", true}, {"schedule", {{"kind", "step"}, {"step_every", 5}}}}, 3);
  json resolved = to_json(config);
  CHECK(to_json(parse_training_config(resolved, 99)) == resolved);
}

TEST_CASE("training config: the shipped examples' training sections are valid") {
  for (const char* name : {"/examples/ring8_fashion_mnist.json", "/examples/custom_task/ring4.json"}) {
    std::ifstream in(std::string(GOSSIP_SOURCE_DIR) + name);
    REQUIRE_MESSAGE(in, name);
    json file = json::parse(in);
    CHECK_NOTHROW(parse_training_config(file["training"], file["seed"].get<uint64_t>()));
  }
}

TEST_CASE("training config: the compressor by name or with its options, checked where it is read, resolved in full") {
  CHECK(parse_training_config(json{{"compressor", "sign"}}, 1).compressor == "sign");
  const TrainingConfig top = parse_training_config(json{{"compressor", {{"kind", "top_k"}, {"fraction", 0.01}}}}, 1);
  CHECK(top.compressor == "top_k");
  CHECK(top.compressor_options == json{{"fraction", 0.01}});
  CHECK(to_json(top)["compressor"] == json{{"kind", "top_k"}, {"fraction", 0.01}});
  CHECK(to_json(parse_training_config(json::object(), 1))["compressor"] == json{{"kind", "identity"}});
  // The resolved form reads back to the same settings (config.json, the checkpoint digest).
  CHECK(to_json(parse_training_config(to_json(top), 1)) == to_json(top));
  auto message = [](const json& section) {
    try {
      parse_training_config(section, 1);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message({{"compressor", {{"kind", "top_k"}, {"fraction", 2}}}}).find("training.compressor.fraction") == 0);
  CHECK(message({{"compressor", {{"fraction", 0.1}}}}).find("training.compressor.kind: missing") == 0);
  CHECK(message({{"compressor", "zip"}}).find("training.compressor: unknown compressor \"zip\"") == 0);
  CHECK(message({{"consensus_step", 0}}).find("training.consensus_step") == 0);
  CHECK(message({{"consensus_step", 1.5}}).find("training.consensus_step") == 0);
  CHECK(message({{"snapshot_every", -1}}).find("training.snapshot_every") == 0);
  // A compressor from the command line replaces the file's, options and all.
  const json merged = merge_training({{"compressor", {{"kind", "top_k"}, {"fraction", 0.01}}}}, {{"compressor", {{"kind", "qsgd"}, {"bits", 4}}}});
  CHECK(merged["compressor"] == json{{"kind", "qsgd"}, {"bits", 4}});
}

TEST_CASE("training config: Byzantine peers, their attacks and options, checked with the entry named") {
  const TrainingConfig config = parse_training_config(
      json{{"byzantine", {{{"peers", {3, 5}}, {"attack", "alie"}, {"z", 1.5}, {"from_round", 10}},
                          {{"peers", {1}}, {"attack", "label_flip"}}}}},
      1);
  REQUIRE(config.byzantine.size() == 2);
  CHECK(config.byzantine[0].peers == std::vector<int>{3, 5});
  CHECK(config.byzantine[0].options == json{{"z", 1.5}});
  CHECK(byzantine_entry(config, 5) == &config.byzantine[0]);
  CHECK(byzantine_entry(config, 2) == nullptr);
  CHECK(byzantine_peers(config) == std::vector<int>{1, 3, 5});
  CHECK(to_json(parse_training_config(to_json(config), 1)) == to_json(config));
  auto message = [](const json& section) {
    try {
      parse_training_config(section, 1);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message({{"byzantine", {{{"peers", {3}}, {"attack", "sign_flip"}}, {{"peers", {3}}, {"attack", "ipm"}}}}})
            .find("training.byzantine[1].peers: peer 3 is Byzantine in training.byzantine[0] already") == 0);
  CHECK(message({{"byzantine", {{{"peers", json::array()}, {"attack", "ipm"}}}}}).find("training.byzantine[0].peers") == 0);
  CHECK(message({{"byzantine", {{{"peers", {1}}, {"attack", "ipm"}, {"eps", 2}}}}}).find("training.byzantine[0].eps") == 0);
  CHECK(message({{"byzantine", {{{"peers", {1}}, {"attack", "label_flip"}, {"from_round", 3}}}}})
            .find("training.byzantine[0].from_round: label_flip poisons") == 0);
  CHECK(message({{"byzantine", {{{"peers", {1}}}}}}).find("training.byzantine[0].attack: missing") == 0);
}
