// The data card's sub-kind coverage: families and tasks per split for every
// sub-kind of each category present, zeros included.
#include <gtest/gtest.h>

#include "data/data_card.h"

using namespace agentcoder::data;

namespace {

Task generated(const std::string& family, const std::string& kind, const std::string& split) {
  Task t;
  t.id = family + "/" + split;
  t.category = Category::pure_reasoning;
  t.generator.family = family;
  t.generator.kind = kind;
  t.split = split;
  return t;
}

std::string row_of(const std::string& card, const std::string& start) {
  size_t pos = card.find("\n" + start);
  if (pos == std::string::npos) return "";
  return card.substr(pos + 1, card.find('\n', pos + 1) - pos - 1);
}

}  // namespace

TEST(DataCard, SubKindCoverageCountsFamiliesAndTasksPerSplit) {
  std::vector<Task> tasks = {generated("pure.a", "code_review", "test"), generated("pure.a", "code_review", "test"),
                             generated("pure.b", "code_review", "dev"), generated("pure.c", "conceptual", "train")};
  tasks[1].id = "second";
  std::string card = data_card("f.jsonl", "abc", tasks, 0);
  ASSERT_NE(card.find("sub-kinds: families (tasks) per split"), std::string::npos) << card;
  std::string header = row_of(card, "category            sub-kind");
  EXPECT_NE(header.find("test"), std::string::npos) << card;
  EXPECT_LT(header.find("test"), header.find("dev"));
  EXPECT_LT(header.find("dev"), header.find("train"));
  EXPECT_EQ(row_of(card, "pure_reasoning      code_review"),
            "pure_reasoning      code_review                 1 (2)       1 (1)       0 (0)");
  EXPECT_EQ(row_of(card, "pure_reasoning      conceptual"),
            "pure_reasoning      conceptual                  0 (0)       0 (0)       1 (1)");
  // A sub-kind with no task still has its row, so a gap shows.
  EXPECT_EQ(row_of(card, "pure_reasoning      explanation"),
            "pure_reasoning      explanation                 0 (0)       0 (0)       0 (0)");
  EXPECT_EQ(row_of(card, "ambiguous"), "");  // no ambiguous task: no rows for its sub-kinds
}

TEST(DataCard, ImportsAloneShowNoSubKinds) {
  Task t;
  t.id = "bfcl/1";
  t.source = "bfcl";
  std::string card = data_card("f.jsonl", "abc", {t}, 0);
  EXPECT_EQ(card.find("sub-kinds"), std::string::npos) << card;
}
