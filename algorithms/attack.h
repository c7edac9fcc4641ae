// The Attack seam: a Byzantine peer follows the protocol (it holds a valid key, links,
// sends on time) but lies in what it sends. It sits between the rule's encode and the
// transport's send, nowhere else, and sees what any peer of the protocol sees: its own
// honest payloads and what its in-neighbours sent it the round before. An attack may send
// each neighbour a different lie, or nothing. Attacks come from the registry
// (attacks/attacks.h), keyed by `attack` in the `byzantine` setting.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>  // a data attack's task options
#include <span>
#include <string>
#include <vector>

#include "algorithms/algorithm.h"

namespace gossip {

struct AttackContext {
  int64_t round = 0;
  MessageKind kind = MessageKind::kModel;
  const Neighbourhood& neighbourhood;
  std::span<const Payload> honest;  // what the rule would send, one per out-neighbour
  std::span<const Payload> heard;   // the in-neighbours' payloads of this kind last round
  uint64_t seed = 0;                // this message's randomness
};

class Attack {
 public:
  virtual ~Attack() = default;
  // What is sent instead: one payload per out-neighbour that is sent anything (an
  // out-neighbour left out gets nothing this round). Valid until the next call.
  virtual std::span<const Payload> rewrite(const AttackContext& context) = 0;
  // A data attack's options laid over the run's task options for this peer (label flip's
  // {"label_flip": true}); null for the others.
  virtual nlohmann::json task_options() const { return nullptr; }
  // Whether the peer leaves the run (crashes) before this round.
  virtual bool leaves(int64_t round) const { (void)round; return false; }
  // Whether it lies with float vectors, and so needs a rule whose payloads are such vectors
  // (Algorithm::plain_payloads).
  virtual bool needs_plain_payloads() const { return false; }
};

// The runtime's side of an attack: when it starts, and what the peer heard last round.
class Attacker {
 public:
  Attacker(std::unique_ptr<Attack> attack, int64_t from_round, std::string name, int self, uint64_t seed)
      : attack_(std::move(attack)), from_round_(from_round), name_(std::move(name)), self_(self), seed_(seed) {}

  const std::string& name() const { return name_; }
  bool active(int64_t round) const { return round >= from_round_; }
  bool leaves(int64_t round) const { return active(round) && attack_->leaves(round); }
  const Attack& attack() const { return *attack_; }
  // The payloads to send in `round` on `kind`: `honest` before the attack starts.
  std::span<const Payload> outgoing(int64_t round, MessageKind kind, const Neighbourhood& neighbourhood,
                                    std::span<const Payload> honest);
  // Keeps copies of what arrived on `kind`, for the next round's attack.
  void hear(MessageKind kind, std::span<const Payload> arrived);

 private:
  std::unique_ptr<Attack> attack_;
  int64_t from_round_;
  std::string name_;
  int self_;
  uint64_t seed_;
  struct Heard {
    MessageKind kind;
    std::vector<std::vector<uint8_t>> bytes;  // copies, by arrival
    std::vector<Payload> payloads;            // views of them
  };
  Heard& heard(MessageKind kind);

  std::vector<Heard> heard_;
};

}  // namespace gossip
