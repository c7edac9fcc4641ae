// How long a round waits for its in-neighbours. A fixed round_timeout_seconds makes a
// neighbour that is linked but not sending (stopped, swapping, behind a silent partition)
// cost the whole timeout every round. The adaptive deadline follows when each neighbour's
// messages come, the way TCP's retransmission timer follows round trips (RFC 6298): from each
// sample s (how long after the round's first exchange began its last message came) a
// smoothed arrival a_j <- 7/8 a_j + 1/8 s and a mean deviation d_j <- 3/4 d_j + 1/4 |s - a_j|.
// A round waits twice a_j + 4 d_j of its median in-neighbour (a neighbour not yet heard from
// counts as the cap), at least the floor and at most round_timeout_seconds. The median, not
// the slowest, sets it, so one slow or silent neighbour cannot stretch every round; its
// message is mixed when it comes (algorithms/rules/late_mix.h), so cutting it costs the
// network's average nothing. A neighbour that misses adds no sample: a silent one does not
// teach the deadline to wait for it. And until something of it comes again (on time or
// late), a neighbour that missed a round with its link up is not waited for at all: its
// message is taken if it is there when the others' are, so a stalled neighbour costs one
// deadline, not one a round. A missed neighbour whose newest round moves on, though it is
// still behind this peer (the other half of a healed partition, too far behind for its
// messages to be mixed), is alive and catching up: it is waited for again, so that it
// closes the gap by a deadline a round; not waiting for it would keep the two halves
// rounds apart, each missing the other, for the rest of the run. Not waiting for stalled
// neighbours stops where all of a peer's in-neighbours are stalled: then the peer is the
// fast one (say, the first to finish an evaluation that pauses every peer), and it waits
// for them up to round_timeout_seconds instead of training alone. Its own model, trained
// apart for a hundred rounds, would average badly with theirs once they met again: 8 torch
// peers pausing 28 s to evaluate ended at 0.26 test accuracy that way, against 0.87.
#pragma once

#include <map>
#include <set>
#include <span>
#include <vector>

#include "algorithms/algorithm.h"
#include "runtime/algorithm_round.h"

namespace gossip {

class RoundDeadline {
 public:
  // `adaptive` false: every round waits `cap`.
  RoundDeadline(bool adaptive, Clock::duration floor, Clock::duration cap);

  Clock::duration timeout(const Neighbourhood& neighbourhood) const;
  // The in-neighbours not to wait for this round: those that missed and were not heard since,
  // unless that is all of them.
  std::vector<int> dont_wait_for(const Neighbourhood& neighbourhood) const;
  // `linked`: the peers with a live link after the round. A neighbour missed without one is
  // not stalled: the transport skips it while it is down, and waits for it once it is back.
  void observe(const RoundReport& report, std::span<const int> linked);

 private:
  bool all_stalled(const Neighbourhood& neighbourhood) const;

  struct Estimate {
    double arrival = 0, deviation = 0;  // seconds
  };
  bool adaptive_;
  double floor_, cap_;  // seconds
  std::map<int, Estimate> estimates_;
  std::set<int> stalled_;
  std::map<int, int64_t> behind_;  // the newest round of a missed neighbour that is behind
};

}  // namespace gossip
