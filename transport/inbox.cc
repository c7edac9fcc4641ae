#include "transport/inbox.h"

#include <algorithm>

#include <stdexcept>
#include <string>

namespace gossip {

Inbox::Inbox(int peer_count, InboxLimits limits, int64_t first_round)
    : limits_(limits),
      current_round_(first_round), pending_(peer_count), free_(peer_count), held_(peer_count, 0), newest_(peer_count, -1),
      announced_(peer_count),
      held_bytes_(peer_count, 0) {}

bool Inbox::admit(uint32_t sender, const wire::MessageHeader& header) {
  Key key{header.round, header.kind, sender};
  if (sender >= held_.size()) return false;
  if (!limits_.kinds.empty() && std::find(limits_.kinds.begin(), limits_.kinds.end(), header.kind) == limits_.kinds.end()) {
    ++unknown_kind_;  // not a kind of this run: it says nothing about the sender's round either
    return false;
  }
  newest_[sender] = std::max(newest_[sender], header.round);
  if (header.round < current_round_ && !awaited(key)) {
    ++late_;
    return false;
  }
  if (ready_.count(key)) {
    ++duplicate_;
    return false;
  }
  if (header.round > current_round_ + limits_.max_early_rounds || held_[sender] >= limits_.max_buffered_per_peer) {
    ++early_dropped_;
    return false;
  }
  return true;
}

bool Inbox::awaited(const Key& key) const {
  return std::get<0>(key) >= current_round_ - limits_.late_rounds && awaited_.count(key) > 0;
}

Inbox::Buffer Inbox::take_free_buffer(uint32_t sender) {
  auto& list = free_[sender];
  if (list.empty()) return std::make_unique<std::vector<uint8_t>>();
  Buffer buffer = std::move(list.back());
  list.pop_back();
  return buffer;
}

// A returned buffer is pooled for the sender's next message, unless the pool is full or
// keeping it would hold more than the sender's byte bound: then its memory goes back.
void Inbox::release(uint32_t sender, Buffer buffer) {
  if (!buffer) return;
  const bool over = limits_.max_bytes_per_peer > 0 && held_bytes_[sender] > limits_.max_bytes_per_peer;
  if (!over && free_[sender].size() < static_cast<size_t>(limits_.max_buffered_per_peer)) {
    free_[sender].push_back(std::move(buffer));
  } else {
    held_bytes_[sender] -= bytes_of(buffer);
  }
}

bool Inbox::within_bytes(uint32_t sender, std::size_t bytes) const {
  return limits_.max_bytes_per_peer == 0 || held_bytes_[sender] + bytes <= limits_.max_bytes_per_peer;
}

std::span<uint8_t> Inbox::acquire(uint32_t sender, const wire::MessageHeader& header) {
  std::lock_guard lock(mutex_);
  if (!admit(sender, header)) return {};
  if (pending_[sender]) {  // a link died without abort(): reclaim
    release(sender, std::move(pending_[sender]->buffer));
    --held_[sender];
  }
  Buffer buffer = take_free_buffer(sender);
  const std::size_t before = bytes_of(buffer);
  const std::size_t growth = header.payload_bytes > before ? header.payload_bytes - before : 0;
  // Over the sender's byte bound: free its idle pooled buffers first, then refuse.
  while (!within_bytes(sender, growth) && !free_[sender].empty()) {
    held_bytes_[sender] -= bytes_of(free_[sender].back());
    free_[sender].pop_back();
  }
  if (!within_bytes(sender, growth)) {
    ++early_dropped_;
    release(sender, std::move(buffer));
    return {};
  }
  buffer->resize(header.payload_bytes);
  held_bytes_[sender] += bytes_of(buffer) - before;
  std::span<uint8_t> destination(*buffer);
  pending_[sender] = Message{{header.round, header.kind, sender}, std::move(buffer), header.codec};
  ++held_[sender];
  return destination;
}

void Inbox::commit(uint32_t sender, const wire::MessageHeader& header) {
  std::lock_guard lock(mutex_);
  if (sender >= pending_.size()) return;
  Key key{header.round, header.kind, sender};
  if (pending_[sender] && pending_[sender]->key == key) {
    pending_[sender]->arrived = Clock::now();
    ready_.emplace(key, std::move(*pending_[sender]));
    pending_[sender].reset();
  } else if (header.payload_bytes == 0 && admit(sender, header)) {
    Buffer buffer = take_free_buffer(sender);
    buffer->clear();
    ready_.emplace(key, Message{key, std::move(buffer), header.codec, Clock::now()});
    ++held_[sender];
  } else {
    return;
  }
  changed_.notify_all();
}

void Inbox::abort(uint32_t sender) {
  std::lock_guard lock(mutex_);
  if (sender < pending_.size() && pending_[sender]) {
    release(sender, std::move(pending_[sender]->buffer));
    pending_[sender].reset();
    --held_[sender];
  }
}

void Inbox::forget(uint32_t sender) {
  std::lock_guard lock(mutex_);
  if (sender < newest_.size()) {
    newest_[sender] = -1;
    announced_[sender].clear();
  }
}

void Inbox::announce(uint32_t sender, uint8_t kind, int64_t round) {
  {
    std::lock_guard lock(mutex_);
    if (sender >= announced_.size()) return;
    int64_t& known = announced_[sender][kind];
    known = std::max(known, round);
  }
  changed_.notify_all();
}

int64_t Inbox::newest_round(uint32_t sender) const {
  std::lock_guard lock(mutex_);
  return sender < newest_.size() ? newest_[sender] : -1;
}

void Inbox::notify() {
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

void Inbox::start_exchange(int64_t round, uint8_t kind) {
  std::lock_guard lock(mutex_);
  std::erase_if(lent_, [&](Message& message) {
    if (std::get<1>(message.key) != kind) return false;
    release(std::get<2>(message.key), std::move(message.buffer));
    return true;
  });
  current_round_ = std::max(current_round_, round);
  std::erase_if(awaited_, [&](const Key& key) { return std::get<0>(key) < current_round_ - limits_.late_rounds; });
  for (auto it = ready_.begin(); it != ready_.end() && std::get<0>(it->first) < current_round_;) {
    if (awaited(it->first)) {  // late, but still wanted: take_late() hands it on
      ++it;
      continue;
    }
    uint32_t sender = std::get<2>(it->first);
    release(sender, std::move(it->second.buffer));
    --held_[sender];
    ++late_;
    it = ready_.erase(it);
  }
}

bool Inbox::wait(int64_t round, uint8_t kind, std::span<const int> from, Clock::time_point deadline,
                 const std::function<bool()>& also, const std::function<bool(int)>& excused) {
  std::unique_lock lock(mutex_);
  auto complete = [&] {
    for (int peer : from) {
      if (ready_.count(Key{round, kind, static_cast<uint32_t>(peer)})) continue;
      // Links are FIFO and peers send rounds in order: a later round from this sender on
      // its current link means its message for this one is not coming.
      if (newest_[static_cast<size_t>(peer)] > round) continue;
      // Its message went out on a link that died before it arrived: not coming either.
      const auto& announced = announced_[static_cast<size_t>(peer)];
      if (auto it = announced.find(kind); it != announced.end() && it->second >= round) continue;
      if (!excused || !excused(peer)) return false;
    }
    return !also || also();
  };
  return changed_.wait_until(lock, deadline, complete);
}

Incoming Inbox::lend(std::map<Key, Message>::iterator it) {
  const uint32_t sender = std::get<2>(it->first);
  Message message = std::move(it->second);
  ready_.erase(it);
  --held_[sender];
  Incoming incoming{static_cast<int>(sender), message.codec, std::span<const uint8_t>(*message.buffer), message.arrived};
  lent_.push_back(std::move(message));
  return incoming;
}

std::optional<Incoming> Inbox::take(int64_t round, uint8_t kind, uint32_t sender) {
  std::lock_guard lock(mutex_);
  auto it = ready_.find(Key{round, kind, sender});
  if (it == ready_.end()) return std::nullopt;
  return lend(it);
}

void Inbox::await_late(int64_t round, uint8_t kind, uint32_t sender) {
  std::lock_guard lock(mutex_);
  if (limits_.late_rounds > 0 && sender < held_.size()) awaited_.insert(Key{round, kind, sender});
}

std::vector<LateIncoming> Inbox::take_late(uint8_t kind) {
  std::lock_guard lock(mutex_);
  std::vector<LateIncoming> late;
  for (auto it = ready_.begin(); it != ready_.end() && std::get<0>(it->first) < current_round_;) {
    const auto next = std::next(it);
    const auto [round, message_kind, sender] = it->first;  // a copy: lend() erases the entry
    if (message_kind == kind && awaited_.erase(it->first)) late.push_back({round, lend(it)});
    it = next;
  }
  return late;
}

void Inbox::add_counts(TransportStats& stats) const {
  std::lock_guard lock(mutex_);
  stats.messages_late += late_;
  stats.messages_early_dropped += early_dropped_;
  stats.messages_duplicate += duplicate_;
  stats.messages_unknown_kind += unknown_kind_;
  for (std::size_t bytes : held_bytes_) stats.inbox_bytes += bytes;
}

ExchangeResult collect_exchange(Inbox& inbox, const ExchangeRequest& request) {
  ExchangeResult result;
  result.late = inbox.take_late(request.kind);
  for (int peer : request.receive_from) {
    if (auto incoming = inbox.take(request.round, request.kind, static_cast<uint32_t>(peer))) {
      result.received.push_back(*incoming);
    } else {
      result.missing.push_back(peer);
      inbox.await_late(request.round, request.kind, static_cast<uint32_t>(peer));
      const int64_t newest = inbox.newest_round(static_cast<uint32_t>(peer));
      if (newest > request.round) result.ahead.push_back({peer, newest});
      if (newest >= 0 && newest < request.round) result.behind.push_back({peer, newest});
    }
  }
  return result;
}

bool excused_by_request(const ExchangeRequest& request, int peer) {
  return std::find(request.dont_wait_for.begin(), request.dont_wait_for.end(), peer) != request.dont_wait_for.end();
}

void check_exchange_request(const ExchangeRequest& request, int peer_count, std::size_t max_message_bytes) {
  for (const auto& send : request.sends) {
    if (send.peer < 0 || send.peer >= peer_count) {
      throw std::invalid_argument("exchange: send to peer " + std::to_string(send.peer) + ", outside 0.." +
                                  std::to_string(peer_count - 1));
    }
    if (send.payload.size() > max_message_bytes) {
      throw std::invalid_argument("exchange: a payload of " + std::to_string(send.payload.size()) +
                                  " bytes exceeds the run's message limit of " + std::to_string(max_message_bytes));
    }
  }
  for (int peer : request.receive_from) {
    if (peer < 0 || peer >= peer_count) {
      throw std::invalid_argument("exchange: receive from peer " + std::to_string(peer) + ", outside 0.." +
                                  std::to_string(peer_count - 1));
    }
  }
}

}  // namespace gossip
