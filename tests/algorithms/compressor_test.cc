// Every compressor: exact wire sizes, and decoding what a neighbour sent never trusts it.
#include <doctest/doctest.h>

#include <cstring>

#include "algorithms/compressors/identity.h"
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
    CHECK(bytes.size() == identity.wire_bytes(length));
    CHECK(bytes.size() == 4 * length);
    CHECK(reinterpret_cast<const void*>(bytes.data()) == reinterpret_cast<const void*>(values.data()));
    FloatBuffer decoded_scratch;
    auto decoded = identity.decode(bytes, length, decoded_scratch);
    REQUIRE(decoded);
    REQUIRE(decoded->size() == length);
    CHECK(std::memcmp(decoded->data(), values.data(), 4 * length) == 0);
  }
}

TEST_CASE("identity: bytes of the wrong size are refused; misaligned bytes are copied, not read in place") {
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
