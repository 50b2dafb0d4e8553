// Prints OMP_WAIT_POLICY as this process sees it in main(). It links the
// models library's start-up hook (llama_runtime.cpp) as every executable of
// the harness does; openmp_wait_test.cpp runs it.
#include <cstdio>
#include <cstdlib>

#include "models/llama_runtime.h"

int main() {
  agentcoder::models::ensure_llama_backend();  // links llama_runtime.cpp, and so its hook
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("%s\n", policy ? policy : "(unset)");
  return 0;
}
