// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28x28 grey images of clothing in 10
// classes, 60000 for training and 10000 for testing, in the four IDX files that Debian's
// dataset-fashion-mnist package installs.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace gossip {

struct LabeledImages {
  int count = 0;
  int pixels_per_image = 0;
  std::vector<uint8_t> pixels;  // count * pixels_per_image, sample-major
  std::vector<uint8_t> labels;  // count
};

struct Dataset {
  LabeledImages train, test;
  int classes = 10;
};

// Pixel statistics of the Fashion-MNIST training set on the [0, 1] scale, the values
// the literature normalises with; gather_batch maps p to (p / 255 - mean) / std.
inline constexpr float kFashionMnistMean = 0.2860f;
inline constexpr float kFashionMnistStd = 0.3530f;

// $GOSSIP_DATA_DIR when set and not empty, else /usr/share/datasets/fashion-mnist.
std::filesystem::path default_fashion_mnist_dir();

// Reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte from `dir`, each with a .gz suffix or, failing that, without.
// Throws ConfigError naming the missing file (with how to install the package), or the
// file whose contents are wrong: images not 28x28, image and label counts that differ,
// a label outside 0..9. Any number of samples is accepted, so tests can write tiny sets.
Dataset load_fashion_mnist(const std::filesystem::path& dir);

// Copies the samples `indices` into a batch: `images` is pixels_per_image x batch,
// column-major (sample j fills images[j * pixels_per_image ...]), each pixel normalised
// with kFashionMnistMean / kFashionMnistStd; `labels` gets one label per sample and may
// be null. Both buffers must hold indices.size() samples. Throws ConfigError for an
// index outside 0..count-1.
void gather_batch(const LabeledImages& data, std::span<const int> indices, float* images, uint8_t* labels);

// What gather_batch maps each pixel value to.
const std::array<float, 256>& normalised_pixels();
// gather_batch's check of `indices`, for a gather done elsewhere (on a GPU): throws
// ConfigError for an index outside 0..count-1.
void check_sample_indices(int count, std::span<const int> indices);

}  // namespace gossip
