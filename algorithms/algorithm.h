// The Algorithm seam: the update rule of one peer (DSGD, gradient tracking, CHOCO, ...).
// The runtime runs every round the same way and never names a rule:
//
//   begin_round                          e.g. DSGD-ATC's K local steps
//   for each kind in channels():
//     encode(kind)  -> one payload per out-neighbour of W(r), each with its codec
//     the transport's exchange(r, kind)
//     combine(kind) <- what arrived from the in-neighbours, through the Aggregator
//   end_round                            e.g. DSGD-CTA's K local steps
//
// A rule's own state (trackers, public copies, error-feedback memory) lives here and goes
// to checkpoints as named sections. Rules come from the registry (registry.h), keyed by
// the `algorithm` setting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "algorithms/message_kind.h"
#include "algorithms/state_section.h"

namespace gossip {

// The peer's own training on its own data, as the runtime provides it.
class LocalTraining {
 public:
  virtual ~LocalTraining() = default;
  // One step of the peer's optimizer on `model`, from the gradient on its next minibatch.
  virtual void step(std::span<float> model) = 0;
  // `count` steps in a row, nothing read or written between them: the same as calling
  // step() `count` times, and a trainer on a GPU keeps the model there in between.
  virtual void steps(std::span<float> model, int count) {
    for (int step_number = 0; step_number < count; ++step_number) step(model);
  }
  // The gradient at `at` on the next minibatch, weight decay included: the gradient of the
  // peer's whole local objective, for rules that move by their own rule (gradient tracking).
  virtual void gradient(std::span<const float> at, std::span<float> out) = 0;
  // One step of the optimizer along `direction` (its momentum, heavy-ball or Nesterov, at
  // the round's learning rate), adding no weight decay: the direction holds it.
  virtual void momentum_step(std::span<float> model, std::span<const float> direction) = 0;
};

struct WeightedPeer {
  int peer = 0;
  double weight = 0;
};

// Peer i's part of W(r): its row (what it mixes in) and its column (who mixes it in).
struct Neighbourhood {
  int self = 0;
  double self_weight = 0;         // w_ii
  std::vector<WeightedPeer> in;   // j with w_ij > 0, j != i: it receives from them
  std::vector<WeightedPeer> out;  // j with w_ji > 0, j != i, with w_ji: it sends to them
};

struct RoundContext {
  int64_t round = 0;
  double learning_rate = 0;
  const Neighbourhood& neighbourhood;  // of W(round)
  std::span<float> model;              // x_i, updated in place
  LocalTraining& local;
};

// Bytes to or from one neighbour on one channel: to it from encode(), from it in combine().
struct Payload {
  int peer = 0;
  uint8_t codec = 0;
  std::span<const uint8_t> bytes;
};

// A payload that came after the combine of its round had passed it by.
struct LatePayload {
  int64_t round = 0;  // the round it was sent for
  Payload payload;
};

struct CombineReport {
  std::vector<int> missing;   // in-neighbours left out of this combine (rejected ones included)
  std::vector<int> rejected;  // sent bytes that were not a valid message of this channel
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;

  // The message kinds it exchanges every round, in order.
  virtual std::span<const MessageKind> channels() const = 0;
  // The largest payload it ever sends: the transport refuses anything bigger.
  virtual std::size_t max_payload_bytes() const = 0;

  // A fresh run starts: `initial_model` is every peer's first model, the same on all of
  // them (the task draws it from the run seed), so a rule may build on it what its
  // neighbours would otherwise have to be sent. Not called on a resumed run.
  virtual void start(std::span<const float> initial_model) { (void)initial_model; }

  virtual void begin_round(RoundContext& round) { (void)round; }
  // The payloads for the out-neighbours on `channel`; they stay valid until the next
  // encode().
  virtual std::span<const Payload> encode(MessageKind channel, RoundContext& round) = 0;
  // `arrived` holds the in-neighbours' payloads that came, in in-neighbour order; the
  // others missed the round. The bytes are a neighbour's: check them, never trust them.
  virtual CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) = 0;
  virtual void end_round(RoundContext& round) { (void)round; }

  // Payloads of `channel` that missed the combine of their round (the deadline passed) and
  // came within the late window since, oldest first; called after this round's combine of
  // the channel. A rule whose mix keeps the network's average (late_mix.h) applies each as
  // the correction the on-time mix would have made, so a neighbour missed on one side only
  // does not move the average. Returns the peers whose payloads it applied. The default
  // applies none: robust aggregation keeps no average to restore.
  virtual std::vector<int> combine_late(MessageKind channel, RoundContext& round, std::span<const LatePayload> late) {
    (void)channel, (void)round, (void)late;
    return {};
  }

  // Whether every payload is a float32 vector and nothing else (DSGD's model with the
  // identity codec, gradient tracking's model and tracker): what vector attacks lie with.
  virtual bool plain_payloads() const { return false; }

  // The model to evaluate, sketch and report: `model` itself, except for rules whose state
  // is a biased model (push-sum's x_i, de-biased by its weight). A view of `model` or of the
  // rule's own memory, valid until its next round.
  virtual std::span<const float> evaluated_model(std::span<const float> model) const { return model; }

  // The rule's state beyond the model, as named sections; save_state() gives exactly the
  // names state_names() lists, and restore_state() receives exactly those (the runtime
  // refuses a checkpoint that lacks one or has another). Throws std::invalid_argument
  // naming the section when its size is wrong.
  virtual std::vector<std::string> state_names() const { return {}; }
  virtual std::vector<StateSection> save_state() const { return {}; }
  virtual void restore_state(std::span<const StateSection> sections) { (void)sections; }
};

}  // namespace gossip
