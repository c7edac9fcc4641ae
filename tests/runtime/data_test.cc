// The data side of training: IDX files, Fashion-MNIST loading, splitting samples across
// peers and each peer's minibatch stream. Tiny datasets are written to a temp directory;
// the installed Fashion-MNIST is checked only where the package is present.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "runtime/data/batch_sampler.h"
#include "runtime/data/fashion_mnist.h"
#include "runtime/data/idx_file.h"
#include "runtime/data/partition.h"
#include "support/temp_dir.h"
#include "common/config_error.h"

using namespace gossip;
using gossip::testing::TempDir;

namespace {

// The ConfigError message `action` throws, or "(no error)".
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

IdxImages pattern_images(int count, int rows, int cols) {
  IdxImages images{count, rows, cols, std::vector<uint8_t>(static_cast<size_t>(count) * rows * cols)};
  for (size_t i = 0; i < images.pixels.size(); ++i) images.pixels[i] = static_cast<uint8_t>(i * 7 + 3);
  return images;
}

std::vector<uint8_t> cyclic_labels(int count, int classes) {
  std::vector<uint8_t> labels(count);
  for (int i = 0; i < count; ++i) labels[i] = static_cast<uint8_t>(i % classes);
  return labels;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A 28x28 Fashion-MNIST lookalike with `train` and `test` samples.
void write_tiny_fashion_mnist(const TempDir& dir, int train, int test) {
  write_idx_images(dir.file("train-images-idx3-ubyte.gz"), pattern_images(train, 28, 28));
  write_idx_labels(dir.file("train-labels-idx1-ubyte.gz"), cyclic_labels(train, 10));
  write_idx_images(dir.file("t10k-images-idx3-ubyte.gz"), pattern_images(test, 28, 28));
  write_idx_labels(dir.file("t10k-labels-idx1-ubyte.gz"), cyclic_labels(test, 10));
}

// Every index in 0..samples-1 appears in exactly one part.
void check_exact_cover(const std::vector<std::vector<int>>& parts, int samples) {
  std::vector<int> seen(samples, 0);
  int out_of_range = 0;
  for (const auto& part : parts) {
    for (const int index : part) {
      if (index < 0 || index >= samples) {
        ++out_of_range;
      } else {
        ++seen[index];
      }
    }
  }
  CHECK(out_of_range == 0);
  CHECK(std::count(seen.begin(), seen.end(), 1) == samples);
}

// The mean over peers of the largest class's share of that peer's samples: 1/classes
// for a perfectly mixed split, 1 when every peer holds a single class.
double mean_largest_class_share(const std::vector<std::vector<int>>& parts, std::span<const uint8_t> labels,
                                int classes) {
  double total = 0.0;
  for (const auto& part : parts) {
    const std::vector<int> histogram = label_histogram(part, labels, classes);
    total += static_cast<double>(*std::max_element(histogram.begin(), histogram.end())) / part.size();
  }
  return total / parts.size();
}

std::vector<std::vector<int>> draw_batches(BatchSampler& sampler, int count, int batch) {
  std::vector<std::vector<int>> batches;
  for (int i = 0; i < count; ++i) {
    const std::span<const int> next = sampler.next(batch);
    batches.emplace_back(next.begin(), next.end());
  }
  return batches;
}

std::vector<int> shard_of(int size) {
  std::vector<int> shard(size);
  for (int i = 0; i < size; ++i) shard[i] = 1000 + 3 * i;  // not 0..n-1, so indices and positions differ
  return shard;
}

}  // namespace

TEST_CASE("IDX images and labels round trip gzipped and plain") {
  TempDir dir;
  const IdxImages images = pattern_images(5, 3, 4);
  const std::vector<uint8_t> labels = cyclic_labels(5, 10);
  for (const bool compressed : {true, false}) {
    CAPTURE(compressed);
    write_idx_images(dir.file("images"), images, compressed);
    write_idx_labels(dir.file("labels"), labels, compressed);
    const std::vector<uint8_t> raw = file_bytes(dir.file("images"));
    REQUIRE(raw.size() >= 4);
    if (compressed) {
      CHECK(raw[0] == 0x1f);  // the gzip magic
      CHECK(raw[1] == 0x8b);
    } else {
      CHECK(raw == std::vector<uint8_t>{0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 4, 3, 10, 17, 24, 31, 38,
                                        45, 52, 59, 66, 73, 80, 87, 94, 101, 108, 115, 122, 129, 136, 143, 150,
                                        157, 164, 171, 178, 185, 192, 199, 206, 213, 220, 227, 234, 241, 248,
                                        255, 6, 13, 20, 27, 34, 41, 48, 55, 62, 69, 76, 83, 90, 97, 104, 111,
                                        118, 125, 132, 139, 146, 153, 160});
    }
    const IdxImages read = read_idx_images(dir.file("images"));
    CHECK(read.count == 5);
    CHECK(read.rows == 3);
    CHECK(read.cols == 4);
    CHECK(read.pixels == images.pixels);
    CHECK(read_idx_labels(dir.file("labels")) == labels);
  }
}

TEST_CASE("IDX files with no samples round trip") {
  TempDir dir;
  write_idx_images(dir.file("images.gz"), pattern_images(0, 28, 28));
  write_idx_labels(dir.file("labels.gz"), {});
  CHECK(read_idx_images(dir.file("images.gz")).count == 0);
  CHECK(read_idx_labels(dir.file("labels.gz")).empty());
}

TEST_CASE("IDX reader names the file and both magic numbers when the magic is wrong") {
  TempDir dir;
  write_idx_labels(dir.file("labels.gz"), cyclic_labels(4, 10));
  const std::string message = error_of([&] { read_idx_images(dir.file("labels.gz")); });
  INFO(message);
  CHECK(has(message, dir.file("labels.gz")));
  CHECK(has(message, "expected 0x00000803"));
  CHECK(has(message, "found 0x00000801"));
  const std::string garbage = dir.write("garbage", "not an idx file at all");
  CHECK(has(error_of([&] { read_idx_labels(garbage); }), "found 0x6e6f7420"));  // "not "
}

TEST_CASE("IDX reader refuses truncated data with both byte counts") {
  TempDir dir;
  write_idx_images(dir.file("plain"), pattern_images(10, 5, 5), false);
  std::filesystem::resize_file(dir.file("plain"), 16 + 249);
  std::string message = error_of([&] { read_idx_images(dir.file("plain")); });
  INFO(message);
  CHECK(has(message, dir.file("plain")));
  CHECK(has(message, "promises 250 bytes, found 249"));

  std::filesystem::resize_file(dir.file("plain"), 10);
  message = error_of([&] { read_idx_images(dir.file("plain")); });
  CHECK(has(message, "truncated header: expected 16 bytes, found 10"));

  // A gzip file cut in half: zlib stops early, and the message still says truncated.
  write_idx_images(dir.file("cut.gz"), pattern_images(100, 28, 28));
  std::filesystem::resize_file(dir.file("cut.gz"), std::filesystem::file_size(dir.file("cut.gz")) / 2);
  message = error_of([&] { read_idx_images(dir.file("cut.gz")); });
  CHECK(has(message, dir.file("cut.gz")));
  CHECK(has(message, "truncated pixels: the header promises 78400 bytes, found"));
}

TEST_CASE("IDX reader refuses trailing bytes") {
  TempDir dir;
  write_idx_labels(dir.file("labels"), cyclic_labels(6, 10), false);
  std::ofstream(dir.file("labels"), std::ios::binary | std::ios::app) << "xyz";
  const std::string message = error_of([&] { read_idx_labels(dir.file("labels")); });
  INFO(message);
  CHECK(has(message, dir.file("labels")));
  CHECK(has(message, "3 trailing bytes after the 6 bytes"));
}

TEST_CASE("IDX reader refuses absurd sizes before allocating them") {
  TempDir dir;
  // 100000 images of 1000 x 1000 pixels: 10^11 bytes, from a 16-byte file.
  const std::string header{0, 0, 8, 3, 0, 1, char(0x86), char(0xa0), 0, 0, 3, char(0xe8), 0, 0, 3, char(0xe8)};
  const std::string path = dir.write("huge", header);
  const std::string message = error_of([&] { read_idx_images(path); });
  INFO(message);
  CHECK(has(message, path));
  CHECK(has(message, "100000 x 1000 x 1000"));
  CHECK(has(message, "2147483648"));

  const std::string zero_rows{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5};
  CHECK(has(error_of([&] { read_idx_images(dir.write("flat", zero_rows)); }), "rows, cols >= 1"));
}

TEST_CASE("IDX reader names a missing file") {
  TempDir dir;
  const std::string message = error_of([&] { read_idx_labels(dir.file("nowhere.gz")); });
  CHECK(message == dir.file("nowhere.gz") + ": no such file");
}

TEST_CASE("load_fashion_mnist on a missing directory says how to install the dataset") {
  TempDir dir;
  const std::string message = error_of([&] { load_fashion_mnist(dir.file("absent")); });
  INFO(message);
  CHECK(has(message, "train-images-idx3-ubyte.gz is missing"));
  CHECK(has(message, "apt-get install dataset-fashion-mnist"));
  CHECK(has(message, "GOSSIP_DATA_DIR"));
}

TEST_CASE("load_fashion_mnist reads a tiny dataset and names the missing file") {
  TempDir dir;
  write_tiny_fashion_mnist(dir, 12, 5);
  const Dataset dataset = load_fashion_mnist(dir.file(""));
  CHECK(dataset.classes == 10);
  CHECK(dataset.train.count == 12);
  CHECK(dataset.train.pixels_per_image == 784);
  CHECK(dataset.train.pixels == pattern_images(12, 28, 28).pixels);
  CHECK(dataset.train.labels == cyclic_labels(12, 10));
  CHECK(dataset.test.count == 5);
  CHECK(dataset.test.labels == cyclic_labels(5, 10));

  // A plain copy is found when the .gz is absent.
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte.gz"));
  write_idx_labels(dir.file("t10k-labels-idx1-ubyte"), cyclic_labels(5, 10), false);
  CHECK(load_fashion_mnist(dir.file("")).test.labels == cyclic_labels(5, 10));

  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte"));
  const std::string message = error_of([&] { load_fashion_mnist(dir.file("")); });
  INFO(message);
  CHECK(has(message, "t10k-labels-idx1-ubyte.gz is missing"));
  CHECK(has(message, "apt-get install dataset-fashion-mnist"));
}

TEST_CASE("load_fashion_mnist refuses mismatched counts and bad labels and sizes") {
  TempDir dir;
  write_tiny_fashion_mnist(dir, 12, 5);
  write_idx_labels(dir.file("train-labels-idx1-ubyte.gz"), cyclic_labels(11, 10));
  std::string message = error_of([&] { load_fashion_mnist(dir.file("")); });
  CHECK(has(message, "holds 11 labels but"));
  CHECK(has(message, "holds 12 images"));

  std::vector<uint8_t> labels = cyclic_labels(12, 10);
  labels[7] = 10;
  write_idx_labels(dir.file("train-labels-idx1-ubyte.gz"), labels);
  message = error_of([&] { load_fashion_mnist(dir.file("")); });
  CHECK(has(message, "label 10 of sample 7 is outside 0..9"));

  write_idx_labels(dir.file("train-labels-idx1-ubyte.gz"), cyclic_labels(12, 10));
  write_idx_images(dir.file("t10k-images-idx3-ubyte.gz"), pattern_images(5, 28, 27));
  message = error_of([&] { load_fashion_mnist(dir.file("")); });
  CHECK(has(message, "t10k-images-idx3-ubyte.gz: images are 28x27, expected 28x28"));
}

TEST_CASE("default_fashion_mnist_dir follows GOSSIP_DATA_DIR") {
  const char* before = std::getenv("GOSSIP_DATA_DIR");
  const std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  setenv("GOSSIP_DATA_DIR", "/data/elsewhere", 1);
  CHECK(default_fashion_mnist_dir() == "/data/elsewhere");
  setenv("GOSSIP_DATA_DIR", "", 1);
  CHECK(default_fashion_mnist_dir() == "/usr/share/datasets/fashion-mnist");
  unsetenv("GOSSIP_DATA_DIR");
  CHECK(default_fashion_mnist_dir() == "/usr/share/datasets/fashion-mnist");
  if (saved) setenv("GOSSIP_DATA_DIR", saved->c_str(), 1);
}

TEST_CASE("gather_batch normalises pixels into one column per sample") {
  LabeledImages data{3, 2, {0, 255, 10, 20, 30, 40}, {4, 5, 6}};
  const std::vector<int> indices{2, 0};
  std::vector<float> images(4, -99.0f);
  std::vector<uint8_t> labels(2);
  gather_batch(data, indices, images.data(), labels.data());
  auto normalised = [](int p) { return (p / 255.0 - 0.2860) / 0.3530; };
  CHECK(images[0] == doctest::Approx(normalised(30)));
  CHECK(images[1] == doctest::Approx(normalised(40)));
  CHECK(images[2] == doctest::Approx(normalised(0)));
  CHECK(images[3] == doctest::Approx(normalised(255)));
  CHECK(labels == std::vector<uint8_t>{6, 4});
  const std::vector<int> bad{1, 3};
  CHECK(has(error_of([&] { gather_batch(data, bad, images.data(), nullptr); }),
            "sample index 3 at batch position 1 is outside 0..2"));
}

TEST_CASE("the installed Fashion-MNIST loads with balanced classes") {
  const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir)) {
    MESSAGE("SKIPPED: " << dir.string() << " is absent (apt-get install dataset-fashion-mnist)");
    return;
  }
  const Dataset dataset = load_fashion_mnist(dir);
  CHECK(dataset.train.count == 60000);
  CHECK(dataset.test.count == 10000);
  CHECK(dataset.train.pixels_per_image == 784);
  CHECK(dataset.test.pixels_per_image == 784);
  CHECK(dataset.train.pixels.size() == 60000u * 784u);
  std::vector<int> all_train(60000), all_test(10000);
  std::iota(all_train.begin(), all_train.end(), 0);
  std::iota(all_test.begin(), all_test.end(), 0);
  CHECK(label_histogram(all_train, dataset.train.labels, 10) == std::vector<int>(10, 6000));
  CHECK(label_histogram(all_test, dataset.test.labels, 10) == std::vector<int>(10, 1000));
  // The normalisation constants are this training set's pixel mean and deviation.
  double sum = 0.0, squares = 0.0;
  for (const uint8_t p : dataset.train.pixels) sum += p / 255.0, squares += (p / 255.0) * (p / 255.0);
  const double mean = sum / dataset.train.pixels.size();
  CHECK(mean == doctest::Approx(kFashionMnistMean).epsilon(0.001));
  CHECK(std::sqrt(squares / dataset.train.pixels.size() - mean * mean) == doctest::Approx(kFashionMnistStd).epsilon(0.001));
}

TEST_CASE("shuffle_portably gives the same permutation on every platform") {
  // Pinned: only std::mt19937_64's raw output (which the standard fixes) feeds the draw.
  std::mt19937_64 rng(42);
  std::vector<int> values(10);
  std::iota(values.begin(), values.end(), 0);
  shuffle_portably(values, rng);
  CHECK(values == std::vector<int>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6});
}

TEST_CASE("partition_iid covers every index once with sizes within one") {
  for (const auto& [samples, peers] : std::vector<std::pair<int, int>>{{1, 1}, {7, 7}, {10, 3}, {100, 7}, {1000, 16}}) {
    CAPTURE(samples);
    CAPTURE(peers);
    const auto parts = partition_iid(samples, peers, 11);
    REQUIRE(parts.size() == static_cast<size_t>(peers));
    check_exact_cover(parts, samples);
    const auto [smallest, largest] = std::minmax_element(
        parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
    CHECK(largest->size() - smallest->size() <= 1);
  }
}

TEST_CASE("partition_iid is reproducible and depends on the seed") {
  CHECK(partition_iid(500, 6, 3) == partition_iid(500, 6, 3));
  CHECK(partition_iid(500, 6, 3) != partition_iid(500, 6, 4));
  // Shuffled, not dealt in order: the first peer's samples are not simply 0..83.
  const auto first = partition_iid(500, 6, 3).front();
  CHECK(first.back() > static_cast<int>(first.size()));
}

TEST_CASE("partitions refuse bad arguments") {
  const std::vector<uint8_t> labels = cyclic_labels(100, 10);
  CHECK(has(error_of([] { partition_iid(10, 0, 1); }), "peers is 0, expected >= 1"));
  CHECK(has(error_of([] { partition_iid(3, 4, 1); }), "3 samples cannot give each of 4 peers"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 10, 4, 0.0, 1, 0); }), "alpha is 0, expected"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 10, 4, -1.0, 1, 0); }), "alpha is -1, expected"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 10, 0, 1.0, 1, 0); }), "peers is 0"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 10, 101, 1.0, 1, 0); }), "100 samples cannot give"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 10, 4, 1.0, 1, 26); }), "min_per_peer 26 for each of 4"));
  CHECK(has(error_of([&] { partition_dirichlet(labels, 5, 4, 1.0, 1, 0); }), "label 5 of sample 5 is outside 0..4"));
}

TEST_CASE("partition_dirichlet covers every index once and respects min_per_peer") {
  const std::vector<uint8_t> labels = cyclic_labels(6000, 10);
  for (const double alpha : {0.05, 0.1, 1.0, 100.0}) {
    for (const int peers : {1, 2, 10, 32}) {
      CAPTURE(alpha);
      CAPTURE(peers);
      const auto parts = partition_dirichlet(labels, 10, peers, alpha, 5, 20);
      REQUIRE(parts.size() == static_cast<size_t>(peers));
      check_exact_cover(parts, 6000);
      for (const auto& part : parts) CHECK(part.size() >= 20u);
    }
  }
}

TEST_CASE("partition_dirichlet is reproducible and depends on the seed") {
  const std::vector<uint8_t> labels = cyclic_labels(3000, 10);
  CHECK(partition_dirichlet(labels, 10, 8, 0.5, 9, 10) == partition_dirichlet(labels, 10, 8, 0.5, 9, 10));
  CHECK(partition_dirichlet(labels, 10, 8, 0.5, 9, 10) != partition_dirichlet(labels, 10, 8, 0.5, 10, 10));
}

TEST_CASE("partition_dirichlet with alpha 0.1 is far more skewed than with alpha 100") {
  // Averaged over a few seeds, since one alpha=0.1 split alone ranges from about 0.5 to 0.8.
  const std::vector<uint8_t> labels = cyclic_labels(6000, 10);
  double skewed = 0.0, mixed = 0.0, iid = 0.0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    skewed += mean_largest_class_share(partition_dirichlet(labels, 10, 10, 0.1, seed, 10), labels, 10) / 4;
    mixed += mean_largest_class_share(partition_dirichlet(labels, 10, 10, 100.0, seed, 10), labels, 10) / 4;
    iid += mean_largest_class_share(partition_iid(6000, 10, seed), labels, 10) / 4;
  }
  INFO("largest class share: alpha 0.1 " << skewed << ", alpha 100 " << mixed << ", iid " << iid);
  CHECK(skewed > 0.45);  // about 0.57 with these seeds
  CHECK(mixed < 0.2);    // about 0.12, as for IID: one class in ten plus noise
  CHECK(iid < 0.2);
  CHECK(skewed > 3 * mixed);
}

TEST_CASE("partition_dirichlet says which arguments to change when no draw fits") {
  // Exactly 10 samples for each of 10 peers: almost no Dirichlet draw cuts that evenly.
  const std::vector<uint8_t> labels = cyclic_labels(100, 10);
  const std::string message = error_of([&] { partition_dirichlet(labels, 10, 10, 0.05, 1, 10); });
  INFO(message);
  CHECK(has(message, "min_per_peer=10"));
  CHECK(has(message, "alpha=0.05"));
  CHECK(has(message, "peers=10"));
}

TEST_CASE("partition_sorted gives each of as many peers as classes one class, in label order") {
  const std::vector<uint8_t> labels = cyclic_labels(1000, 10);
  const auto parts = partition_sorted(labels, 10);
  REQUIRE(parts.size() == 10u);
  check_exact_cover(parts, 1000);
  for (int peer = 0; peer < 10; ++peer) {
    CAPTURE(peer);
    std::vector<int> expected(10, 0);
    expected[static_cast<size_t>(peer)] = 100;
    CHECK(label_histogram(parts[static_cast<size_t>(peer)], labels, 10) == expected);
  }
  // Five peers: two neighbouring classes each; sizes within one when the split is uneven.
  CHECK(label_histogram(partition_sorted(labels, 5)[2], labels, 10) ==
        std::vector<int>{0, 0, 0, 0, 100, 100, 0, 0, 0, 0});
  const auto uneven = partition_sorted(labels, 3);
  check_exact_cover(uneven, 1000);
  CHECK(uneven[0].size() == 334u);
  CHECK(uneven[2].size() == 333u);
  CHECK(has(error_of([&] { partition_sorted(labels, 0); }), "peers is 0, expected >= 1"));
  CHECK(has(error_of([&] { partition_sorted(std::vector<uint8_t>{1, 2}, 3); }), "2 samples cannot give each of 3"));
}

TEST_CASE("label_histogram counts labels and refuses bad indices") {
  const std::vector<uint8_t> labels{0, 1, 1, 2, 2, 2};
  CHECK(label_histogram({0, 3, 4, 5, 2}, labels, 3) == std::vector<int>{1, 1, 3});
  CHECK(label_histogram({}, labels, 3) == std::vector<int>{0, 0, 0});
  CHECK(has(error_of([&] { label_histogram({6}, labels, 3); }), "sample index 6 is outside 0..5"));
  CHECK(has(error_of([&] { label_histogram({5}, labels, 2); }), "label 2 of sample 5 is outside 0..1"));
}

TEST_CASE("BatchSampler visits each index once per epoch") {
  const std::vector<int> shard = shard_of(24);
  BatchSampler sampler(shard, 77, 3);
  std::vector<std::vector<int>> orders;
  for (int epoch = 0; epoch < 4; ++epoch) {
    std::vector<int> seen;
    for (const auto& batch : draw_batches(sampler, 4, 6)) seen.insert(seen.end(), batch.begin(), batch.end());
    CHECK(sampler.epoch() == epoch);
    orders.push_back(seen);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == shard);
  }
  CHECK(orders[0] != orders[1]);  // reshuffled each epoch
  CHECK(orders[0] != shard);
}

TEST_CASE("BatchSampler never lets a batch span two epochs") {
  // 23 samples in batches of 5: four batches per epoch, three samples left out each time.
  BatchSampler sampler(shard_of(23), 77, 0);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<int> seen;
    for (const auto& batch : draw_batches(sampler, 4, 5)) {
      CHECK(sampler.epoch() == epoch);
      for (const int index : batch) CHECK(seen.insert(index).second);
    }
  }
  CHECK(sampler.next(23).size() == 23u);  // a whole-shard batch starts the next epoch
  CHECK(sampler.epoch() == 3);
}

TEST_CASE("BatchSampler streams differ between peers and seeds") {
  const std::vector<int> shard = shard_of(50);
  auto first_batches = [&](uint64_t seed, int peer) {
    BatchSampler sampler(shard, seed, peer);
    return draw_batches(sampler, 3, 10);
  };
  CHECK(first_batches(1, 0) == first_batches(1, 0));
  CHECK(first_batches(1, 0) != first_batches(1, 1));
  CHECK(first_batches(1, 0) != first_batches(2, 0));
}

TEST_CASE("BatchSampler restored mid-epoch continues bit for bit") {
  const std::vector<int> shard = shard_of(37);
  BatchSampler original(shard, 5, 2);
  draw_batches(original, 9, 8);  // two epochs in, one batch into the third
  REQUIRE(original.epoch() == 2);
  const std::string state = original.save_state();
  const auto expected = draw_batches(original, 20, 8);

  BatchSampler restored(shard, 12345, 2);  // another seed: everything must come from the state
  draw_batches(restored, 3, 4);
  restored.restore_state(state);
  CHECK(restored.epoch() == 2);
  CHECK(restored.save_state() == state);
  CHECK(draw_batches(restored, 20, 8) == expected);
  CHECK(restored.epoch() == original.epoch());
}

TEST_CASE("BatchSampler refuses malformed state and stays unchanged") {
  const std::vector<int> shard = shard_of(12);
  BatchSampler sampler(shard, 5, 1);
  draw_batches(sampler, 1, 5);
  const std::string good = sampler.save_state();
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "expected 'gossip-batch-sampler-state', found the end"},
      {"hello world", "found 'hello'"},
      {good.substr(0, good.size() / 2), "restore_state"},
      {good.substr(0, good.find("rng") + 40), "rng: not a std::mt19937_64 state"},
      {replaced("gossip-batch-sampler-state 1", "gossip-batch-sampler-state 2"), "version is 2, expected 1"},
      {replaced("peer 1", "peer 0"), "peer is 0, expected 1"},
      {replaced("epoch 0", "epoch -4"), "epoch is -4, expected 0.."},
      {replaced("size 12", "size 99999999999"), "size is 99999999999, expected 12"},
      {replaced("position 5", "position 13"), "position is 13, expected 0..12"},
      {replaced("position 5", "position 5x"), "position: '5x' is not an integer"},
      {replaced("order ", "order 1000 "), "not a permutation of this shard"},
      {replaced("rng ", "rng banana "), "rng: not a std::mt19937_64 state"},
      {good + "extra", "trailing text 'extra'"},
  };
  for (const auto& [state, expected] : cases) {
    const std::string message = error_of([&] { sampler.restore_state(state); });
    INFO(message);
    CHECK(has(message, "BatchSampler::restore_state"));
    CHECK(has(message, expected));
  }
  CHECK(sampler.save_state() == good);
}

TEST_CASE("BatchSampler refuses batches larger than its shard") {
  BatchSampler sampler(shard_of(10), 1, 4);
  const std::string message = error_of([&] { sampler.next(11); });
  INFO(message);
  CHECK(has(message, "batch of 11 samples for peer 4 whose shard holds 10"));
  CHECK(has(error_of([&] { sampler.next(0); }), "batch of 0 samples"));
  CHECK(has(error_of([] { BatchSampler({}, 1, 0); }), "shard of 0 samples"));
}
