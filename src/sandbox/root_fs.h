// The file system a sandbox sees: a read-only root holding only what the
// interpreter needs, a private /tmp and /dev/shm with size and inode caps, a
// minimal /dev, and a /proc of the sandbox's own pid namespace. No /sys, no
// host /tmp, /home, /root, /etc beyond a few harmless files.
//
// make_root_spec() runs once per launcher (it looks at the host); enter_root()
// runs in the sandbox's first process, inside fresh user, mount and pid
// namespaces, and ends with pivot_root into the new root, remounted
// read-only. Bind sources must not lie under /tmp (the staging mount point).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace agentcoder::sandbox {

struct RootEntry {
  // kBindDir binds recursively (a plain bind of a tree with mounts below it
  // is refused in a user namespace); kRemountReadOnly then makes each mount
  // found below it read-only as well.
  enum Kind { kDir, kSymlink, kBindDir, kBindFile, kFile, kRemountReadOnly } kind;
  std::string path;         // absolute, inside the sandbox
  std::string source;       // symlink target, bind source or file contents
  unsigned long flags = 0;  // MS_* flags the bind source already has (they are locked)
};

struct RootSpec {
  std::vector<RootEntry> entries;
  // Neutral stand-ins for the /proc files that describe the host (uptime,
  // boot id, kernel command line, load, memory, boot time): a path below
  // /proc and its contents. They are written to the base /tmp (read-only,
  // hidden under each run's own /tmp) as "proc.<path with / as .>", and
  // bound read-only over the run's /proc (enter_root; zygote.py for a warm run).
  std::vector<std::pair<std::string, std::string>> proc_masks;
};

// `extra_dirs`: further host directories to bind read-only (an interpreter
// outside /usr, say). Throws std::runtime_error naming a bad entry.
RootSpec make_root_spec(const std::vector<std::string>& extra_dirs);

struct TmpLimits {
  uint64_t bytes = 0;   // 0: mount /tmp and /dev/shm read-only (a zygote's base)
  uint64_t inodes = 0;
};

// Builds the root and pivots into it; cwd is then /tmp. With `mask_proc`,
// binds the proc_masks over /proc; a zygote's base goes without, because a
// /proc with files mounted over it may not be mounted afresh in a user
// namespace it owns (each warm run mounts its own and masks that). Returns
// nullptr on success, else the name of the failing step with errno set.
const char* enter_root(const RootSpec& spec, const TmpLimits& tmp, bool mask_proc);

// Mounts a fresh tmpfs at `path` with the caps (0 bytes: a read-only one).
int mount_tmp(const char* path, const TmpLimits& tmp);

// Brings up the loopback interface of the current network namespace.
int bring_up_loopback();

}  // namespace agentcoder::sandbox
