// The attacks that come with gossip, one file each, for the registry (builtins.cc). Each
// reads its options (the `byzantine` entry's fields but peers, attack and from_round) with
// the field named, and documents what it sends.
#pragma once

#include <memory>

#include "algorithms/attack.h"
#include "common/json_reader.h"

namespace gossip {

// sign_flip: sends `scale` (default -1) times the honest vector.
std::unique_ptr<Attack> make_sign_flip(const JsonReader& options);
// gaussian: sends the honest vector plus N(0, sigma^2) noise in every coordinate (sigma
// default 1).
std::unique_ptr<Attack> make_gaussian_noise(const JsonReader& options);
// alie, "a little is enough" (Baruch, Baruch and Goldberg 2019): sends mu - z sigma, the
// coordinate-wise mean and deviation of what the peer heard last round and its own vector,
// shifted by z deviations: small enough to pass as honest to a median or trimmed mean,
// always the same way. z is given, or from n (the peer's closed neighbourhood) and f
// (default 1): z = Phi^-1((n - s) / n), s = floor(n / 2 + 1) - f.
std::unique_ptr<Attack> make_alie(const JsonReader& options);
// ALIE's z for a closed neighbourhood of n vectors with f Byzantine among them.
double alie_z(int n, int f);
// ipm, inner-product manipulation (Xie, Koyejo and Gupta 2020): sends -epsilon times the
// mean of what the peer heard and its own vector (epsilon default 0.1).
std::unique_ptr<Attack> make_ipm(const JsonReader& options);
// dissensus (after ClippedGossip's): to each out-neighbour j, x_j + epsilon (x_j - mu), with
// x_j what j sent last round and mu the mean of everything heard: it pushes each neighbour
// away from the others, a different lie to each (epsilon default 1).
std::unique_ptr<Attack> make_dissensus(const JsonReader& options);
// non_finite: sends NaN, +inf or -inf in every coordinate (`value`: "nan", "inf", "-inf").
std::unique_ptr<Attack> make_non_finite(const JsonReader& options);
// silent: links, listens, and never sends: its neighbours wait out their deadlines.
std::unique_ptr<Attack> make_silent(const JsonReader& options);
// crash: the peer stops at from_round, as a process would that died.
std::unique_ptr<Attack> make_crash(const JsonReader& options);
// label_flip, a data attack: trains on its shard with every label y replaced by C - 1 - y
// (C classes) and sends what that gives, honestly. Only for classifier tasks; from the
// first round.
std::unique_ptr<Attack> make_label_flip(const JsonReader& options);

}  // namespace gossip
