#include "sandbox/native_sandbox.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <thread>

#include "utils/errors.h"

namespace agentcoder::sandbox {
namespace {

std::atomic<unsigned> slot_counter{0};

constexpr uid_t kAutoUidBase = 1600000000;
constexpr unsigned kAutoUidsPerSupervisor = 256;

void validate(const Limits& l) {
  auto bad = [](const std::string& what) { throw InputError("sandbox limits: " + what); };
  if (!(l.wall_seconds > 0) || l.wall_seconds > 24 * 3600) bad("wall time must be in (0, 86400] seconds");
  if (l.memory_bytes < (16ull << 20)) bad("memory must be at least 16 MB");
  if (!(l.cpus >= 0.01) || l.cpus > 1024) bad("cpus must be in [0.01, 1024]");
  if (l.max_processes < 1) bad("max_processes must be at least 1");
  if (l.tmp_bytes < 4096 || l.tmp_inodes < 16) bad("/tmp must allow at least 4 KB and 16 inodes");
  if (l.max_output_bytes < 1) bad("max_output_bytes must be at least 1");
  if (l.max_open_files < 16) bad("max_open_files must be at least 16");
}

void validate(const std::vector<std::string>& preload) {
  for (const std::string& m : preload) {
    bool ok = !m.empty() && !std::isdigit(static_cast<unsigned char>(m[0])) && m.front() != '.' && m.back() != '.';
    for (char ch : m) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.');
    if (!ok) throw InputError("sandbox preload: '" + m + "' is not a module name");
  }
}

}  // namespace

NativeSandbox::NativeSandbox(const SandboxOptions& options) : options_(options) {
  if (options_.cgroup_parent.empty() || options_.cgroup_parent.find("..") != std::string::npos ||
      options_.cgroup_parent[0] == '/')
    throw SandboxUnavailable("sandbox: cgroup parent '" + options_.cgroup_parent +
                             "' must be a relative path without '..'");
  host_ = check_host(options_);
  if (const HostFeature* f = host_.first_missing(options_.allow_weaker_isolation)) {
    std::string hint = f->weakenable ? " (allow weaker isolation to run without it)" : "";
    throw SandboxUnavailable("sandbox unavailable: " + f->name + ": " + f->detail + hint);
  }
  for (const HostFeature& f : host_.features)
    if (f.required && !f.present) missing_.push_back(f.name + " (" + f.detail + ")");
  host_.cgroups.sweep_stale();
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  capacity_ = options_.max_concurrent_runs ? options_.max_concurrent_runs : 2 * cpus;
  if (options_.host_uid_base == 0) {
    options_.host_uid_base = kAutoUidBase + static_cast<uid_t>(getpid() % (1 << 22)) * kAutoUidsPerSupervisor;
    capacity_ = std::min(capacity_, kAutoUidsPerSupervisor);
  }
  auto first = std::make_unique<Entry>();
  first->index = 0;
  first->slot = make_slot(0, {}, "");
  entries_.push_back(std::move(first));
}

NativeSandbox::~NativeSandbox() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return creating_ == 0; });
  entries_.clear();
}

std::unique_ptr<Slot> NativeSandbox::make_slot(unsigned index, const std::vector<std::string>& preload,
                                               const std::string& preload_code) {
  SlotSettings s;
  s.cgroups = &host_.cgroups;
  s.python = &host_.python;
  s.warm = options_.warm;
  s.privileged = geteuid() == 0;
  s.host_uid = s.privileged ? options_.host_uid_base + index : geteuid();
  s.host_gid = s.privileged ? static_cast<gid_t>(options_.host_uid_base + index) : getegid();
  s.missing = missing_;
  s.preload = preload;
  s.preload_code = preload_code;
  std::string name = "slot-" + std::to_string(getpid()) + "-" + std::to_string(slot_counter++);
  return std::make_unique<Slot>(s, name);
}

NativeSandbox::Entry* NativeSandbox::acquire(const std::vector<std::string>& preload,
                                             const std::string& preload_code) {
  std::unique_lock lock(mu_);
  std::unique_ptr<Slot> evicted;  // an idle slot of another kind, making room
  for (;;) {
    for (auto& e : entries_)
      if (!e->busy && e->slot && e->preload == preload && e->preload_code == preload_code) {
        e->busy = true;
        return e.get();
      }
    if (entries_.size() + creating_ < capacity_) break;
    auto other = std::find_if(entries_.begin(), entries_.end(), [](auto& e) { return !e->busy && e->slot; });
    if (other != entries_.end()) {
      evicted = std::move((*other)->slot);
      entries_.erase(other);
      break;
    }
    idle_.wait(lock);
  }
  // Make a new slot outside the lock: it takes tens of milliseconds.
  std::vector<bool> used(capacity_, false);
  for (auto& e : entries_) used[e->index] = true;
  unsigned index = 0;
  while (index < capacity_ && used[index]) ++index;
  auto entry = std::make_unique<Entry>();
  entry->index = index;
  entry->busy = true;
  entry->preload = preload;
  entry->preload_code = preload_code;
  Entry* raw = entry.get();
  entries_.push_back(std::move(entry));
  ++creating_;
  lock.unlock();
  evicted.reset();
  std::unique_ptr<Slot> slot;
  try {
    slot = make_slot(index, preload, preload_code);
  } catch (...) {
    lock.lock();
    --creating_;
    std::erase_if(entries_, [&](auto& e) { return e.get() == raw; });
    idle_.notify_all();
    throw;
  }
  lock.lock();
  raw->slot = std::move(slot);
  --creating_;
  idle_.notify_all();
  return raw;
}

void NativeSandbox::release(Entry* entry) {
  std::unique_ptr<Slot> dead;
  {
    std::lock_guard lock(mu_);
    if (entry->slot->broken()) {
      dead = std::move(entry->slot);
      std::erase_if(entries_, [&](auto& e) { return e.get() == entry; });
    } else {
      entry->busy = false;
    }
    idle_.notify_all();
  }
  // `dead` is destroyed here, outside the lock.
}

ExecResult NativeSandbox::run(const ExecRequest& request) {
  validate(request.limits);
  validate(request.preload);
  const bool warm = options_.warm && !request.force_cold;
  Entry* entry = warm ? acquire(request.preload, request.preload_code) : acquire({}, "");
  try {
    ExecResult r = entry->slot->run(request);
    release(entry);
    return r;
  } catch (...) {
    release(entry);
    throw;
  }
}

std::vector<SlotInfo> NativeSandbox::slots() const {
  std::lock_guard lock(mu_);
  std::vector<SlotInfo> out;
  for (auto& e : entries_)
    if (e->slot) out.push_back(e->slot->info());
  return out;
}

std::unique_ptr<Sandbox> make_sandbox(const SandboxOptions& options) {
  return std::make_unique<NativeSandbox>(options);
}

}  // namespace agentcoder::sandbox
