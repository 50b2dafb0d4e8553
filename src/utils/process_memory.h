// Memory of the current process, read from /proc/self/status.
#pragma once

#include <cstdint>

namespace agentcoder {

uint64_t current_rss_bytes();  // VmRSS
uint64_t peak_rss_bytes();     // VmHWM

}  // namespace agentcoder
