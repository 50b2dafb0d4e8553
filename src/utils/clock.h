// Time as the harness records it: wall-clock instants as ISO 8601 UTC text
// with milliseconds ("2026-12-05T03:41:07.123Z"), durations from the
// monotonic clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace agentcoder {

std::string utc_now();

// An instant in milliseconds since the epoch, as that text; and back
// (nullopt for text that is not such an instant; milliseconds optional).
std::string format_utc_ms(int64_t ms);
std::optional<int64_t> parse_utc_ms(const std::string& text);

// Milliseconds / seconds from `start` to now (steady clock).
double ms_since(std::chrono::steady_clock::time_point start);
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace agentcoder
