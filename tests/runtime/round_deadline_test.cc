// The adaptive round deadline (runtime/round_deadline.h) from its observed arrivals.
#include <doctest/doctest.h>

#include "runtime/round_deadline.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

const std::vector<int> kLinked{1, 2};
const Neighbourhood kTwoIn{0, 1.0 / 3, {{1, 1.0 / 3}, {2, 1.0 / 3}}, {{1, 1.0 / 3}, {2, 1.0 / 3}}};

RoundReport arrivals(Clock::duration one, Clock::duration two) {
  RoundReport report;
  report.arrivals = {{1, one}, {2, two}};
  return report;
}

double milliseconds(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

TEST_CASE("a fixed deadline is always the timeout and waits for everyone") {
  RoundDeadline deadline(false, 0ms, 30s);
  deadline.observe(arrivals(5ms, 5ms), kLinked);
  CHECK(deadline.timeout(kTwoIn) == 30s);
  RoundReport missed;
  missed.missing = {1};
  deadline.observe(missed, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
}

TEST_CASE("the adaptive deadline starts at the cap and settles at twice arrival plus four deviations") {
  RoundDeadline deadline(true, 0ms, 30s);
  CHECK(deadline.timeout(kTwoIn) == 30s);  // nobody heard yet
  for (int round = 0; round < 40; ++round) deadline.observe(arrivals(10ms, 10ms), kLinked);
  // a = 10 ms, and the deviation decays towards 0: 2 (a + 4 d) a little over 20 ms.
  CHECK(milliseconds(deadline.timeout(kTwoIn)) == doctest::Approx(20.0).epsilon(0.01));
  RoundDeadline floored(true, 1s, 30s);
  for (int round = 0; round < 40; ++round) floored.observe(arrivals(10ms, 10ms), kLinked);
  CHECK(floored.timeout(kTwoIn) == 1s);
}

TEST_CASE("one slow neighbour does not set the deadline: the median one does") {
  RoundDeadline deadline(true, 0ms, 30s);
  for (int round = 0; round < 40; ++round) deadline.observe(arrivals(10ms, 2s), kLinked);
  CHECK(milliseconds(deadline.timeout(kTwoIn)) < 25.0);
}

TEST_CASE("a neighbour that missed is not waited for until something of it comes again") {
  RoundDeadline deadline(true, 0ms, 30s);
  RoundReport missed;
  missed.missing = {2};
  missed.arrivals = {{1, 10ms}};
  deadline.observe(missed, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn) == std::vector<int>{2});
  RoundReport late;
  late.missing = {2};
  late.late = {2};  // its earlier message came after all: it is alive
  deadline.observe(late, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
  deadline.observe(missed, kLinked);
  deadline.observe(arrivals(10ms, 12ms), kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
}

TEST_CASE("a missed neighbour that is behind but moving on is waited for again, one that stays put is not") {
  RoundDeadline deadline(true, 0ms, 30s);
  RoundReport missed;
  missed.missing = {2};
  missed.arrivals = {{1, 10ms}};
  missed.behind = {{2, 480}};  // this peer is at round 500: 2's link carried round 480 last
  deadline.observe(missed, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn) == std::vector<int>{2});
  deadline.observe(missed, kLinked);  // still at 480: stopped, not catching up
  CHECK(deadline.dont_wait_for(kTwoIn) == std::vector<int>{2});
  missed.behind = {{2, 483}};  // it moved on: wait for it, so it closes the gap
  deadline.observe(missed, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
}

TEST_CASE("a neighbour missed while its link was down is waited for again once it is back") {
  RoundDeadline deadline(true, 0ms, 30s);
  RoundReport missed;
  missed.missing = {2};
  missed.arrivals = {{1, 10ms}};
  deadline.observe(missed, std::vector<int>{1});  // 2 has no link: the transport skipped it
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
}

TEST_CASE("a peer whose every in-neighbour stalled waits for them up to the cap, not running ahead alone") {
  RoundDeadline deadline(true, 0ms, 30s);
  for (int round = 0; round < 40; ++round) deadline.observe(arrivals(10ms, 10ms), kLinked);
  RoundReport one;
  one.missing = {2};
  one.arrivals = {{1, 10ms}};
  deadline.observe(one, kLinked);
  CHECK(deadline.dont_wait_for(kTwoIn) == std::vector<int>{2});  // 1 still sets the pace
  CHECK(milliseconds(deadline.timeout(kTwoIn)) < 25.0);
  RoundReport both;
  both.missing = {1, 2};
  deadline.observe(both, kLinked);  // both linked and silent: this peer is the fast one
  CHECK(deadline.dont_wait_for(kTwoIn).empty());
  CHECK(deadline.timeout(kTwoIn) == 30s);
  deadline.observe(arrivals(10ms, 12ms), kLinked);  // they are back: the learned pace again
  CHECK(milliseconds(deadline.timeout(kTwoIn)) < 30.0);
}
