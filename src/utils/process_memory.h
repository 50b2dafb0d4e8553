// Memory of the current process, read from /proc/self/status.
#pragma once

#include <cstdint>

namespace agentcoder {

uint64_t current_rss_bytes();  // VmRSS
uint64_t peak_rss_bytes();     // VmHWM: the most resident memory since start or the last reset

// Resets the peak (VmHWM) to the current RSS by writing "5" to
// /proc/self/clear_refs (Linux 4.0 and later). Returns false when the kernel
// does not allow it; the peak then still covers the whole process.
bool reset_peak_rss();

}  // namespace agentcoder
