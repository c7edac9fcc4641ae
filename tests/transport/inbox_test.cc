#include <doctest/doctest.h>

#include "transport/inbox.h"

using namespace gossip;

namespace {

wire::MessageHeader header(int64_t round, uint64_t bytes, uint8_t kind = 1) {
  return {wire::Control::kData, kind, 0, 0, round, bytes};
}

void deliver(Inbox& inbox, uint32_t sender, int64_t round, uint8_t fill, uint64_t bytes = 4) {
  auto h = header(round, bytes);
  // As the frame decoder does: only payloads need a buffer.
  auto span = bytes ? inbox.acquire(sender, h) : std::span<uint8_t>();
  if (!span.empty()) std::fill(span.begin(), span.end(), fill);
  inbox.commit(sender, h);
}

}  // namespace

TEST_CASE("messages wait for their round and late ones are dropped and counted") {
  Inbox inbox(3, {});
  inbox.start_exchange(5, 1);
  deliver(inbox, 1, 4, 0xaa);  // late
  deliver(inbox, 1, 5, 0x05);
  deliver(inbox, 2, 6, 0x06);  // early: kept for round 6
  int from[] = {1, 2};
  // Peer 2 has sent round 6, so its round 5 is not coming (links are FIFO): not waited for.
  CHECK(inbox.wait(5, 1, from, Clock::now(), nullptr));
  auto got = inbox.take(5, 1, 1);
  REQUIRE(got);
  CHECK(got->payload.size() == 4);
  CHECK(got->payload[0] == 0x05);
  CHECK_FALSE(inbox.take(5, 1, 2));
  inbox.start_exchange(6, 1);
  auto early = inbox.take(6, 1, 2);
  REQUIRE(early);
  CHECK(early->payload[3] == 0x06);
  TransportStats stats;
  inbox.add_counts(stats);
  CHECK(stats.messages_late == 1);
}

TEST_CASE("early messages are bounded, duplicates dropped, empty payloads delivered") {
  Inbox inbox(2, {.max_early_rounds = 2, .max_buffered_per_peer = 3});
  inbox.start_exchange(0, 1);
  deliver(inbox, 1, 3, 1);  // beyond 2 rounds ahead
  deliver(inbox, 1, 0, 1);
  deliver(inbox, 1, 0, 2);  // duplicate of (0, kind 1, sender 1)
  deliver(inbox, 1, 1, 1);
  deliver(inbox, 1, 2, 1);
  deliver(inbox, 1, 2, 1, 0);  // duplicate too
  TransportStats stats;
  inbox.add_counts(stats);
  CHECK(stats.messages_early_dropped == 1);
  CHECK(stats.messages_duplicate == 2);
  CHECK(inbox.take(0, 1, 1)->payload[0] == 1);
  inbox.start_exchange(1, 1);
  auto empty = header(1, 0, 9);
  inbox.commit(1, empty);
  auto got = inbox.take(1, 9, 1);
  REQUIRE(got);
  CHECK(got->payload.empty());
}

TEST_CASE("payload buffers are reused from round to round") {
  Inbox inbox(2, {});
  const uint8_t* first = nullptr;
  for (int round = 0; round < 20; ++round) {
    inbox.start_exchange(round, 1);
    deliver(inbox, 1, round, static_cast<uint8_t>(round), 1 << 16);
    auto got = inbox.take(round, 1, 1);
    REQUIRE(got);
    CHECK(got->payload[100] == round);
    if (round == 0) first = got->payload.data();
    CHECK(got->payload.data() == first);  // the same allocation every round
  }
}

TEST_CASE("an aborted message is not delivered") {
  Inbox inbox(2, {});
  inbox.start_exchange(0, 1);
  auto h = header(0, 8);
  CHECK(inbox.acquire(1, h).size() == 8);
  inbox.abort(1);
  inbox.commit(1, h);
  CHECK_FALSE(inbox.take(0, 1, 1));
}

TEST_CASE("results of one kind stay valid while another kind is exchanged") {
  Inbox inbox(2, {});
  inbox.start_exchange(0, 1);
  deliver(inbox, 1, 0, 0x11);
  auto model = inbox.take(0, 1, 1);
  REQUIRE(model);
  inbox.start_exchange(0, 2);  // e.g. the tracker of gradient tracking, same round
  auto h = header(0, 4, 2);
  auto span = inbox.acquire(1, h);
  std::fill(span.begin(), span.end(), 0x22);
  inbox.commit(1, h);
  REQUIRE(inbox.take(0, 2, 1));
  CHECK(model->payload[0] == 0x11);  // not recycled for the kind-2 message
  CHECK(model->payload.data() != span.data());
}

TEST_CASE("requests no transport can carry out are refused") {
  std::vector<uint8_t> payload(100);
  Outgoing bad_peer[] = {{5, payload, 0}};
  CHECK_THROWS_WITH_AS(check_exchange_request({0, 1, bad_peer, {}, Clock::now()}, 3, 1000),
                       "exchange: send to peer 5, outside 0..2", std::invalid_argument);
  Outgoing too_big[] = {{1, payload, 0}};
  CHECK_THROWS_WITH_AS(check_exchange_request({0, 1, too_big, {}, Clock::now()}, 3, 10),
                       "exchange: a payload of 100 bytes exceeds the run's message limit of 10", std::invalid_argument);
  int from[] = {-1};
  CHECK_THROWS_AS(check_exchange_request({0, 1, {}, from, Clock::now()}, 3, 10), std::invalid_argument);
}

TEST_CASE("a sender that sent a later round is not waited for and is reported ahead") {
  Inbox inbox(3, {});
  inbox.start_exchange(5, 1);
  deliver(inbox, 2, 40, 0x01);  // far ahead: dropped, but it shows peer 2 has moved on
  int from[] = {1, 2};
  CHECK_FALSE(inbox.wait(5, 1, from, Clock::now(), nullptr));  // peer 1 is awaited
  deliver(inbox, 1, 5, 0x05);
  const auto start = Clock::now();
  CHECK(inbox.wait(5, 1, from, start + std::chrono::seconds(5), nullptr));  // peer 2 is not
  CHECK(Clock::now() - start < std::chrono::seconds(4));
  CHECK(inbox.newest_round(2) == 40);
  ExchangeRequest request{5, 1, {}, from, Clock::now()};
  ExchangeResult result = collect_exchange(inbox, request);
  CHECK(result.missing == std::vector<int>{2});
  REQUIRE(result.ahead.size() == 1);
  CHECK(result.ahead[0] == std::pair<int, int64_t>{2, 40});
  inbox.forget(2);  // a new link: its old rounds say nothing any more
  CHECK(inbox.newest_round(2) == -1);
}

TEST_CASE("an inbox that starts at a resumed round keeps that round's early arrivals") {
  Inbox fresh(2, {}), resumed(2, {}, 1200);
  deliver(fresh, 1, 1200, 7);
  deliver(resumed, 1, 1200, 7);
  fresh.start_exchange(1200, 1);
  resumed.start_exchange(1200, 1);
  CHECK_FALSE(fresh.take(1200, 1, 1));  // it looked 1200 rounds early and was dropped
  REQUIRE(resumed.take(1200, 1, 1));
}

TEST_CASE("excused senders end the wait") {
  Inbox inbox(3, {});
  inbox.start_exchange(0, 1);
  int from[] = {1, 2};
  deliver(inbox, 1, 0, 1);
  CHECK(inbox.wait(0, 1, from, Clock::now() + std::chrono::seconds(5), nullptr, [](int peer) { return peer == 2; }));
  CHECK_FALSE(inbox.wait(0, 1, from, Clock::now(), nullptr, [](int) { return false; }));
}

TEST_CASE("a message its exchange missed is handed to a later exchange while within the late window") {
  Inbox inbox(3, {.late_rounds = 2});
  const int from[] = {1, 2};
  inbox.start_exchange(0, 1);
  deliver(inbox, 2, 0, 0x20);
  ExchangeResult first = collect_exchange(inbox, {0, 1, {}, from, Clock::now()});
  CHECK(first.missing == std::vector<int>{1});
  CHECK(first.late.empty());

  deliver(inbox, 1, 0, 0x10);  // round 0 from peer 1 comes during round 1
  deliver(inbox, 2, 0, 0x21);  // peer 2's round 0 was not missed: a late duplicate, dropped
  inbox.start_exchange(1, 1);
  deliver(inbox, 1, 1, 0x11);
  deliver(inbox, 2, 1, 0x22);
  ExchangeResult second = collect_exchange(inbox, {1, 1, {}, from, Clock::now()});
  CHECK(second.missing.empty());
  REQUIRE(second.late.size() == 1);
  CHECK(second.late[0].round == 0);
  CHECK(second.late[0].message.peer == 1);
  CHECK(second.late[0].message.payload[0] == 0x10);
  CHECK(second.late[0].message.arrived <= Clock::now());

  // Missed in round 2, it comes three rounds on: past the window of two, so dropped.
  inbox.start_exchange(2, 1);
  ExchangeResult third = collect_exchange(inbox, {2, 1, {}, from, Clock::now()});
  CHECK(third.missing == std::vector<int>{1, 2});
  inbox.start_exchange(5, 1);
  deliver(inbox, 1, 2, 0x12);
  ExchangeResult sixth = collect_exchange(inbox, {5, 1, {}, {}, Clock::now()});
  CHECK(sixth.late.empty());
  TransportStats stats;
  inbox.add_counts(stats);
  CHECK(stats.messages_late == 2);
}

TEST_CASE("without a late window a missed message that comes later is dropped as late") {
  Inbox inbox(2, {});
  const int from[] = {1};
  inbox.start_exchange(0, 1);
  CHECK(collect_exchange(inbox, {0, 1, {}, from, Clock::now()}).missing == std::vector<int>{1});
  inbox.start_exchange(1, 1);
  deliver(inbox, 1, 0, 0x10);
  CHECK(collect_exchange(inbox, {1, 1, {}, {}, Clock::now()}).late.empty());
}
