// Time as the harness records it: wall-clock instants as ISO 8601 UTC text
// with milliseconds ("2026-12-05T03:41:07.123Z"), durations from the
// monotonic clock.
#pragma once

#include <chrono>
#include <string>

namespace agentcoder {

std::string utc_now();

// Milliseconds / seconds from `start` to now (steady clock).
double ms_since(std::chrono::steady_clock::time_point start);
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace agentcoder
