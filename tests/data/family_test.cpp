// Family definitions: the built-in set meets the issue's coverage rules, and
// a malformed family file is refused with its field named.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/family.h"
#include "utils/errors.h"

using namespace agentcoder::data;

namespace {

const char* kMinimal = R"(
id = "t.min"
category = "ambiguous"
kind = "simple_math"
optimal_tool = "none"
reasoning = "r"
check = "exact"
knobs = ["n"]
phrasings = ["a {{n}}", "b {{n}}", "c {{n}}"]
reference = '''
def solve(p):
    return {"answer": str(p["n"])}
'''
[levels.easy]
meaning = "m"
params = { n = 1 }
[levels.intermediate]
meaning = "m"
params = { n = 2 }
[levels.hard]
meaning = "m"
params = { n = 3 }
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

void expect_refused(const std::string& text, const std::string& field) {
  try {
    parse_family_toml(text, "test.toml");
    ADD_FAILURE() << "accepted a family with a bad '" << field << "'";
  } catch (const agentcoder::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("field '" + field + "'"), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Family, MinimalFamilyParses) {
  Family f = parse_family_toml(kMinimal, "test.toml");
  EXPECT_EQ(f.id, "t.min");
  EXPECT_EQ(f.level(Difficulty::hard).params["n"], 3);
  EXPECT_EQ(f.reference_sha256.size(), 64u);
}

TEST(Family, MalformedFamiliesAreRefused) {
  expect_refused(replaced(kMinimal, R"("c {{n}}")", ""), "phrasings");
  expect_refused(replaced(kMinimal, R"(category = "ambiguous")", R"(category = "misc")"), "category");
  expect_refused(replaced(kMinimal, R"(kind = "simple_math")", R"(kind = "numerical")"), "kind");  // another category's
  expect_refused(replaced(kMinimal, "kind = \"simple_math\"\n", ""), "kind");
  expect_refused(replaced(kMinimal, R"(knobs = ["n"])", R"(knobs = ["m"])"), "knobs");
  expect_refused(replaced(kMinimal, "def solve(p):", "def answer(p):"), "reference");
  expect_refused(replaced(kMinimal, R"(check = "exact")", R"(check = "numeric")"), "abs_tol");
  expect_refused(replaced(kMinimal, R"(reasoning = "r")", "reasoning = \"r\"\nflavour = 1"), "flavour");
  expect_refused(replaced(kMinimal, "[levels.hard]\nmeaning = \"m\"\nparams = { n = 3 }", ""), "levels.hard");
  EXPECT_THROW(parse_family_toml("id = [", "bad.toml"), agentcoder::InputError);
}

TEST(Family, BuiltinSetCoversEveryCategoryWithTwelveFamilies) {
  std::vector<Family> families = builtin_families();
  std::map<Category, int> per_category;
  std::map<Category, std::set<std::string>> splits;
  std::set<std::string> ids;
  for (const auto& f : families) {
    EXPECT_TRUE(ids.insert(f.id).second) << f.id;
    per_category[f.category]++;
    splits[f.category].insert(f.split);
    EXPECT_GE(f.phrasings.size(), 3u) << f.id;
    EXPECT_FALSE(f.knobs.empty()) << f.id << " records no difficulty knob";
    for (Difficulty d : kDifficulties) EXPECT_FALSE(f.level(d).meaning.empty()) << f.id;
  }
  for (Category c : kCategories) {
    EXPECT_GE(per_category[c], 12) << to_string(c);
    EXPECT_EQ(splits[c], (std::set<std::string>{"train", "dev", "test"})) << to_string(c);
  }
}

TEST(Family, TrapsOnBothSidesAndMultiStepKindsExist) {
  std::set<std::string> over, under;
  bool docs_first = false, retry = false;
  for (const auto& f : builtin_families()) {
    if (f.trap == "over_use") over.insert(f.id);
    if (f.trap == "under_use") under.insert(f.id);
    if (!f.expected_tools.empty() && f.expected_tools.front() == "docs") docs_first = true;
    if (f.expected_tools.size() >= 2 && f.expected_tools[0] == "python") retry = true;
  }
  EXPECT_GE(over.size(), 3u);
  EXPECT_GE(under.size(), 3u);
  EXPECT_TRUE(docs_first);
  EXPECT_TRUE(retry);
}

// Splitting per category put 8 of 54 families in test, so a study on the test
// split never measured code review, explanation, algorithm design, small-data
// operations or documentation tasks. Every sub-kind now has families in all
// three splits, and every family's sub-kind is one its category lists.
TEST(Family, EverySubKindHasFamiliesInTrainDevAndTest) {
  using SubKind = std::pair<Category, std::string>;
  std::map<SubKind, std::map<std::string, int>> splits;
  for (const auto& f : builtin_families()) {
    const auto& kinds = sub_kinds(f.category);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), f.kind), kinds.end()) << f.id << ": " << f.kind;
    splits[{f.category, f.kind}][f.split]++;
  }
  for (Category c : kCategories)
    for (const std::string& kind : sub_kinds(c))
      for (const char* split : {"train", "dev", "test"})
        EXPECT_GE(splits[SubKind(c, kind)][split], 1) << to_string(c) << "/" << kind << " has no family in " << split;
}

TEST(Family, SplitsDependOnIdsOnly) {
  std::vector<Family> a = builtin_families(), b = builtin_families();
  for (auto& f : b) f.split.clear();
  std::reverse(b.begin(), b.end());
  assign_splits(b);
  std::map<std::string, std::string> split_of;
  for (const auto& f : a) split_of[f.id] = f.split;
  for (const auto& f : b) EXPECT_EQ(f.split, split_of[f.id]) << f.id;
}
