// An in-process transport for unit tests of the layers above: peers are threads (or
// one thread calling each in turn), messages are copied straight into the receiver's
// inbox, and a filter drops or partitions deliberately. Never used by the product path.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "transport/inbox.h"
#include "transport/transport.h"

namespace gossip {

class InprocHub {
 public:
  explicit InprocHub(int peers, InboxLimits limits = {});
  // Returns false to drop the message from -> to in that round.
  using Filter = std::function<bool(int from, int to, int64_t round)>;
  void set_filter(Filter filter);
  std::unique_ptr<Transport> transport(int peer);

 private:
  friend class InprocTransport;
  bool delivers(int from, int to, int64_t round);

  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::mutex filter_mutex_;
  Filter filter_;
};

}  // namespace gossip
