// agentcoder-sandbox-launcher: the binary the sandbox re-executes for each
// slot's launcher when the supervisor is a Python process (sandbox.h,
// set_launcher_executable). Started by the sandbox, launcher.cpp's
// constructor takes over before main(); started any other way, it refuses.
#include <cstdio>

#include "sandbox/launcher.h"

int main() {
  // Keeps launcher.cpp (and its constructor) in the link.
  volatile auto keep = &agentcoder::sandbox::launcher_main;
  (void)keep;
  std::fprintf(stderr, "agentcoder-sandbox-launcher: started only by the sandbox of the agentcoder Python module\n");
  return 2;
}
