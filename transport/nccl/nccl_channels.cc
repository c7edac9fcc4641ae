#include "transport/nccl/nccl_channels.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "kernels/cuda/check.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/device_buffer.h"

namespace gossip::nccl {
namespace {

using namespace std::chrono_literals;

// ncclInProgress is a nonblocking communicator's "still working", not a failure.
void check(ncclResult_t result, const std::string& what, ncclComm_t comm = nullptr) {
  if (result == ncclSuccess || result == ncclInProgress) return;
  std::string reason = ncclGetErrorString(result);
  if (comm != nullptr) {
    const char* detail = ncclGetLastError(comm);
    if (detail != nullptr && *detail != '\0') reason += " (" + std::string(detail) + ")";
  }
  throw std::runtime_error(what + ": " + reason);
}

// True once no communicator is in progress; false at the deadline. Throws on an error, such
// as a neighbour's process gone.
bool settle(const std::vector<ncclComm_t>& comms, Clock::time_point deadline) {
  for (;;) {
    bool busy = false;
    for (ncclComm_t comm : comms) {
      ncclResult_t state = ncclSuccess;
      check(ncclCommGetAsyncError(comm, &state), "ncclCommGetAsyncError", comm);
      if (state == ncclInProgress) busy = true;
      check(state, "NCCL", comm);
    }
    if (!busy) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50us);
  }
}

// Page-locked host memory: what cudaMemcpyAsync copies without blocking the host.
class PinnedBytes {
 public:
  explicit PinnedBytes(std::size_t size) {
    cuda::check(cudaMallocHost(reinterpret_cast<void**>(&data_), size), "cudaMallocHost");
  }
  PinnedBytes(PinnedBytes&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  PinnedBytes& operator=(PinnedBytes&&) = delete;
  ~PinnedBytes() {
    if (data_ != nullptr) cudaFreeHost(data_);
  }
  uint8_t* data() { return data_; }

 private:
  uint8_t* data_ = nullptr;
};

struct Link {
  int peer = 0;
  int other_rank = 0;
  ncclComm_t comm = nullptr;
  cuda::DeviceBuffer<uint8_t> send, receive;
  PinnedBytes host_send, host_receive;
};

class NcclChannels final : public DeviceChannels {
 public:
  NcclChannels(int device, std::vector<Link> links, std::size_t frame_bytes)
      : device_(device), links_(std::move(links)), frame_bytes_(frame_bytes) {
    cuda::check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    cuda::check(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
  }

  // A nonblocking communicator is finalized, and that waited for, before it is destroyed;
  // one with a transfer still under way, or that does not finalize within a few seconds, is
  // aborted instead, so a peer never hangs on its way out.
  ~NcclChannels() override {
    if (!aborted_) {
      const bool finalized = pending_.empty() && finalize(Clock::now() + 5s);
      for (Link& link : links_) {
        if (finalized) {
          ncclCommDestroy(link.comm);
        } else {
          ncclCommAbort(link.comm);
        }
      }
    }
    cudaEventDestroy(done_);
    cudaStreamDestroy(stream_);
  }

  void start(std::span<const ChannelTransfer> transfers) override {
    cuda::use_device(device_);
    pending_.clear();
    copied_back_ = false;
    for (const ChannelTransfer& transfer : transfers) pending_.push_back({&link_of(transfer.peer), transfer});
    for (auto& [link, transfer] : pending_) {
      if (transfer.send.empty()) continue;
      std::memcpy(link->host_send.data(), transfer.send.data(), frame_bytes_);
      cuda::check(cudaMemcpyAsync(link->send.data(), link->host_send.data(), frame_bytes_, cudaMemcpyHostToDevice, stream_),
                  "cudaMemcpyAsync of a frame to the GPU");
    }
    // The group is closed before any failure is thrown: this thread's later NCCL calls (the
    // abort of the fallback among them) must not land inside it.
    check(ncclGroupStart(), "ncclGroupStart");
    ncclResult_t failed = ncclSuccess;
    std::string what;
    ncclComm_t failed_comm = nullptr;
    auto note = [&](ncclResult_t result, const char* call, ncclComm_t comm) {
      if (failed != ncclSuccess && failed != ncclInProgress) return;
      failed = result;
      what = call;
      failed_comm = comm;
    };
    for (auto& [link, transfer] : pending_) {
      if (!transfer.send.empty()) {
        note(ncclSend(link->send.data(), frame_bytes_, ncclUint8, link->other_rank, link->comm, stream_), "ncclSend",
             link->comm);
      }
      if (!transfer.receive.empty()) {
        note(ncclRecv(link->receive.data(), frame_bytes_, ncclUint8, link->other_rank, link->comm, stream_), "ncclRecv",
             link->comm);
      }
    }
    const ncclResult_t ended = ncclGroupEnd();
    check(failed, what, failed_comm);
    check(ended, "ncclGroupEnd");
  }

  bool finish(Clock::time_point deadline) override {
    if (!copied_back_) {
      // Nonblocking communicators may still be queueing the group's work: the copies back go
      // on the stream after it.
      std::vector<ncclComm_t> comms;
      for (auto& entry : pending_) comms.push_back(entry.first->comm);
      if (!settle(comms, deadline)) return false;
      for (auto& [link, transfer] : pending_) {
        if (transfer.receive.empty()) continue;
        cuda::check(cudaMemcpyAsync(link->host_receive.data(), link->receive.data(), frame_bytes_,
                                    cudaMemcpyDeviceToHost, stream_),
                    "cudaMemcpyAsync of a frame from the GPU");
      }
      cuda::check(cudaEventRecord(done_, stream_), "cudaEventRecord");
      copied_back_ = true;
    }
    for (;;) {
      const cudaError_t status = cudaEventQuery(done_);
      if (status == cudaSuccess) break;
      if (status != cudaErrorNotReady) cuda::check(status, "waiting for the NCCL transfers");
      for (auto& entry : pending_) {
        ncclResult_t state = ncclSuccess;
        check(ncclCommGetAsyncError(entry.first->comm, &state), "ncclCommGetAsyncError", entry.first->comm);
        check(state, "NCCL transfer with peer " + std::to_string(entry.first->peer), entry.first->comm);
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20us);
    }
    for (auto& [link, transfer] : pending_) {
      if (!transfer.receive.empty()) std::memcpy(transfer.receive.data(), link->host_receive.data(), frame_bytes_);
    }
    pending_.clear();
    return true;
  }

  void abort() override {
    for (Link& link : links_) ncclCommAbort(link.comm);
    aborted_ = true;
  }

 private:
  bool finalize(Clock::time_point deadline) noexcept {
    try {
      cuda::use_device(device_);
      std::vector<ncclComm_t> comms;
      for (Link& link : links_) {
        check(ncclCommFinalize(link.comm), "ncclCommFinalize", link.comm);
        comms.push_back(link.comm);
      }
      return settle(comms, deadline);
    } catch (const std::exception&) {
      return false;
    }
  }

  Link& link_of(int peer) {
    for (Link& link : links_) {
      if (link.peer == peer) return link;
    }
    throw std::invalid_argument("NCCL: no channel to peer " + std::to_string(peer));
  }

  int device_;
  std::vector<Link> links_;
  std::size_t frame_bytes_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t done_ = nullptr;
  std::vector<std::pair<Link*, ChannelTransfer>> pending_;
  bool copied_back_ = false;
  bool aborted_ = false;
};

class NcclChannelFactory final : public DeviceChannelFactory {
 public:
  explicit NcclChannelFactory(int device) : device_(device) {}

  std::string name() const override { return "NCCL"; }

  std::vector<uint8_t> make_id() override {
    ncclUniqueId id;
    check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    return {reinterpret_cast<const uint8_t*>(id.internal), reinterpret_cast<const uint8_t*>(id.internal) + sizeof(id)};
  }

  std::unique_ptr<DeviceChannels> connect(std::span<const ChannelSetup> setups, std::size_t frame_bytes,
                                          Clock::time_point deadline) override {
    cuda::use_device(device_);
    std::vector<ncclComm_t> comms(setups.size(), nullptr);
    auto give_up = [&comms] {
      for (ncclComm_t comm : comms) {
        if (comm != nullptr) ncclCommAbort(comm);
      }
    };
    try {
      ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
      config.blocking = 0;
      // The ids came over TCP links from the neighbours: their size is all there is to check.
      for (const ChannelSetup& setup : setups) {
        if (setup.id.size() != sizeof(ncclUniqueId)) {
          throw std::runtime_error("peer " + std::to_string(setup.peer) + " sent a channel id of " +
                                   std::to_string(setup.id.size()) + " bytes, not " +
                                   std::to_string(sizeof(ncclUniqueId)));
        }
      }
      // Every init of the group runs, and the group is closed, before any failure is thrown.
      check(ncclGroupStart(), "ncclGroupStart");
      ncclResult_t failed = ncclSuccess;
      for (std::size_t i = 0; i < setups.size() && (failed == ncclSuccess || failed == ncclInProgress); ++i) {
        ncclUniqueId id;
        std::memcpy(id.internal, setups[i].id.data(), sizeof(id));
        failed = ncclCommInitRankConfig(&comms[i], 2, id, setups[i].rank, &config);
      }
      const ncclResult_t ended = ncclGroupEnd();
      check(failed, "ncclCommInitRankConfig");
      check(ended, "ncclGroupEnd");
      if (!settle(comms, deadline)) throw std::runtime_error("the neighbours did not join in time");
      std::vector<Link> links;
      for (std::size_t i = 0; i < setups.size(); ++i) {
        links.push_back({setups[i].peer, 1 - setups[i].rank, comms[i], cuda::DeviceBuffer<uint8_t>(frame_bytes),
                         cuda::DeviceBuffer<uint8_t>(frame_bytes), PinnedBytes(frame_bytes), PinnedBytes(frame_bytes)});
      }
      return std::make_unique<NcclChannels>(device_, std::move(links), frame_bytes);
    } catch (...) {
      give_up();
      throw;
    }
  }

 private:
  int device_;
};

}  // namespace

std::unique_ptr<DeviceChannelFactory> make_channel_factory(int device) {
  return std::make_unique<NcclChannelFactory>(device);
}

}  // namespace gossip::nccl
