// Gathering a minibatch: the rows `indices` of a table of bytes (a dataset's images, one
// row per sample) become the columns of a float matrix, each byte mapped through a
// 256-entry table (pixel to normalised input), and their labels come along. The CPU's
// runs on the host; the CUDA twin on device pointers (rows, labels and the table uploaded
// once, the indices per batch). Indices are the caller's to check: both read out of
// bounds on an index outside 0..rows-1.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gossip::cpu {
// images: row_length x count floats, column j from row indices[j]; labels (may be null):
// count bytes, labels[j] = row_labels[indices[j]].
void gather_rows(const uint8_t* rows, std::size_t row_length, const uint8_t* row_labels, const int* indices,
                 std::size_t count, const float* table, float* images, uint8_t* labels);
}  // namespace gossip::cpu

namespace gossip::cuda {
void gather_rows(const uint8_t* rows, std::size_t row_length, const uint8_t* row_labels, const int* indices,
                 std::size_t count, const float* table, float* images, uint8_t* labels);
}  // namespace gossip::cuda
