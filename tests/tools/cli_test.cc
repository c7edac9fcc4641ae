// The `gossip` binary as a user runs it: exit codes, messages, files and JSON.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/temp_dir.h"

namespace {

struct Result {
  int status;
  std::string output;  // stdout and stderr together
};

Result run_program(const std::string& binary, const std::string& arguments) {
  std::string command = binary + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

Result run_gossip(const std::string& arguments) { return run_program(GOSSIP_BINARY, arguments); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("help explains every subcommand with an example") {
  Result help = run_gossip("--help");
  CHECK(help.status == 0);
  CHECK(contains(help.output, "topo"));
  CHECK(contains(help.output, "Examples:"));
  Result topo = run_gossip("topo --help");
  CHECK(topo.status == 0);
  for (const char* flag : {"--peers", "--rows", "--cols", "--host", "--base-port", "--seed", "--output"}) {
    CHECK(contains(topo.output, flag));
  }
  CHECK(contains(topo.output, "gossip topo ring --peers 8 -o ring8.json"));
  CHECK(contains(run_gossip("topo show --help").output, "--json"));
  CHECK(run_gossip("").status != 0);
}

TEST_CASE("topo writes a file that topo show --json describes") {
  gossip::testing::TempDir dir;
  std::string file = dir.file("ring8.json");
  Result made = run_gossip("topo ring --peers 8 --base-port 31000 -o " + file);
  REQUIRE(made.status == 0);
  CHECK(contains(made.output, "spectral gap 0.195262"));
  Result shown = run_gossip("topo show --json " + file);
  REQUIRE(shown.status == 0);
  auto json = nlohmann::json::parse(shown.output);
  CHECK(json["peers"].size() == 8);
  CHECK(json["peers"][7]["port"] == 31007);
  CHECK(json["peers"][0]["in_neighbours"] == nlohmann::json::array({1, 7}));
  CHECK(std::abs(json["spectral_gap"].get<double>() - 0.19526214587563495) < 1e-12);
  CHECK(json["weights"].size() == 8);
  CHECK(json["weights"][0][1].get<double>() == doctest::Approx(1.0 / 3));
  CHECK(json["doubly_stochastic"] == true);

  Result text = run_gossip("topo show " + file);
  CHECK(text.status == 0);
  CHECK(contains(text.output, "spectral gap: 0.195262"));
  CHECK(contains(text.output, "127.0.0.1:31007"));
}

TEST_CASE("topo --hosts spreads the peers over machines, one port per peer on each") {
  gossip::testing::TempDir dir;
  std::string file = dir.file("ring5.json");
  REQUIRE(run_gossip("topo ring --peers 5 --hosts 198.18.0.1,198.18.0.2 --base-port 31000 -o " + file).status == 0);
  auto peers = nlohmann::json::parse(run_gossip("topo show --json " + file).output)["peers"];
  REQUIRE(peers.size() == 5);
  CHECK(peers[0]["host"] == "198.18.0.1");
  CHECK(peers[1]["host"] == "198.18.0.2");
  CHECK(peers[4]["host"] == "198.18.0.1");
  CHECK(peers[4]["port"] == 31002);
  CHECK(peers[3]["port"] == 31001);
  Result crowded = run_gossip("topo ring --peers 2 --hosts a,b,c -o " + dir.file("x.json"));
  CHECK(crowded.status == 2);
  CHECK(contains(crowded.output, "3 hosts for 2 peers"));
}

TEST_CASE("torus and one-peer exponential from the command line") {
  gossip::testing::TempDir dir;
  REQUIRE(run_gossip("topo torus --rows 4 --cols 4 -o " + dir.file("t.json")).status == 0);
  auto torus = nlohmann::json::parse(run_gossip("topo show --json " + dir.file("t.json")).output);
  CHECK(std::abs(torus["spectral_gap"].get<double>() - 0.4) < 1e-12);
  REQUIRE(run_gossip("topo one_peer_exponential --peers 8 -o " + dir.file("o.json")).status == 0);
  auto ope = nlohmann::json::parse(run_gossip("topo show --json " + dir.file("o.json")).output);
  CHECK(ope["period"] == 3);
  CHECK(ope["weights_by_round"].size() == 3);
  CHECK(std::abs(ope["spectral_gap"].get<double>() - 1.0) < 1e-12);
  CHECK(ope["spectral_gap_per_round"] == 1.0);
  CHECK(torus["spectral_gap_per_round"] == torus["spectral_gap"]);
  CHECK(run_gossip("topo show " + dir.file("o.json")).output.find("per round: 1   (1 - (1 - gap)^(1/3)") != std::string::npos);
}

TEST_CASE("bad input: one clear line, non-zero exit, no file written") {
  gossip::testing::TempDir dir;
  Result six = run_gossip("topo one_peer_exponential --peers 6 -o " + dir.file("o.json"));
  CHECK(six.status == 2);
  CHECK(contains(six.output, "gossip: error: graph.kind: one_peer_exponential needs a power-of-two number"));
  CHECK_FALSE(std::filesystem::exists(dir.file("o.json")));

  std::string broken = dir.write("broken.json", R"({"peers": [{"id": 0, "host": "h", "port": 0}], "graph": {"kind": "ring"}})");
  Result shown = run_gossip("topo show " + broken);
  CHECK(shown.status == 2);
  CHECK(shown.output == "gossip: error: " + broken + ": peers[0].port: expected an integer in 1..65535, got 0\n");

  CHECK(run_gossip("topo hypercube --peers 4 -o " + dir.file("h.json")).status == 2);
  CHECK(contains(run_gossip("topo torus --rows 3 -o " + dir.file("h.json")).output, "give --rows and --cols"));
  CHECK(run_gossip("topo ring --peers 4").status == 2);  // no -o
  CHECK(run_gossip("topo ring --peers -3 -o x.json").status != 0);
  CHECK(run_gossip("topo show /nonexistent.json").status == 2);
}

TEST_CASE("topo compare prints the table of graphs and spectral gaps") {
  Result table = run_gossip("topo compare --peers 8,16");
  CHECK(table.status == 0);
  CHECK(contains(table.output, "torus 4x4                 16       4      0.400000"));
  CHECK(contains(table.output, "exponential                8       3      0.500000"));
}

TEST_CASE("version names the backends") {
  Result version = run_gossip("version");
  CHECK(version.status == 0);
  CHECK(contains(version.output, "CUDA:"));
  CHECK(contains(version.output, "NCCL:"));
}

TEST_CASE("keygen writes 0600 secret keys and the public keys into the topology file") {
  gossip::testing::TempDir dir;
  std::string file = dir.file("t.json");
  REQUIRE(run_gossip("topo ring --peers 3 -o " + file).status == 0);
  Result made = run_gossip("keygen --update " + file + " --out " + dir.file("keys"));
  REQUIRE(made.status == 0);
  CHECK(contains(made.output, "wrote the public keys into"));
  auto json = nlohmann::json::parse(run_gossip("topo show --json " + file).output);
  std::string key = json["peers"][2]["public_key"];
  CHECK(key.size() == 64);
  CHECK(contains(made.output, "peer 2: " + key));
  CHECK((std::filesystem::status(dir.file("keys/peer-2.key")).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  Result again = run_gossip("keygen --update " + file + " --out " + dir.file("keys"));
  CHECK(contains(again.output, "peer 2: " + key));  // kept, not replaced
  CHECK(contains(again.output, "kept the existing key"));
  CHECK(run_gossip("keygen --peers 2 --update " + file).status == 2);  // 2 is not the file's 3
  CHECK(contains(run_gossip("keygen").output, "give --peers N"));
}

TEST_CASE("bench link prints medians and ratios, and the same as JSON") {
  Result table = run_gossip("bench link --sizes 65536,1048576 --max-repetitions 5");
  REQUIRE(table.status == 0);
  CHECK(contains(table.output, "raw TCP  plaintext  plain/raw   libsodium  our cipher  encrypted  enc/libsodium"));
  CHECK(contains(table.output, "  1 MiB     5  "));
  Result json = run_gossip("bench link --sizes 65536 --max-repetitions 5 --json");
  REQUIRE(json.status == 0);
  auto report = nlohmann::json::parse(json.output.substr(json.output.find('{')));  // after the progress lines
  CHECK(report["rows"][0]["bytes"] == 65536);
  CHECK(report["rows"][0]["encrypted_bytes_per_second"].get<double>() > 0);
  CHECK(report["rows"][0]["plaintext_over_raw"].get<double>() > 0);
}

TEST_CASE("exit codes: 2 for every usage or input error, with the nearest flag or command suggested") {
  gossip::testing::TempDir dir;
  const std::string topology = dir.file("ring4.json");
  REQUIRE(run_gossip("topo ring --peers 4 -o " + topology).status == 0);
  // An unknown flag on each subcommand: exit 2 (CLI11 alone exits 104..109), the nearest named.
  const std::pair<std::string, std::string> typos[] = {
      {"launch " + topology + " --round 5", "--round: unknown flag; did you mean --rounds?"},
      {"peer " + topology + " --id 0 --momentun 0.5", "--momentun: unknown flag; did you mean --momentum?"},
      {"report " + dir.path().string() + " --ot x.html", "--ot: unknown flag; did you mean --out?"},
      {"watch " + dir.path().string() + " --onse", "--onse: unknown flag; did you mean --once?"},
      {"topo ring --peer 4 -o x.json", "--peer: unknown flag; did you mean --peers?"},
      {"topo show " + topology + " --jsn", "--jsn: unknown flag; did you mean --json?"},
      {"keygen --peer 4", "--peer: unknown flag; did you mean --peers?"},
      {"bench link --size 1", "did you mean --sizes?"},
      {"version --verbose", "not expected: --verbose"},
      {"lanch " + topology, "lanch: unknown command; did you mean launch?"},
  };
  for (const auto& [arguments, expected] : typos) {
    CAPTURE(arguments);
    const Result result = run_gossip(arguments);
    CHECK(result.status == 2);
    CHECK(contains(result.output, expected));
    CHECK(contains(result.output, "--help` for every flag"));
  }
  // Missing arguments and bad values are usage errors too.
  CHECK(run_gossip("report").status == 2);
  CHECK(run_gossip("peer").status == 2);
  CHECK(run_gossip("watch --interval 0 " + dir.path().string()).status == 2);
  CHECK(run_gossip("--help").status == 0);
  CHECK(run_gossip("launch --help").status == 0);
  // A key readable by others is bad input (exit 2), not an internal failure.
  const std::string keys = dir.path().string() + "/keys";
  REQUIRE(run_gossip("keygen --update " + topology + " --out " + keys).status == 0);
  std::filesystem::permissions(keys + "/peer-0.key", std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  const Result loose = run_gossip("peer " + topology + " --id 0 --run-dir " + dir.file("run"));
  CHECK(loose.status == 2);
  CHECK(contains(loose.output, "readable by group or others"));
}

TEST_CASE("a training program of one's own has gossip's launch and peer: training flags, --set, --help") {
  gossip::testing::TempDir dir;
  const std::string topology = dir.file("ring3.json");
  REQUIRE(run_gossip("topo ring --peers 3 --base-port 25710 -o " + topology).status == 0);
  auto program = [](const std::string& arguments) { return run_program(TRAINING_PROGRAM, arguments); };
  const Result help = program("launch --help");
  CHECK(help.status == 0);
  for (const char* flag : {"--rounds", "--lr", "--set", "--graph", "--run-dir", "--resume"}) CHECK(contains(help.output, flag));
  CHECK(contains(program("peer --help").output, "--overwrite"));
  const Result typo = program("launch " + topology + " --round 5");
  CHECK(typo.status == 2);
  CHECK(contains(typo.output, "training_program: error: --round: unknown flag; did you mean --rounds?"));
  const Result run = program("launch " + topology + " --task least_squares --rounds 12 --set eval_every=4 --run-dir " +
                             dir.file("run"));
  CHECK(run.status == 0);
  CHECK(contains(run.output, "12 rounds in"));
}

TEST_CASE("output: the result on stdout, progress and logs on stderr, evaluations named by their round") {
  gossip::testing::TempDir dir;
  const std::string topology = dir.file("ring3.json");
  REQUIRE(run_gossip("topo ring --peers 3 --base-port 25720 -o " + topology).status == 0);
  const std::string out = dir.file("out.txt"), err = dir.file("err.txt");
  const std::string command = std::string(GOSSIP_BINARY) + " launch " + topology + " --task logistic --rounds 30 " +
                              "--eval-every 7 --run-dir " + dir.file("run") + " >" + out + " 2>" + err;
  REQUIRE(std::system(command.c_str()) == 0);
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string stdout_text = read(out), stderr_text = read(err);
  CHECK(contains(stdout_text, "average model: test accuracy"));
  CHECK(contains(stdout_text, "time of the peers: compute"));
  CHECK_FALSE(contains(stderr_text, "average model: test accuracy"));
  CHECK(contains(stderr_text, "launch: 3 peers"));
  CHECK(contains(stderr_text, "test acc"));
  CHECK(contains(stderr_text, "(round 30, mean of 3)"));  // the last evaluation, counted as rounds done
  // Help: the training commands first, and bench shows examples.
  const std::string help = run_gossip("--help").output;
  CHECK(help.find("launch") < help.find("topo"));
  CHECK(help.find("peer") < help.find("keygen"));
  CHECK(contains(run_gossip("bench --help").output, "gossip bench link"));
}
