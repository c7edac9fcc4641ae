#include "runtime/data/fashion_mnist.h"

#include <array>
#include <cstdlib>
#include <string>

#include "kernels/gather.h"
#include "runtime/data/idx_file.h"
#include "common/config_error.h"

namespace gossip {
namespace {

namespace fs = std::filesystem;

constexpr int kImageSide = 28;
constexpr int kClasses = 10;
constexpr const char* kInstallHint =
    "install it with: apt-get install dataset-fashion-mnist, or set GOSSIP_DATA_DIR to a directory "
    "that holds the four Fashion-MNIST IDX files";

// The package ships the files gzipped; a plain copy (as some mirrors unpack them) works too.
fs::path find_file(const fs::path& dir, const std::string& stem) {
  std::error_code error;
  for (const std::string& name : {stem + ".gz", stem}) {
    if (fs::is_regular_file(dir / name, error)) return dir / name;
  }
  std::string why = fs::is_directory(dir, error) ? "" : " (the directory " + dir.string() + " does not exist)";
  throw ConfigError("Fashion-MNIST file " + (dir / (stem + ".gz")).string() + " is missing" + why + "; " +
                    kInstallHint);
}

void check_labels(const fs::path& path, const std::vector<uint8_t>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= kClasses) {
      throw ConfigError(path.string() + ": label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) +
                        " is outside 0.." + std::to_string(kClasses - 1));
    }
  }
}

// `prefix` is "train" or "t10k", as the original file names have it.
LabeledImages load_split(const fs::path& dir, const std::string& prefix) {
  const fs::path images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const fs::path labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  IdxImages images = read_idx_images(images_path);
  if (images.rows != kImageSide || images.cols != kImageSide) {
    throw ConfigError(images_path.string() + ": images are " + std::to_string(images.rows) + "x" +
                      std::to_string(images.cols) + ", expected " + std::to_string(kImageSide) + "x" +
                      std::to_string(kImageSide));
  }
  std::vector<uint8_t> labels = read_idx_labels(labels_path);
  if (labels.size() != static_cast<size_t>(images.count)) {
    throw ConfigError(labels_path.string() + " holds " + std::to_string(labels.size()) + " labels but " +
                      images_path.string() + " holds " + std::to_string(images.count) + " images");
  }
  check_labels(labels_path, labels);
  LabeledImages split;
  split.count = images.count;
  split.pixels_per_image = images.rows * images.cols;
  split.pixels = std::move(images.pixels);
  split.labels = std::move(labels);
  return split;
}

}  // namespace

fs::path default_fashion_mnist_dir() {
  const char* configured = std::getenv("GOSSIP_DATA_DIR");
  if (configured != nullptr && configured[0] != '\0') return configured;
  return "/usr/share/datasets/fashion-mnist";
}

Dataset load_fashion_mnist(const fs::path& dir) {
  Dataset dataset;
  dataset.classes = kClasses;
  dataset.train = load_split(dir, "train");
  dataset.test = load_split(dir, "t10k");
  return dataset;
}

const std::array<float, 256>& normalised_pixels() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> values{};
    for (int p = 0; p < 256; ++p) values[p] = (static_cast<float>(p) / 255.0f - kFashionMnistMean) / kFashionMnistStd;
    return values;
  }();
  return table;
}

void check_sample_indices(int count, std::span<const int> indices) {
  for (size_t column = 0; column < indices.size(); ++column) {
    const int sample = indices[column];
    if (sample < 0 || sample >= count) {
      throw ConfigError("gather_batch: sample index " + std::to_string(sample) + " at batch position " +
                        std::to_string(column) + " is outside 0.." + std::to_string(count - 1));
    }
  }
}

void gather_batch(const LabeledImages& data, std::span<const int> indices, float* images, uint8_t* labels) {
  check_sample_indices(data.count, indices);
  cpu::gather_rows(data.pixels.data(), static_cast<size_t>(data.pixels_per_image), data.labels.data(), indices.data(),
                   indices.size(), normalised_pixels().data(), images, labels);
}

}  // namespace gossip
