// Finds out what a configured interpreter needs inside the sandbox.
//
// probe_python() refuses anything but an absolute path to a real ELF
// interpreter (a pyenv or asdf shim is a shell script that would cost tens of
// milliseconds per run and read the host's home directory), runs it once on
// the host with a fixed script to learn its sys.path, and lists the host
// directories outside /usr the sandbox must bind read-only for it to work.
// Throws SandboxUnavailable with one line naming the problem.
#pragma once

#include <string>
#include <vector>

namespace agentcoder::sandbox {

struct PythonInfo {
  std::string path;                     // as configured (absolute)
  std::string version;                  // e.g. "3.11.2"
  std::vector<std::string> sys_path;    // the interpreter's sys.path with site
  std::vector<std::string> extra_dirs;  // host dirs outside /usr to bind
};

PythonInfo probe_python(const std::string& path);

}  // namespace agentcoder::sandbox
