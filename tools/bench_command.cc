#include <cstdio>

#include "bench/link_bench.h"
#include "tools/command.h"

namespace gossip::tools {

void add_bench_commands(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* bench = parent.add_subcommand("bench", "Benchmarks that print a table of medians");
  bench->require_subcommand(1);
  CLI::App* link = bench->add_subcommand(
      "link", "Throughput of one peer link, encrypted and plaintext, against a raw TCP socket pair and "
              "libsodium's AEAD speed on this CPU");
  link->footer(
      "Two local peer processes; each point is the median of timed rounds after one warm-up.\n"
      "Examples:\n"
      "  gossip bench link\n"
      "  gossip bench link --sizes 4194304,67108864 --json");
  auto options = std::make_shared<bench::LinkBenchOptions>();
  options->sizes = {std::size_t{64} << 10, std::size_t{256} << 10, std::size_t{1} << 20, std::size_t{4} << 20,
                    std::size_t{16} << 20, std::size_t{64} << 20, std::size_t{256} << 20};
  auto as_json = std::make_shared<bool>(false);
  link->add_option("--sizes", options->sizes, "Message sizes in bytes, comma separated")->delimiter(',')->capture_default_str();
  link->add_option("--max-repetitions", options->max_repetitions, "Timed rounds per size at most (at least 5)")
      ->check(CLI::Range(5, 10000))
      ->capture_default_str();
  link->add_option("--chunk-bytes", options->chunk_bytes, "Payload bytes per record")->capture_default_str();
  link->add_option("--batch-bytes", options->batch_bytes, "Payload bytes per gather write")->capture_default_str();
  link->add_flag("--json", *as_json, "Print one JSON object instead of the table");
  commands.push_back({link, [options, as_json] {
    auto report = bench::run_link_bench(*options, [](const std::string& step) {
      std::fprintf(stderr, "bench link: measuring %s...\n", step.c_str());
    });
    std::fputs(*as_json ? (bench::link_bench_json(report).dump(2) + "\n").c_str() : bench::format_link_bench(report).c_str(),
               stdout);
    return 0;
  }});
}

}  // namespace gossip::tools
