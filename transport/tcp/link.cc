#include "transport/tcp/link.h"

#include <asio/experimental/as_tuple.hpp>

namespace gossip::tcp {
namespace {

constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

std::string address_of(const asio::ip::tcp::socket& socket) {
  std::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  return error ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

Link::Link(asio::ip::tcp::socket socket, const SessionKeys& keys, const LinkSettings& settings, Inbox& inbox,
           LinkCounters& counters, Closed on_closed)
    : socket_(std::move(socket)),
      peer_(keys.peer),
      remote_(address_of(socket_)),
      settings_(settings),
      inbox_(inbox),
      counters_(counters),
      on_closed_(std::move(on_closed)),
      send_cipher_(keys.mode == LinkMode::kEncrypted ? std::optional<RecordCipher>(std::in_place, keys.suite, keys.send)
                                                     : std::nullopt),
      receive_cipher_(keys.mode == LinkMode::kEncrypted
                          ? std::optional<RecordCipher>(std::in_place, keys.suite, keys.receive)
                          : std::nullopt),
      encoder_(send_cipher_ ? &*send_cipher_ : nullptr, settings.chunk_bytes, settings.batch_bytes),
      decoder_(receive_cipher_ ? &*receive_cipher_ : nullptr, keys.peer, settings.max_message_bytes,
               settings.chunk_bytes,
               [this](const wire::MessageHeader& header) { return inbox_.acquire(peer_, header); }),
      wake_writer_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()) {
  wake_writer_.expires_at(std::chrono::steady_clock::time_point::max());
  last_received_ = last_sent_ = std::chrono::steady_clock::now();
  std::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

void Link::start() {
  auto self = shared_from_this();
  auto executor = socket_.get_executor();
  // Nothing a peer sends may take the process down: an exception ends this link only.
  auto on_exception = [self](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      self->close(std::string("internal error: ") + exception.what());
    }
  };
  asio::co_spawn(executor, [self] { return self->read_loop(); }, on_exception);
  asio::co_spawn(executor, [self] { return self->write_loop(); }, on_exception);
  asio::co_spawn(executor, [self] { return self->watchdog(); }, on_exception);
}

uint64_t Link::send(const wire::MessageHeader& header, std::span<const uint8_t> payload, Done done) {
  uint64_t ticket = next_ticket_++;
  if (closed_) {
    done(false);
    return ticket;
  }
  queue_.push_back({header, payload, std::move(done), ticket});
  wake_writer_.cancel();
  return ticket;
}

bool Link::withdraw(uint64_t ticket) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->ticket != ticket) continue;
    if (it == queue_.begin() && writing_front_) return false;
    Done done = std::move(it->done);
    queue_.erase(it);
    if (done) done(false);
    return true;
  }
  return true;  // already finished or failed
}

void Link::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_writer_.cancel();
  watchdog_timer_.cancel();
  inbox_.abort(peer_);
  // The socket is closed, so nothing reads the queued payloads any more: release them.
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& message : queued) {
    if (message.done) message.done(false);
  }
  on_closed_(*this, reason);
}

asio::awaitable<void> Link::read_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    std::span<uint8_t> target = decoder_.next_read();
    auto [error, bytes] = co_await asio::async_read(socket_, asio::buffer(target.data(), target.size()), use_nothrow);
    if (closed_) co_return;
    if (error) {
      close(error == asio::error::eof ? "peer closed the connection" : "read failed: " + error.message());
      co_return;
    }
    counters_.bytes_received += bytes;
    last_received_ = std::chrono::steady_clock::now();
    FrameDecoder::Status status = decoder_.consume();
    if (status == FrameDecoder::Status::kError) {
      close(decoder_.error());
      co_return;
    }
    // The other end must rekey too; a message in flight may finish past its limit, no more.
    if (receive_cipher_ && receive_cipher_->records() > 2 * settings_.max_records_per_key + 16) {
      close("the peer kept one key past " + std::to_string(settings_.max_records_per_key) + " records");
      co_return;
    }
    if (status == FrameDecoder::Status::kMessage && decoder_.header().control == wire::Control::kData &&
        !decoder_.discarded()) {
      inbox_.commit(peer_, decoder_.header());
    } else if (status == FrameDecoder::Status::kMessage && decoder_.header().control == wire::Control::kAnnounce) {
      inbox_.announce(peer_, decoder_.header().kind, decoder_.header().round);
    }
  }
}

asio::awaitable<void> Link::write_loop() {
  auto self = shared_from_this();
  std::vector<asio::const_buffer> buffers;
  while (!closed_) {
    if (queue_.empty()) {
      co_await wake_writer_.async_wait(use_nothrow);
      continue;
    }
    if (send_cipher_ && (send_cipher_->records() >= settings_.max_records_per_key ||
                         bytes_under_key_ >= settings_.max_bytes_per_key)) {
      close("rekeying after " + std::to_string(send_cipher_->records()) + " records and " +
            std::to_string(bytes_under_key_) + " bytes under one key");
      co_return;
    }
    encoder_.begin(queue_.front().header, queue_.front().payload);
    writing_front_ = true;
    while (!encoder_.done()) {
      buffers.clear();
      for (const auto& piece : encoder_.next_batch()) buffers.emplace_back(piece.data, piece.size);
      auto [error, bytes] = co_await asio::async_write(socket_, buffers, use_nothrow);
      if (closed_) co_return;
      if (error) {
        close("write failed: " + error.message());
        co_return;
      }
      counters_.bytes_sent += bytes;
      bytes_under_key_ += bytes;
      last_sent_ = std::chrono::steady_clock::now();
    }
    writing_front_ = false;
    Done done = std::move(queue_.front().done);
    queue_.pop_front();
    if (done) done(true);
  }
}

void Link::announce(uint8_t kind, int64_t round) {
  wire::MessageHeader header;
  header.control = wire::Control::kAnnounce;
  header.kind = kind;
  header.sender = settings_.self;
  header.round = round;
  queue_.push_back({header, {}, nullptr});
  wake_writer_.cancel();
}

void Link::queue_keepalive() {
  wire::MessageHeader header;
  header.control = wire::Control::kKeepalive;
  header.sender = settings_.self;
  queue_.push_back({header, {}, nullptr});
  wake_writer_.cancel();
}

asio::awaitable<void> Link::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    watchdog_timer_.expires_after(settings_.keepalive_interval);
    co_await watchdog_timer_.async_wait(use_nothrow);
    if (closed_) co_return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_received_ > settings_.dead_after) {
      auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_received_).count();
      close("peer silent for " + std::to_string(silent) + " ms");
      co_return;
    }
    if (queue_.empty() && now - last_sent_ >= settings_.keepalive_interval) queue_keepalive();
  }
}

}  // namespace gossip::tcp
