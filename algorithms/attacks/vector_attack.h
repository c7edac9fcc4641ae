// Attacks that lie with float vectors: the honest payload read as float32 values (the rules
// that send plain vectors: DSGD's model, gradient tracking's model and tracker), and what the
// peer heard last round read the same way. Each computes its lie per out-neighbour.
#pragma once

#include <span>
#include <vector>

#include "algorithms/attack.h"
#include "kernels/float_buffer.h"

namespace gossip {

struct Lie {
  int to = 0;                            // the out-neighbour it goes to
  std::span<const float> honest;         // what the rule would send it
  std::span<const float> from_target;    // what that neighbour sent last round (empty: nothing heard)
  std::span<const std::span<const float>> heard;  // every vector heard last round, of the same length
  uint64_t seed = 0;
};

class VectorAttack : public Attack {
 public:
  std::span<const Payload> rewrite(const AttackContext& context) final;
  bool needs_plain_payloads() const final { return true; }

 protected:
  // Writes the lie into `out` (honest.size() values). Returns false to send the honest
  // vector instead (when what the attack needs was not heard).
  virtual bool lie(const Lie& lie, std::span<float> out) = 0;

 private:
  std::vector<FloatBuffer> lies_;
  std::vector<Payload> sends_;
};

// Coordinate-wise mean and standard deviation (population) of `vectors` and `also`, in double.
struct Moments {
  std::vector<double> mean, deviation;
};
Moments moments(std::span<const std::span<const float>> vectors, std::span<const float> also);

}  // namespace gossip
