#include "kernels/gather.h"

namespace gossip::cpu {

void gather_rows(const uint8_t* rows, std::size_t row_length, const uint8_t* row_labels, const int* indices,
                 std::size_t count, const float* table, float* images, uint8_t* labels) {
  for (std::size_t column = 0; column < count; ++column) {
    const uint8_t* source = rows + static_cast<std::size_t>(indices[column]) * row_length;
    float* target = images + column * row_length;
    for (std::size_t p = 0; p < row_length; ++p) target[p] = table[source[p]];
    if (labels != nullptr) labels[column] = row_labels[indices[column]];
  }
}

}  // namespace gossip::cpu
