#include "runtime/data/idx_file.h"

#include <zlib.h>  // gzopen / gzread / gzwrite: gzip or plain files behind one API

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "common/config_error.h"

namespace gossip {
namespace {

namespace fs = std::filesystem;

// gzread and gzwrite take an unsigned length and return an int; stay well inside both.
constexpr uint64_t kGzChunk = uint64_t{1} << 24;

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

std::string hex32(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::string describe_magic(uint32_t magic) {
  if (magic == kIdxImagesMagic) return hex32(magic) + " (IDX images)";
  if (magic == kIdxLabelsMagic) return hex32(magic) + " (IDX labels)";
  return hex32(magic);
}

GzFile open_for_reading(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw ConfigError(path.string() + ": no such file");
  if (fs::is_directory(path, error)) throw ConfigError(path.string() + ": is a directory, expected an IDX file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw ConfigError(path.string() + ": cannot open: " + std::strerror(errno));
  gzbuffer(file, 1 << 17);
  return GzFile(file);
}

// Reads up to `size` bytes and returns how many came; fewer only at the end of the data.
uint64_t read_up_to(gzFile file, const fs::path& path, uint8_t* data, uint64_t size) {
  uint64_t done = 0;
  while (done < size) {
    const auto chunk = static_cast<unsigned>(std::min(size - done, kGzChunk));
    const int got = gzread(file, data + done, chunk);
    if (got < 0) {
      int code = Z_OK;
      throw ConfigError(path.string() + ": cannot read: " + gzerror(file, &code));
    }
    if (got == 0) break;
    done += static_cast<uint64_t>(got);
  }
  return done;
}

// zlib reports a gzip stream cut short as Z_BUF_ERROR rather than as a failed read.
std::string gzip_cut_note(gzFile file) {
  int code = Z_OK;
  gzerror(file, &code);
  return code == Z_BUF_ERROR ? " (the gzip stream itself ends early)" : "";
}

uint32_t big_endian_u32(const uint8_t* bytes) {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | uint32_t{bytes[3]};
}

// Reads the magic and the dimension sizes, checking the magic and the total size.
std::vector<uint32_t> read_header(gzFile file, const fs::path& path, uint32_t expected_magic, int dimensions) {
  std::array<uint8_t, 16> bytes{};
  const uint64_t header_bytes = 4 + 4 * static_cast<uint64_t>(dimensions);
  const uint64_t got = read_up_to(file, path, bytes.data(), header_bytes);
  if (got >= 4 && big_endian_u32(bytes.data()) != expected_magic) {
    throw ConfigError(path.string() + ": wrong magic number: expected " + describe_magic(expected_magic) +
                      ", found " + describe_magic(big_endian_u32(bytes.data())));
  }
  if (got < header_bytes) {
    throw ConfigError(path.string() + ": truncated header: expected " + std::to_string(header_bytes) +
                      " bytes, found " + std::to_string(got) + gzip_cut_note(file));
  }
  std::vector<uint32_t> sizes;
  uint64_t total = 1;
  std::string shape;
  for (int d = 0; d < dimensions; ++d) {
    sizes.push_back(big_endian_u32(bytes.data() + 4 + 4 * d));
    total *= sizes.back();  // at most (2^32)^3, so no overflow before the check below
    if (total > kIdxMaxBytes) total = kIdxMaxBytes + 1;
    shape += (d ? " x " : "") + std::to_string(sizes.back());
  }
  if (total > kIdxMaxBytes) {
    throw ConfigError(path.string() + ": header sizes " + shape + " ask for more than " +
                      std::to_string(kIdxMaxBytes) + " bytes; the header is corrupt");
  }
  return sizes;
}

// Grows the buffer as data arrives, so a corrupt header on a small file fails on the
// missing bytes without first allocating what the header claims.
std::vector<uint8_t> read_payload(gzFile file, const fs::path& path, uint64_t expected, const char* what) {
  std::vector<uint8_t> data;
  while (data.size() < expected) {
    const uint64_t old_size = data.size();
    const uint64_t chunk = std::min(expected - old_size, kGzChunk);
    data.resize(old_size + chunk);
    const uint64_t got = read_up_to(file, path, data.data() + old_size, chunk);
    data.resize(old_size + got);
    if (got < chunk) break;
  }
  if (data.size() < expected) {
    throw ConfigError(path.string() + ": truncated " + what + ": the header promises " + std::to_string(expected) +
                      " bytes, found " + std::to_string(data.size()) + gzip_cut_note(file));
  }
  std::array<uint8_t, 4096> rest{};
  uint64_t trailing = 0;
  while (const uint64_t got = read_up_to(file, path, rest.data(), rest.size())) trailing += got;
  if (trailing > 0) {
    throw ConfigError(path.string() + ": " + std::to_string(trailing) + " trailing bytes after the " +
                      std::to_string(expected) + " bytes of " + what + " the header promises");
  }
  return data;
}

void put_big_endian_u32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

void write_file(const fs::path& path, std::span<const uint8_t> header, std::span<const uint8_t> payload,
                bool compressed) {
  // "T" asks zlib for a plain (transparent) file instead of gzip.
  gzFile raw = gzopen(path.c_str(), compressed ? "wb" : "wbT");
  if (raw == nullptr) throw ConfigError(path.string() + ": cannot create: " + std::strerror(errno));
  GzFile file(raw);
  for (std::span<const uint8_t> part : {header, payload}) {
    for (uint64_t done = 0; done < part.size();) {
      const auto chunk = static_cast<unsigned>(std::min<uint64_t>(part.size() - done, kGzChunk));
      if (gzwrite(file.get(), part.data() + done, chunk) != static_cast<int>(chunk)) {
        int code = Z_OK;
        throw ConfigError(path.string() + ": cannot write: " + gzerror(file.get(), &code));
      }
      done += chunk;
    }
  }
  if (gzclose(file.release()) != Z_OK) throw ConfigError(path.string() + ": cannot finish writing");
}

}  // namespace

IdxImages read_idx_images(const fs::path& path) {
  GzFile file = open_for_reading(path);
  const std::vector<uint32_t> sizes = read_header(file.get(), path, kIdxImagesMagic, 3);
  if (sizes[0] > INT_MAX || sizes[1] == 0 || sizes[2] == 0) {
    throw ConfigError(path.string() + ": impossible image sizes " + std::to_string(sizes[0]) + " x " +
                      std::to_string(sizes[1]) + " x " + std::to_string(sizes[2]) +
                      ": expected count <= " + std::to_string(INT_MAX) + " and rows, cols >= 1");
  }
  IdxImages images;
  images.count = static_cast<int>(sizes[0]);
  images.rows = static_cast<int>(sizes[1]);
  images.cols = static_cast<int>(sizes[2]);
  images.pixels = read_payload(file.get(), path, uint64_t{sizes[0]} * sizes[1] * sizes[2], "pixels");
  return images;
}

std::vector<uint8_t> read_idx_labels(const fs::path& path) {
  GzFile file = open_for_reading(path);
  const std::vector<uint32_t> sizes = read_header(file.get(), path, kIdxLabelsMagic, 1);
  return read_payload(file.get(), path, sizes[0], "labels");
}

void write_idx_images(const fs::path& path, const IdxImages& images, bool compressed) {
  const uint64_t expected = static_cast<uint64_t>(std::max(images.count, 0)) * std::max(images.rows, 0) *
                            std::max(images.cols, 0);
  if (images.count < 0 || images.rows < 1 || images.cols < 1 || images.pixels.size() != expected) {
    throw ConfigError(path.string() + ": cannot write images of " + std::to_string(images.count) + " x " +
                      std::to_string(images.rows) + " x " + std::to_string(images.cols) + " from " +
                      std::to_string(images.pixels.size()) + " pixels");
  }
  std::vector<uint8_t> header;
  for (uint32_t word : {kIdxImagesMagic, static_cast<uint32_t>(images.count), static_cast<uint32_t>(images.rows),
                        static_cast<uint32_t>(images.cols)}) {
    put_big_endian_u32(header, word);
  }
  write_file(path, header, images.pixels, compressed);
}

void write_idx_labels(const fs::path& path, std::span<const uint8_t> labels, bool compressed) {
  if (labels.size() > UINT32_MAX) {
    throw ConfigError(path.string() + ": cannot write " + std::to_string(labels.size()) + " labels, at most " +
                      std::to_string(UINT32_MAX) + " fit an IDX header");
  }
  std::vector<uint8_t> header;
  put_big_endian_u32(header, kIdxLabelsMagic);
  put_big_endian_u32(header, static_cast<uint32_t>(labels.size()));
  write_file(path, header, labels, compressed);
}

}  // namespace gossip
