// Turns messages into records and records back into messages, with no I/O, so the same
// code runs on sockets, in tests and under the fuzzer. See wire.h for the layout.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "transport/cipher.h"
#include "transport/wire.h"

namespace gossip {

// One piece of a gather write.
struct WritePiece {
  const uint8_t* data;
  std::size_t size;
};

class FrameEncoder {
 public:
  // `cipher` null means plaintext. `batch_bytes` bounds the payload one next_batch()
  // covers, and so the scratch memory encryption needs; both are reused per message.
  FrameEncoder(RecordCipher* cipher, std::size_t chunk_bytes, std::size_t batch_bytes);

  // Starts a message; `payload` must stay valid until done() and the last batch is written.
  void begin(const wire::MessageHeader& header, std::span<const uint8_t> payload);
  // True once every record of the message has been handed out by next_batch().
  bool done() const { return !header_pending_ && offset_ == payload_.size(); }
  // The records to write next; valid until the next call.
  std::span<const WritePiece> next_batch();

 private:
  void add_record(std::span<const uint8_t> plain, uint8_t* cipher_out);

  RecordCipher* cipher_;
  std::size_t chunk_bytes_, batch_bytes_;
  std::vector<uint8_t> scratch_;          // lengths, tags, header and ciphertext of one batch
  std::vector<WritePiece> pieces_;
  std::span<const uint8_t> payload_;
  std::size_t offset_ = 0;
  bool header_pending_ = false;
  std::array<uint8_t, wire::kHeaderBytes> header_{};
  std::size_t scratch_used_ = 0;
};

// Pull decoder: it says where the next bytes go (next_read), the caller fills exactly
// that span and calls consume(). Payload bytes land directly in the buffer the acquire
// callback hands out (decrypted in place), so a model is never copied on receipt.
class FrameDecoder {
 public:
  enum class Status { kNeedMore, kMessage, kError };
  // Returns where the payload of `header` goes: a span of exactly payload_bytes, or an
  // empty span to read, authenticate and discard it (late or unwanted messages).
  using Acquire = std::function<std::span<uint8_t>(const wire::MessageHeader& header)>;

  FrameDecoder(RecordCipher* cipher, uint32_t expected_sender, std::size_t max_payload_bytes,
               std::size_t max_chunk_bytes, Acquire acquire);

  std::span<uint8_t> next_read();
  Status consume();
  // After kMessage: the message (payload in the acquired span, or discarded).
  const wire::MessageHeader& header() const { return header_; }
  bool discarded() const { return discard_; }
  // After kError: why; the link must then be closed.
  const std::string& error() const { return error_; }

 private:
  enum class State { kLength, kHeader, kChunk, kTag };
  Status fail(std::string why);
  Status on_length();
  Status on_header();
  Status on_chunk_done();
  std::size_t tag_bytes() const { return cipher_ ? wire::kTagBytes : 0; }
  std::span<uint8_t> chunk_span();

  RecordCipher* cipher_;
  uint32_t expected_sender_;
  std::size_t max_payload_, max_chunk_;
  Acquire acquire_;
  State state_ = State::kLength;
  std::array<uint8_t, wire::kLengthBytes> length_{};
  std::array<uint8_t, wire::kHeaderBytes + wire::kTagBytes> header_bytes_{};
  std::array<uint8_t, wire::kTagBytes> tag_{};
  wire::MessageHeader header_;
  std::span<uint8_t> destination_;
  std::vector<uint8_t> discard_buffer_;
  bool discard_ = false;
  std::size_t received_ = 0, chunk_ = 0;
  std::string error_;
};

}  // namespace gossip
