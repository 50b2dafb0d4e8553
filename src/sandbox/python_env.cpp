#include "sandbox/python_env.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "sandbox/sandbox.h"

namespace agentcoder::sandbox {
namespace {

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

// One entry per line after the version line, so no JSON parser is needed.
constexpr const char* kProbe =
    "import sys\n"
    "print(sys.version.split()[0])\n"
    "for p in sys.path: print(p)\n";

}  // namespace

PythonInfo probe_python(const std::string& path) {
  auto fail = [&](const std::string& why) { throw SandboxUnavailable(path + ": " + why); };
  if (path.empty() || path[0] != '/') fail("must be an absolute path");
  if (path.find('\n') != std::string::npos) fail("contains a newline");
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) fail(std::strerror(errno));
  int fd = open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  char magic[4] = {};
  ssize_t n = read(fd, magic, 4);
  close(fd);
  if (n != 4 || std::memcmp(magic, "\x7f" "ELF", 4) != 0)
    fail(std::string("is not an ELF executable (") + real +
         " looks like a script, e.g. a pyenv shim; give the real interpreter, such as /usr/bin/python3)");
  if (access(real, X_OK) != 0) fail("is not executable");

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) fail(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(path.c_str()), const_cast<char*>("-I"), const_cast<char*>("-c"),
                  const_cast<char*>(kProbe), nullptr};
  char env0[] = "LANG=C.UTF-8";
  char* envp[] = {env0, nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    fail(std::string("cannot run: ") + std::strerror(rc));
  }
  std::string text;
  char buf[4096];
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("failed to report its sys.path");

  PythonInfo info;
  info.path = path;
  std::istringstream lines(text);
  std::getline(lines, info.version);
  if (info.version.rfind("3.", 0) != 0) fail("is not Python 3 (version '" + info.version + "')");
  std::string entry;
  while (std::getline(lines, entry))
    if (!entry.empty()) info.sys_path.push_back(entry);

  auto add_dir = [&](const std::string& dir) {
    if (under(dir, "/usr")) return;
    for (const std::string& d : info.extra_dirs)
      if (under(dir, d)) return;
    info.extra_dirs.push_back(dir);
  };
  std::string prefix = real;
  prefix = prefix.substr(0, prefix.rfind('/'));  // .../bin
  prefix = prefix.substr(0, prefix.rfind('/'));  // the installation prefix
  if (!under(real, "/usr")) add_dir(prefix.empty() ? "/" : prefix);
  for (const std::string& p : info.sys_path) {
    struct stat st;
    char rp[PATH_MAX];
    if (stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && realpath(p.c_str(), rp)) add_dir(rp);
  }
  return info;
}

}  // namespace agentcoder::sandbox
