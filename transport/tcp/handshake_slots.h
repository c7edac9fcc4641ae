// Who may start a handshake now. A stranger can open connections and send nothing, so the
// slots are bounded per source address: an address that is not a neighbour's holds at most
// `per_address`, a neighbour's address has one slot of its own for each neighbour dialing
// from it (kept out of the total) plus four times a stranger's share, and nobody past
// `total` plus the reserved ones. Pure bookkeeping, no I/O: the accept loop asks, the
// handshake's end releases.
#pragma once

#include <map>
#include <string>

namespace gossip::tcp {

class HandshakeSlots {
 public:
  HandshakeSlots(int total, int per_address, std::map<std::string, int> neighbour_addresses);

  // Takes a slot for `address`, or says why not in `why`.
  bool admit(const std::string& address, std::string* why);
  // Gives back a slot that admit() gave `address`.
  void release(const std::string& address);

  int in_flight() const { return in_flight_; }
  int in_flight(const std::string& address) const;
  // The most that `address` may hold at once.
  int allowance(const std::string& address) const;

 private:
  int total_, per_address_, reserved_ = 0;
  std::map<std::string, int> neighbours_;  // address -> neighbours dialing from it
  std::map<std::string, int> by_address_;
  int in_flight_ = 0;
};

}  // namespace gossip::tcp
