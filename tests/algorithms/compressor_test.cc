// Every compressor: exact wire sizes, and decoding what a neighbour sent never trusts it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "algorithms/compressors/identity.h"
#include "algorithms/registry.h"
#include "common/config_error.h"
#include "common/splitmix64.h"
#include "support/random_values.h"

using namespace gossip;

TEST_CASE("identity: round trips bit for bit at sizes 0, 1, odd and large, and sends the model's own memory") {
  IdentityCompressor identity;
  std::mt19937 rng(3);
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{100003}}) {
    INFO("length " << length);
    const std::vector<float> values = testing::random_normal(length, rng);
    std::vector<uint8_t> scratch;
    auto bytes = identity.encode(values, 1, scratch);
    CHECK(bytes.size() == identity.max_wire_bytes(length));
    CHECK(bytes.size() == 4 * length);
    CHECK(reinterpret_cast<const void*>(bytes.data()) == reinterpret_cast<const void*>(values.data()));
    FloatBuffer decoded_scratch;
    auto decoded = identity.decode(bytes, length, decoded_scratch);
    REQUIRE(decoded);
    REQUIRE(decoded->size() == length);
    CHECK((length == 0 || std::memcmp(decoded->data(), values.data(), 4 * length) == 0));
  }
}

TEST_CASE("identity: bytes of the wrong size are refused, misaligned bytes are copied, not read in place") {
  IdentityCompressor identity;
  FloatBuffer scratch;
  std::vector<uint8_t> bytes(4 * 5 + 1);
  CHECK_FALSE(identity.decode(std::span(bytes).first(19), 5, scratch));
  CHECK_FALSE(identity.decode(bytes, 5, scratch));
  CHECK_FALSE(identity.decode({}, 1, scratch));
  const float values[5] = {1.5f, -2.0f, 3.25f, 0.0f, 1e30f};
  std::memcpy(bytes.data() + 1, values, sizeof values);
  auto decoded = identity.decode(std::span(bytes).subspan(1), 5, scratch);
  REQUIRE(decoded);
  CHECK(decoded->data() == scratch.data());
  CHECK(std::memcmp(decoded->data(), values, sizeof values) == 0);
}

namespace {

std::unique_ptr<Compressor> compressor(const std::string& name, const nlohmann::json& options = nlohmann::json::object()) {
  return make_compressor(name, options);
}

struct Named {
  const char* name;
  nlohmann::json options;
};

const Named kAll[] = {{"identity", nlohmann::json::object()}, {"top_k", {{"fraction", 0.1}}}, {"top_k", {{"count", 3}}},
                      {"random_k", {{"fraction", 0.1}}},      {"qsgd", {{"bits", 4}}},       {"qsgd", {{"levels", 10}}},
                      {"sign", nlohmann::json::object()}};

double squared_norm(std::span<const float> values) {
  double sum = 0;
  for (float value : values) sum += double{value} * value;
  return sum;
}

double squared_distance(std::span<const float> a, std::span<const float> b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return sum;
}

}  // namespace

TEST_CASE("every compressor: the bytes are exactly wire_bytes at sizes 0, 1, odd and large, and decode to d values") {
  std::mt19937 rng(4);
  for (const auto& [name, options] : kAll) {
    auto codec = compressor(name, options);
    for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{100003}}) {
      INFO(std::string(name) << " " << options.dump() << ", length " << length);
      const auto values = testing::random_normal(length, rng);
      std::vector<uint8_t> scratch;
      const auto bytes = codec->encode(values, 99, scratch);
      // Exactly the size for every fixed-size encoding; top-k's varint gaps take at most it.
      if (std::string(name) == "top_k") {
        CHECK(bytes.size() <= codec->max_wire_bytes(length));
      } else {
        CHECK(bytes.size() == codec->max_wire_bytes(length));
      }
      FloatBuffer decoded_scratch;
      auto decoded = codec->decode(bytes, length, decoded_scratch);
      REQUIRE(decoded);
      CHECK(decoded->size() == length);
      // One byte more or less is never a valid message.
      std::vector<uint8_t> longer(bytes.begin(), bytes.end());
      longer.push_back(0);
      CHECK_FALSE(codec->decode(longer, length, decoded_scratch));
      if (!bytes.empty()) CHECK_FALSE(codec->decode(bytes.first(bytes.size() - 1), length, decoded_scratch));
    }
  }
}

TEST_CASE("every compressor: random bytes of the right size decode to finite values or are refused, never a crash") {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const auto& [name, options] : kAll) {
    INFO(std::string(name) << " " << options.dump());
    auto codec = compressor(name, options);
    int refused = 0;
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<uint8_t> bytes(codec->max_wire_bytes(50));
      for (auto& b : bytes) b = static_cast<uint8_t>(byte(rng));
      FloatBuffer scratch;
      auto decoded = codec->decode(bytes, 50, scratch);
      refused += !decoded;
      if (decoded) CHECK(decoded->size() == 50);
    }
    MESSAGE(std::string(name) << ": " << refused << " of 200 random messages refused");
  }
}

TEST_CASE("top-k keeps the k largest magnitudes (ties to the lower index) and is a contraction with delta = k/d") {
  auto codec = compressor("top_k", {{"count", 3}});
  const std::vector<float> values{0.5f, -4.0f, 1.0f, 3.0f, -1.0f, 1.0f, 0.0f};
  std::vector<uint8_t> scratch;
  FloatBuffer decoded_scratch;
  auto decoded = *codec->decode(codec->encode(values, 0, scratch), values.size(), decoded_scratch);
  CHECK(std::vector<float>(decoded.begin(), decoded.end()) == std::vector<float>{0, -4.0f, 1.0f, 3.0f, 0, 0, 0});

  std::mt19937 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const auto x = testing::random_normal(1000, rng);
    auto top = compressor("top_k", {{"fraction", 0.05}});
    auto c = *top->decode(top->encode(x, 0, scratch), x.size(), decoded_scratch);
    CHECK(squared_distance(c, x) <= (1 - 50.0 / 1000) * squared_norm(x));
  }
  // Equal magnitudes: exactly 1 - k/d of the norm remains.
  std::vector<float> signs(1000);
  for (size_t i = 0; i < signs.size(); ++i) signs[i] = i % 3 ? 1.0f : -1.0f;
  auto top = compressor("top_k", {{"fraction", 0.05}});
  auto c = *top->decode(top->encode(signs, 0, scratch), signs.size(), decoded_scratch);
  CHECK(squared_distance(c, signs) == doctest::Approx((1 - 50.0 / 1000) * squared_norm(signs)).epsilon(1e-12));
}

TEST_CASE("top-k: indices as varint gaps (one byte below 128), checked against d, values after them") {
  auto codec = compressor("top_k", {{"count", 2}});
  std::vector<uint8_t> scratch;
  FloatBuffer decoded;
  // Indices 3 and 300 of 1000: gaps 3 and 296 (two bytes: 0xa8 0x02), then two floats.
  std::vector<float> x(1000, 0.0f);
  x[3] = 5.0f;
  x[300] = -6.0f;
  const auto bytes = codec->encode(x, 0, scratch);
  CHECK(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 3) == std::vector<uint8_t>{3, 0xa8, 0x02});
  CHECK(bytes.size() == 3 + 8);
  CHECK(codec->max_wire_bytes(1000) == 2 * (2 + 4));
  auto message = [](std::vector<uint8_t> gaps) {
    const float ones[2] = {1.0f, 1.0f};
    const std::size_t at = gaps.size();
    gaps.resize(at + sizeof ones);
    std::memcpy(gaps.data() + at, ones, sizeof ones);
    return gaps;
  };
  CHECK(codec->decode(message({1, 2}), 5, decoded));             // indices 1 and 4
  CHECK_FALSE(codec->decode(message({1, 3}), 5, decoded));       // index 5 of 5
  CHECK_FALSE(codec->decode(message({5, 0}), 5, decoded));       // index 5
  CHECK_FALSE(codec->decode(message({0x80, 0x80}), 5, decoded));  // a varint that does not end
  auto short_values = message({1, 2});
  short_values.pop_back();
  CHECK_FALSE(codec->decode(short_values, 5, decoded));
  auto extra = message({1, 2});
  extra.push_back(0);
  CHECK_FALSE(codec->decode(extra, 5, decoded));
}

TEST_CASE("random-k and QSGD are unbiased: the mean of many draws is within the variance bound of x") {
  std::mt19937 rng(6);
  const auto x = testing::random_normal(2000, rng);
  for (const auto& [name, options] : {Named{"random_k", {{"fraction", 0.05}}}, Named{"qsgd", {{"bits", 4}}},
                                      Named{"qsgd", {{"levels", 1}}}}) {
    INFO(std::string(name) << " " << options.dump());
    auto codec = compressor(name, options);
    const double omega = *codec->variance_factor(x.size());
    constexpr int kDraws = 2000;
    std::vector<double> mean(x.size(), 0.0);
    double spread = 0;
    std::vector<uint8_t> scratch;
    FloatBuffer decoded_scratch;
    for (int draw = 0; draw < kDraws; ++draw) {
      auto c = *codec->decode(codec->encode(x, splitmix64(draw), scratch), x.size(), decoded_scratch);
      for (size_t i = 0; i < x.size(); ++i) mean[i] += c[i] / double{kDraws};
      spread += squared_distance(c, x) / kDraws;
    }
    double error = 0;
    for (size_t i = 0; i < x.size(); ++i) error += (mean[i] - x[i]) * (mean[i] - x[i]);
    // E||mean - x||^2 = E||C(x) - x||^2 / draws <= omega ||x||^2 / draws.
    MESSAGE(std::string(name) << ": ||mean - x||^2 = " << error << ", bound omega ||x||^2 / N = " << omega * squared_norm(x) / kDraws
                 << "; E||C - x||^2 = " << spread << " <= " << omega * squared_norm(x));
    CHECK(error <= 2 * omega * squared_norm(x) / kDraws);
    CHECK(spread <= 1.05 * omega * squared_norm(x));
  }
}

TEST_CASE("QSGD: 4 bits a value is 7 levels, sign: +-||x||_1/d, one bit a value") {
  auto qsgd = compressor("qsgd", {{"bits", 4}});
  CHECK(qsgd->max_wire_bytes(1000) == 4 + 500);
  CHECK(*qsgd->variance_factor(1000) == doctest::Approx(std::min(1000.0 / 49, std::sqrt(1000.0) / 7)));
  auto sign = compressor("sign");
  CHECK(sign->max_wire_bytes(1000) == 4 + 125);
  CHECK(sign->max_wire_bytes(1001) == 4 + 126);
  const std::vector<float> x{1.0f, -3.0f, 0.0f, 2.0f};
  std::vector<uint8_t> scratch;
  FloatBuffer decoded_scratch;
  auto c = *sign->decode(sign->encode(x, 0, scratch), x.size(), decoded_scratch);
  CHECK(std::vector<float>(c.begin(), c.end()) == std::vector<float>{1.5f, -1.5f, 1.5f, 1.5f});
  // ||C(x) - x||^2 = ||x||^2 - ||x||_1^2 / d
  CHECK(squared_distance(c, x) == doctest::Approx(squared_norm(x) - 36.0 / 4));
}

TEST_CASE("compressor options are checked with the field named") {
  auto error = [](const std::string& name, const nlohmann::json& options) {
    try {
      make_compressor(name, options);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("top_k", nlohmann::json::object()).find("training.compressor.fraction: give one of fraction") == 0);
  CHECK(error("top_k", {{"fraction", 0.1}, {"count", 3}}).find("give one of") != std::string::npos);
  CHECK(error("top_k", {{"fraction", 0.0}}) == "training.compressor.fraction: must be above 0");
  CHECK(error("top_k", {{"fraction", 1.5}}).find("training.compressor.fraction: expected a number in") == 0);
  CHECK(error("random_k", {{"count", 0}}).find("training.compressor.count") == 0);
  CHECK(error("qsgd", {{"bits", 1}}).find("training.compressor.bits") == 0);
  CHECK(error("qsgd", {{"bits", 4}, {"levels", 7}}).find("give one of levels") != std::string::npos);
  CHECK(error("sign", {{"fraction", 0.1}}).find("training.compressor.fraction") == 0);
  CHECK(error("zip", nlohmann::json::object()).find("training.compressor: unknown compressor \"zip\"") == 0);
}
