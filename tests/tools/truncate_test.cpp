#include "tools/truncate.h"

#include <gtest/gtest.h>

#include <regex>

#include "utils/utf8.h"

namespace agentcoder::tools {
namespace {

std::string digits(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>('0' + i % 10);
  return s;
}

TEST(TruncateMiddle, ShortTextIsUnchanged) {
  EXPECT_EQ(truncate_middle("hello", 5), "hello");
  EXPECT_EQ(truncate_middle("hello", 0), "hello");  // no limit
}

TEST(TruncateMiddle, KeepsHeadAndTailAndCountsWhatItOmits) {
  std::string text = "HEAD" + digits(10000) + "TAIL";
  for (size_t budget : {64, 100, 500, 2000}) {
    std::string out = truncate_middle(text, budget);
    EXPECT_LE(out.size(), budget);
    EXPECT_EQ(out.substr(0, 4), "HEAD");
    EXPECT_EQ(out.substr(out.size() - 4), "TAIL");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(\n\.\.\. \[(\d+) characters omitted\] \.\.\.\n)")));
    size_t omitted = std::stoul(m[1]);
    // What is kept plus what is reported omitted is the whole text.
    EXPECT_EQ(out.size() - m[0].length() + omitted, text.size());
    // The kept parts are the text's own head and tail.
    std::string head = out.substr(0, m.position(0));
    std::string tail = out.substr(m.position(0) + m[0].length());
    EXPECT_EQ(text.substr(0, head.size()), head);
    EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
  }
}

TEST(TruncateMiddle, TinyBudgetKeepsTheHead) { EXPECT_EQ(truncate_middle(digits(100), 10), digits(10)); }

TEST(TruncateMiddle, NeverSplitsUtf8) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "\xE2\x82\xAC";  // euro sign, 3 bytes
  for (size_t budget = 64; budget < 80; ++budget) {
    std::string out = truncate_middle(text, budget);
    EXPECT_LE(out.size(), budget);
    EXPECT_EQ(valid_utf8(out), out) << budget;
  }
}

TEST(TruncateEnd, CutsAtAWordAndMarksIt) {
  EXPECT_EQ(truncate_end("short", 10), "short");
  std::string out = truncate_end("the quick brown fox jumps over the lazy dog", 20);
  EXPECT_LE(out.size(), 20u);
  EXPECT_EQ(out, "the quick brown...");
  EXPECT_EQ(truncate_end("abcdefghij", 6), "abc...");
  EXPECT_EQ(truncate_end("abcdefghij", 2), "ab");
}

TEST(Utf8, ReplacesInvalidSequencesOnly) {
  EXPECT_EQ(valid_utf8("plain \xC3\xA9 \xF0\x9F\x98\x80"), "plain \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(valid_utf8("\xC3"), "\xEF\xBF\xBD");            // cut short
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong "/"
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace agentcoder::tools
