// The native backend behind make_sandbox(): a pool of slots (slot.h), each a
// launcher in its own cgroups, optionally with a warm zygote.
//
// A run takes an idle slot, or makes one while fewer than
// max_concurrent_runs exist, or waits for one. Broken slots are destroyed and
// replaced on demand. Construction checks the host (host_check.h), refuses
// what cannot be enforced unless weaker isolation was allowed, and starts the
// first slot so that a sandbox that cannot work fails here, not at run().
// Destruction stops every launcher and removes every slot cgroup.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "sandbox/host_check.h"
#include "sandbox/sandbox.h"
#include "sandbox/slot.h"

namespace agentcoder::sandbox {

class NativeSandbox : public Sandbox {
 public:
  explicit NativeSandbox(const SandboxOptions& options);
  ~NativeSandbox() override;

  ExecResult run(const ExecRequest& request) override;
  std::vector<std::string> missing_protections() const override { return missing_; }
  std::vector<SlotInfo> slots() const override;

 private:
  struct Entry {
    std::unique_ptr<Slot> slot;
    bool busy = false;
    unsigned index = 0;
    std::vector<std::string> preload;  // what its zygote imported (ExecRequest::preload)
    std::string preload_code;          // and ran (ExecRequest::preload_code)
  };

  std::unique_ptr<Slot> make_slot(unsigned index, const std::vector<std::string>& preload,
                                  const std::string& preload_code);
  // An idle slot with this preload list: one there is, a new one while fewer
  // than the capacity exist, or one made in place of an idle slot of another
  // kind; otherwise waits.
  Entry* acquire(const std::vector<std::string>& preload, const std::string& preload_code);
  void release(Entry* entry);

  SandboxOptions options_;
  HostReport host_;
  std::vector<std::string> missing_;
  unsigned capacity_ = 1;

  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::vector<std::unique_ptr<Entry>> entries_;
  unsigned creating_ = 0;
};

}  // namespace agentcoder::sandbox
