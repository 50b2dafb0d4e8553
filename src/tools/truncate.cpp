#include "tools/truncate.h"

namespace agentcoder::tools {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Largest n <= want such that text[0, n) ends on a character boundary.
size_t head_length(const std::string& text, size_t want) {
  if (want >= text.size()) return text.size();
  while (want > 0 && is_continuation(static_cast<unsigned char>(text[want]))) --want;
  return want;
}

// Start of a tail of at most `want` bytes that begins on a character boundary.
size_t tail_start(const std::string& text, size_t want) {
  if (want >= text.size()) return 0;
  size_t start = text.size() - want;
  while (start < text.size() && is_continuation(static_cast<unsigned char>(text[start]))) ++start;
  return start;
}

}  // namespace

std::string truncate_middle(const std::string& text, size_t max_chars) {
  if (max_chars == 0 || text.size() <= max_chars) return text;
  if (max_chars < 64) return text.substr(0, head_length(text, max_chars));
  // The marker's digits depend on what is omitted; reserve room for the
  // longest it can be, then build it.
  const std::string probe = "\n... [" + std::to_string(text.size()) + " characters omitted] ...\n";
  size_t room = max_chars - probe.size();
  size_t head = head_length(text, room * 2 / 5);
  size_t tail = tail_start(text, room - head);
  std::string marker = "\n... [" + std::to_string(tail - head) + " characters omitted] ...\n";
  return text.substr(0, head) + marker + text.substr(tail);
}

std::string truncate_end(const std::string& text, size_t max_chars) {
  if (text.size() <= max_chars) return text;
  if (max_chars <= 3) return text.substr(0, head_length(text, max_chars));
  size_t cut = head_length(text, max_chars - 3);
  // Prefer to end at a space if one is within the last fifth.
  size_t space = text.rfind(' ', cut);
  if (space != std::string::npos && space > cut - cut / 5) cut = space;
  return text.substr(0, cut) + "...";
}

}  // namespace agentcoder::tools
