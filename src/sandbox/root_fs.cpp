#include "sandbox/root_fs.h"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace agentcoder::sandbox {
namespace {

constexpr const char* kStaging = "/tmp";

unsigned long locked_flags(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

// Mount points strictly below `dir` on the host, in mount order.
std::vector<std::string> mounts_below(const std::string& dir) {
  std::vector<std::string> out;
  FILE* f = std::fopen("/proc/self/mountinfo", "re");
  if (!f) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    char point[PATH_MAX];
    if (std::sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1) continue;
    std::string p = point;
    if (p.rfind(dir + "/", 0) == 0) out.push_back(p);
  }
  std::fclose(f);
  return out;
}

// A recursive bind of `source`, with every mount below it read-only too.
void add_tree(RootSpec& spec, const std::string& path, const std::string& source) {
  spec.entries.push_back({RootEntry::kBindDir, path, source, locked_flags(source)});
  for (const std::string& below : mounts_below(source))
    spec.entries.push_back(
        {RootEntry::kRemountReadOnly, path + below.substr(source.size()), "", locked_flags(below)});
}

void add_parents(RootSpec& spec, const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    bool known = false;
    for (const RootEntry& e : spec.entries) known = known || e.path == dir;
    if (!known) spec.entries.push_back({RootEntry::kDir, dir, "", 0});
  }
}

int bind_readonly(const std::string& source, const std::string& target, unsigned long locked, bool recursive) {
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND | (recursive ? MS_REC : 0), nullptr) != 0) return -1;
  return mount(nullptr, target.c_str(), nullptr,
               MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | locked, nullptr);
}

int write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? 0 : -1;
}

// The host's "Name: value [kB]" lines with neutral values: a fixed 4 GiB of
// memory, all of it free, nothing else in use; the page size kept (parsers
// divide by it). Every field name stays, so any parser finds what it looks for.
std::string neutral_meminfo() {
  std::string out;
  FILE* f = std::fopen("/proc/meminfo", "re");
  if (!f) return "MemTotal:        4194304 kB\nMemFree:         4194304 kB\nMemAvailable:    4194304 kB\n";
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    std::string l = line;
    size_t colon = l.find(':');
    if (colon == std::string::npos) continue;
    std::string name = l.substr(0, colon);
    if (name == "Hugepagesize") {
      out += l;
      continue;
    }
    bool kb = l.find(" kB") != std::string::npos;
    const char* value = name == "MemTotal" || name == "MemFree" || name == "MemAvailable" ? "4194304" : "0";
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-16s%8s%s\n", (name + ":").c_str(), value, kb ? " kB" : "");
    out += buf;
  }
  std::fclose(f);
  return out;
}

// One idle "cpuN" line per host CPU (glibc counts them for the number of
// CPUs when /sys is absent), nothing counted yet, boot time 0.
std::string neutral_stat() {
  std::string out;
  FILE* f = std::fopen("/proc/stat", "re");
  char line[4096];
  while (f && std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "cpu", 3) != 0) continue;
    std::string name(line, std::strcspn(line, " "));
    out += name + (name == "cpu" ? " " : "") + " 0 0 0 100 0 0 0 0 0 0\n";
  }
  if (f) std::fclose(f);
  return out + "intr 0\nctxt 0\nbtime 0\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n";
}

// The stand-ins in the base /tmp: "proc." and the path, '/' written '.'.
std::string mask_file(const std::string& proc_path) {
  std::string name = "proc." + proc_path;
  for (char& c : name)
    if (c == '/') c = '.';
  return name;
}

}  // namespace

RootSpec make_root_spec(const std::vector<std::string>& extra_dirs) {
  RootSpec spec;
  add_tree(spec, "/usr", "/usr");
  // Merged-/usr hosts have symlinks here; others have real directories.
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat st;
    if (lstat(top, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlink(top, target, sizeof target - 1);
      if (n <= 0) continue;
      spec.entries.push_back({RootEntry::kSymlink, top, std::string(target, static_cast<size_t>(n)), 0});
    } else if (S_ISDIR(st.st_mode)) {
      add_tree(spec, top, top);
    }
  }
  spec.entries.push_back({RootEntry::kDir, "/etc", "", 0});
  for (const char* file : {"/etc/ld.so.cache", "/etc/localtime"}) {
    std::string source = real_path(file);
    if (!source.empty()) spec.entries.push_back({RootEntry::kBindFile, file, source, locked_flags(source)});
  }
  spec.entries.push_back({RootEntry::kFile, "/etc/passwd",
                          "root:x:0:0:root:/:/usr/sbin/nologin\n"
                          "sandbox:x:1000:1000:sandbox:/tmp:/usr/sbin/nologin\n"
                          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                          0});
  spec.entries.push_back({RootEntry::kFile, "/etc/group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n", 0});
  spec.entries.push_back({RootEntry::kFile, "/etc/hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n", 0});
  spec.entries.push_back({RootEntry::kFile, "/etc/hostname", "sandbox\n", 0});
  // Debian reaches BLAS and LAPACK (numpy, scipy) through symlinks here.
  struct stat alternatives;
  if (stat("/etc/alternatives", &alternatives) == 0 && S_ISDIR(alternatives.st_mode))
    add_tree(spec, "/etc/alternatives", "/etc/alternatives");
  for (const std::string& dir : extra_dirs) {
    std::string source = real_path(dir);
    if (source.empty()) throw std::runtime_error("sandbox: cannot resolve " + dir);
    if (source == "/usr" || source.rfind("/usr/", 0) == 0) continue;
    if (source == "/" || source == kStaging || source.rfind(std::string(kStaging) + "/", 0) == 0 ||
        source.rfind("/proc", 0) == 0 || source.rfind("/dev", 0) == 0 || source.rfind("/etc", 0) == 0)
      throw std::runtime_error("sandbox: cannot expose " + source + " inside the sandbox");
    add_parents(spec, source);
    add_tree(spec, source, source);
  }
  spec.proc_masks = {
      {"uptime", "100.00 100.00\n"},
      {"loadavg", "0.00 0.00 0.00 1/2 2\n"},
      {"cmdline", "\n"},
      {"sys/kernel/random/boot_id", "00000000-0000-4000-8000-000000000000\n"},
      {"meminfo", neutral_meminfo()},
      {"stat", neutral_stat()},
  };
  return spec;
}

int mount_tmp(const char* path, const TmpLimits& tmp) {
  char options[96];
  unsigned long flags = MS_NOSUID | MS_NODEV;
  if (tmp.bytes == 0) {
    std::snprintf(options, sizeof options, "size=4k,nr_inodes=8,mode=0755");
    flags |= MS_RDONLY;
  } else {
    std::snprintf(options, sizeof options, "size=%llu,nr_inodes=%llu,mode=1777",
                  static_cast<unsigned long long>(tmp.bytes), static_cast<unsigned long long>(tmp.inodes));
  }
  return mount("tmpfs", path, "tmpfs", flags, options);
}

int bring_up_loopback() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  ifreq req{};
  std::strcpy(req.ifr_name, "lo");
  req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  int rc = ioctl(s, SIOCSIFFLAGS, &req);
  close(s);
  return rc;
}

namespace {
// The failing step with its path; enter_root runs in a single-threaded child.
char failed_step[512];
const char* failed(const char* step, const std::string& path) {
  int saved = errno;
  std::snprintf(failed_step, sizeof failed_step, "%s %s", step, path.c_str());
  errno = saved;
  return failed_step;
}
}  // namespace

const char* enter_root(const RootSpec& spec, const TmpLimits& tmp, bool mask_proc) {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "make mounts private";
  if (mount("tmpfs", kStaging, "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,nr_inodes=1024,mode=0755") != 0)
    return "mount the root tmpfs";
  const std::string root = kStaging;
  for (const RootEntry& e : spec.entries) {
    std::string target = root + e.path;
    switch (e.kind) {
      case RootEntry::kDir:
        if (mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return failed("mkdir", e.path);
        break;
      case RootEntry::kSymlink:
        if (symlink(e.source.c_str(), target.c_str()) != 0) return failed("symlink", e.path);
        break;
      case RootEntry::kBindDir:
        if (mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return failed("mkdir", e.path);
        if (bind_readonly(e.source, target, e.flags, true) != 0) return failed("read-only bind mount of", e.source);
        break;
      case RootEntry::kRemountReadOnly:
        if (mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | e.flags,
                  nullptr) != 0)
          return failed("remount read-only", e.path);
        break;
      case RootEntry::kBindFile:
        if (write_file(target, "") != 0) return failed("create", e.path);
        if (bind_readonly(e.source, target, e.flags, false) != 0) return failed("read-only bind mount of", e.source);
        break;
      case RootEntry::kFile:
        if (write_file(target, e.source) != 0) return failed("write", e.path);
        break;
    }
  }
  // /dev: a few harmless nodes bound from the host, nothing else.
  std::string dev = root + "/dev";
  if (mkdir(dev.c_str(), 0755) != 0) return "mkdir /dev";
  if (mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755") != 0)
    return "mount /dev";
  for (const char* node : {"null", "zero", "full", "random", "urandom"}) {
    std::string target = dev + "/" + node;
    if (write_file(target, "") != 0) return "create a /dev node";
    if (mount((std::string("/dev/") + node).c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return "bind a /dev node";
  }
  const char* links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
                            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (auto& link : links)
    if (symlink(link[0], (dev + "/" + link[1]).c_str()) != 0) return "symlink in /dev";
  if (mkdir((dev + "/shm").c_str(), 01777) != 0) return "mkdir /dev/shm";
  if (mount_tmp((dev + "/shm").c_str(), tmp) != 0) return "mount /dev/shm";
  if (mount(nullptr, dev.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, nullptr) != 0)
    return "remount /dev read-only";

  if (mkdir((root + "/tmp").c_str(), 01777) != 0) return "mkdir /tmp";
  const std::string base_tmp = root + "/tmp";
  if (tmp.bytes == 0) {
    // The base /tmp holds the /proc stand-ins, then goes read-only.
    if (mount("tmpfs", base_tmp.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,nr_inodes=16,mode=0755") != 0)
      return "mount /tmp";
    for (const auto& [path, text] : spec.proc_masks)
      if (write_file(base_tmp + "/" + mask_file(path), text) != 0) return failed("write", "/tmp/" + mask_file(path));
    if (mount(nullptr, base_tmp.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
      return "remount /tmp read-only";
  } else if (mount_tmp(base_tmp.c_str(), tmp) != 0) {
    return "mount /tmp";
  }
  if (mkdir((root + "/proc").c_str(), 0555) != 0) return "mkdir /proc";
  if (mount("proc", (root + "/proc").c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return "mount /proc";
  if (mask_proc && tmp.bytes == 0)
    for (const auto& [path, text] : spec.proc_masks)
      if (bind_readonly(base_tmp + "/" + mask_file(path), root + "/proc/" + path, 0, false) != 0)
        return failed("mask", "/proc/" + path);

  if (chdir(root.c_str()) != 0) return "chdir to the new root";
  if (syscall(SYS_pivot_root, ".", ".") != 0) return "pivot_root";
  if (umount2(".", MNT_DETACH) != 0) return "detach the old root";
  if (chdir("/") != 0) return "chdir /";
  if (mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
    return "remount the root read-only";
  if (chdir("/tmp") != 0) return "chdir /tmp";
  return nullptr;
}

}  // namespace agentcoder::sandbox
