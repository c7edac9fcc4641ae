// IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (a magic number
// that names the element type and the number of dimensions, then one 32-bit size per
// dimension) followed by the elements, row-major. Only unsigned-byte images (3 dimensions:
// count, rows, cols) and labels (1 dimension: count) are read, gzip-compressed or plain:
// zlib's gzread passes plain files through unchanged, so one reader serves both.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace gossip {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
// Largest payload accepted, so a corrupt header cannot ask for an absurd allocation.
inline constexpr uint64_t kIdxMaxBytes = uint64_t{1} << 31;

struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image after image, each row-major
};

// Both throw ConfigError naming the file and the problem: missing or unreadable file,
// wrong magic (expected and found), sizes past kIdxMaxBytes, data shorter than the
// header promises (expected and found byte counts), or bytes after the data.
IdxImages read_idx_images(const std::filesystem::path& path);
std::vector<uint8_t> read_idx_labels(const std::filesystem::path& path);

// Writers, so tests can build tiny datasets. Gzip unless `compressed` is false, in which
// case the file is plain IDX, byte for byte as the format describes. Throw ConfigError
// when the sizes disagree or the file cannot be written.
void write_idx_images(const std::filesystem::path& path, const IdxImages& images, bool compressed = true);
void write_idx_labels(const std::filesystem::path& path, std::span<const uint8_t> labels, bool compressed = true);

}  // namespace gossip
