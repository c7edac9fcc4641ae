// Splitting a training set's sample indices across peers. Every peer computes the same
// full split from the run's seed and keeps its own part, so nothing is exchanged and the
// split must be a pure function of (inputs, seed).
//
// The standard distributions (uniform_int_distribution, gamma_distribution, std::shuffle)
// are implementation-defined: libstdc++ and libc++ draw different numbers from the same
// engine, and peers built with different toolchains would disagree on the split. Only the
// engine's raw output is specified by the standard, so every draw here is written out on
// top of std::mt19937_64. (The Dirichlet draws also call std::log / std::exp / std::sqrt,
// which libms may round differently in the last bit; that can move a cut by one sample
// only in a near tie, and never with one libm.)
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace gossip {

// Uniform in [0, bound), unbiased (rejection of the engine's top remainder); bound >= 1.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);
// Fisher-Yates with uniform_below: the same permutation on every platform.
void shuffle_portably(std::span<int> values, std::mt19937_64& rng);

// IID split of 0..samples-1: shuffled, then dealt in contiguous runs, so part sizes differ
// by at most one (the first samples % peers parts get the extra sample). Each part is
// sorted ascending. Throws ConfigError unless peers >= 1 and samples >= peers.
std::vector<std::vector<int>> partition_iid(int samples, int peers, uint64_t seed);

// Label-skewed split (Hsu, Qi and Brown 2019; the NIID-Bench / FedML procedure): for each
// class, draw the peers' shares from Dirichlet(alpha, ..., alpha) and cut that class's
// shuffled indices at the cumulative shares. As in NIID-Bench, a peer that already holds
// its fair share (samples / peers) gets no more, which keeps part sizes within reason
// while the label mix stays skewed. Small alpha (0.1) gives each peer a few classes;
// large alpha (100) approaches IID. Whole splits are redrawn, from the same engine, until
// every peer holds at least min_per_peer samples, up to a bounded number of attempts.
// Every sample lands in exactly one part; each part is sorted ascending.
// Throws ConfigError for peers < 1, alpha <= 0, fewer samples than peers, a label outside
// 0..classes-1, an impossible min_per_peer, or when the attempts run out.
std::vector<std::vector<int>> partition_dirichlet(std::span<const uint8_t> labels, int classes, int peers,
                                                  double alpha, uint64_t seed, int min_per_peer);

// Pathological label split (McMahan et al. 2017's "sorted" shards): the samples sorted by
// label (ties in index order), cut into `peers` contiguous runs of sizes within one. With
// as many peers as classes each holds one class; peers next to each other hold
// neighbouring classes. Throws ConfigError like partition_iid.
std::vector<std::vector<int>> partition_sorted(std::span<const uint8_t> labels, int peers);

// How many of `indices` carry each label, for logs. Throws ConfigError for an index
// outside labels or a label outside 0..classes-1.
std::vector<int> label_histogram(const std::vector<int>& indices, std::span<const uint8_t> labels, int classes);

}  // namespace gossip
