#include "transport/tcp/handshake_slots.h"

namespace gossip::tcp {

HandshakeSlots::HandshakeSlots(int total, int per_address, std::map<std::string, int> neighbour_addresses)
    : total_(total), per_address_(per_address), neighbours_(std::move(neighbour_addresses)) {
  for (const auto& [address, count] : neighbours_) reserved_ += count;
}

int HandshakeSlots::in_flight(const std::string& address) const {
  auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second;
}

int HandshakeSlots::allowance(const std::string& address) const {
  auto it = neighbours_.find(address);
  return it == neighbours_.end() ? per_address_ : it->second + 4 * per_address_;
}

bool HandshakeSlots::admit(const std::string& address, std::string* why) {
  const bool neighbour = neighbours_.contains(address);
  const int here = in_flight(address);
  // Strangers share `total`; a neighbour's address may also use the reserved slots.
  const int ceiling = neighbour ? total_ + reserved_ : total_;
  if (here < allowance(address) && in_flight_ < ceiling) {
    ++by_address_[address];
    ++in_flight_;
    return true;
  }
  if (why) {
    *why = "too many handshakes in flight (" + std::to_string(here) + " from this address, " +
           std::to_string(in_flight_) + " in all)";
  }
  return false;
}

void HandshakeSlots::release(const std::string& address) {
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  if (--it->second == 0) by_address_.erase(it);
  --in_flight_;
}

}  // namespace gossip::tcp
