#include "transport/frame_codec.h"

#include <algorithm>
#include <stdexcept>

namespace gossip {

FrameEncoder::FrameEncoder(RecordCipher* cipher, std::size_t chunk_bytes, std::size_t batch_bytes)
    : cipher_(cipher), chunk_bytes_(chunk_bytes) {
  if (chunk_bytes_ == 0) throw std::invalid_argument("frame chunk size must be positive");
  // Whole chunks per batch, so a batch boundary never splits a record in two.
  batch_bytes_ = std::max<std::size_t>(1, batch_bytes / chunk_bytes_) * chunk_bytes_;
}

void FrameEncoder::begin(const wire::MessageHeader& header, std::span<const uint8_t> payload) {
  wire::encode_header(header, header_);
  payload_ = payload;
  offset_ = 0;
  header_pending_ = true;
}

// Appends one record: length, then the body (plain from the caller's memory, or
// ciphertext in scratch at `cipher_out`), then the tag.
void FrameEncoder::add_record(std::span<const uint8_t> plain, uint8_t* cipher_out) {
  uint8_t* length = scratch_.data() + scratch_used_;
  scratch_used_ += wire::kLengthBytes;
  std::size_t tag = cipher_ ? wire::kTagBytes : 0;
  wire::put_u64(length, plain.size() + tag);
  pieces_.push_back({length, wire::kLengthBytes});
  if (!cipher_) {
    pieces_.push_back({plain.data(), plain.size()});
    return;
  }
  uint8_t* tag_out = scratch_.data() + scratch_used_;
  scratch_used_ += wire::kTagBytes;
  cipher_->seal({length, wire::kLengthBytes}, plain, cipher_out, tag_out);
  pieces_.push_back({cipher_out, plain.size()});
  pieces_.push_back({tag_out, wire::kTagBytes});
}

std::span<const WritePiece> FrameEncoder::next_batch() {
  pieces_.clear();
  std::size_t remaining = payload_.size() - offset_;
  std::size_t batch = std::min(remaining, batch_bytes_);
  std::size_t records = (batch + chunk_bytes_ - 1) / chunk_bytes_ + (header_pending_ ? 1 : 0);
  // Layout of scratch: per record a length and a tag, then the ciphertext of the batch.
  std::size_t framing = records * (wire::kLengthBytes + wire::kTagBytes);
  std::size_t body = cipher_ ? batch + (header_pending_ ? wire::kHeaderBytes : 0) : 0;
  if (scratch_.size() < framing + body) scratch_.resize(framing + body);
  scratch_used_ = 0;
  uint8_t* cipher_out = scratch_.data() + framing;
  if (header_pending_) {
    add_record(header_, cipher_ ? cipher_out : nullptr);
    if (cipher_) cipher_out += wire::kHeaderBytes;
    header_pending_ = false;
  }
  for (std::size_t end = offset_ + batch; offset_ < end;) {
    std::size_t chunk = std::min(chunk_bytes_, end - offset_);
    add_record(payload_.subspan(offset_, chunk), cipher_ ? cipher_out : nullptr);
    if (cipher_) cipher_out += chunk;
    offset_ += chunk;
  }
  return pieces_;
}

FrameDecoder::FrameDecoder(RecordCipher* cipher, uint32_t expected_sender, std::size_t max_payload_bytes,
                           std::size_t max_chunk_bytes, Acquire acquire)
    : cipher_(cipher),
      expected_sender_(expected_sender),
      max_payload_(max_payload_bytes),
      max_chunk_(max_chunk_bytes),
      acquire_(std::move(acquire)) {}

std::span<uint8_t> FrameDecoder::next_read() {
  switch (state_) {
    case State::kLength:
      return length_;
    case State::kHeader:
      return std::span<uint8_t>(header_bytes_).first(wire::kHeaderBytes + tag_bytes());
    case State::kChunk:
      return chunk_span();
    case State::kTag:
      return tag_;
  }
  return {};
}

std::span<uint8_t> FrameDecoder::chunk_span() {
  return discard_ ? std::span<uint8_t>(discard_buffer_).first(chunk_) : destination_.subspan(received_, chunk_);
}

FrameDecoder::Status FrameDecoder::fail(std::string why) {
  error_ = std::move(why);
  return Status::kError;
}

FrameDecoder::Status FrameDecoder::consume() {
  if (!error_.empty()) return Status::kError;
  switch (state_) {
    case State::kLength:
      return on_length();
    case State::kHeader:
      return on_header();
    case State::kChunk:
      if (cipher_) {
        state_ = State::kTag;
        return Status::kNeedMore;
      }
      return on_chunk_done();
    case State::kTag:
      return on_chunk_done();
  }
  return Status::kError;
}

// A record length is checked against what may come next before anything is allocated.
FrameDecoder::Status FrameDecoder::on_length() {
  uint64_t length = wire::get_u64(length_.data());
  bool in_payload = received_ < header_.payload_bytes && header_.control == wire::Control::kData &&
                    (destination_.size() || discard_);
  if (!in_payload) {
    if (length != wire::kHeaderBytes + tag_bytes()) {
      return fail("record length " + std::to_string(length) + " where a message header of " +
                  std::to_string(wire::kHeaderBytes + tag_bytes()) + " bytes was due");
    }
    state_ = State::kHeader;
    return Status::kNeedMore;
  }
  uint64_t remaining = header_.payload_bytes - received_;
  uint64_t limit = std::min<uint64_t>(remaining, max_chunk_);
  if (length <= tag_bytes() || length - tag_bytes() > limit) {
    return fail("record length " + std::to_string(length) + " outside 1.." + std::to_string(limit + tag_bytes()) +
                " for the next payload chunk");
  }
  chunk_ = static_cast<std::size_t>(length - tag_bytes());
  state_ = State::kChunk;
  return Status::kNeedMore;
}

FrameDecoder::Status FrameDecoder::on_header() {
  if (cipher_ && !cipher_->open(length_, std::span<uint8_t>(header_bytes_).first(wire::kHeaderBytes),
                                header_bytes_.data() + wire::kHeaderBytes)) {
    return fail("a message header failed authentication (altered, replayed or reordered)");
  }
  std::string why;
  auto header = wire::decode_header(std::span<const uint8_t, wire::kHeaderBytes>(header_bytes_.data(), wire::kHeaderBytes), &why);
  if (!header) return fail(why);
  if (header->sender != expected_sender_) {
    return fail("peer " + std::to_string(expected_sender_) + " sent a message claiming sender " +
                std::to_string(header->sender));
  }
  if (header->payload_bytes > max_payload_) {
    return fail("message of " + std::to_string(header->payload_bytes) + " bytes exceeds the limit of " +
                std::to_string(max_payload_));
  }
  if (header->control != wire::Control::kData && header->payload_bytes != 0) {
    return fail(header->control == wire::Control::kKeepalive ? "keepalive with a payload" : "announce with a payload");
  }
  header_ = *header;
  received_ = 0;
  state_ = State::kLength;
  discard_ = false;
  destination_ = {};
  if (header_.payload_bytes == 0 || header_.control != wire::Control::kData) return Status::kMessage;
  destination_ = acquire_(header_);
  if (destination_.empty()) {
    discard_ = true;
    if (discard_buffer_.size() < std::min<std::size_t>(max_chunk_, header_.payload_bytes)) {
      discard_buffer_.resize(std::min<std::size_t>(max_chunk_, header_.payload_bytes));
    }
  } else if (destination_.size() != header_.payload_bytes) {
    return fail("internal: payload buffer of the wrong size");
  }
  return Status::kNeedMore;
}

FrameDecoder::Status FrameDecoder::on_chunk_done() {
  std::span<uint8_t> chunk = chunk_span();
  if (cipher_ && !cipher_->open(length_, chunk, tag_.data())) {
    return fail("a payload record failed authentication (altered, replayed or reordered)");
  }
  received_ += chunk_;
  state_ = State::kLength;
  return received_ == header_.payload_bytes ? Status::kMessage : Status::kNeedMore;
}

}  // namespace gossip
