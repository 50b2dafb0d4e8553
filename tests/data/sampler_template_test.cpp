// Parameter samplers, the seeded random source and prompt templates.
#include <set>

#include <gtest/gtest.h>

#include "data/param_sampler.h"
#include "data/rng.h"
#include "data/template.h"

using namespace agentcoder::data;
using json = nlohmann::ordered_json;

TEST(Rng, BetweenStaysInRangeAndCoversIt) {
  Rng rng(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    int64_t x = rng.between(-3, 4);
    ASSERT_GE(x, -3);
    ASSERT_LE(x, 4);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(Rng, DerivedSeedsDependOnTheLabel) {
  EXPECT_EQ(derive_seed(1, "a"), derive_seed(1, "a"));
  EXPECT_NE(derive_seed(1, "a"), derive_seed(1, "b"));
  EXPECT_NE(derive_seed(1, "a"), derive_seed(2, "a"));
}

TEST(Sampler, SameSeedSameDrawsOtherSeedOtherDraws) {
  json spec = json::parse(R"({"n": {"int": [1, 1000000]}, "w": {"word": {"len": 12}}, "xs": {"list": {"len": 5, "lo": 0, "hi": 99}}})");
  EXPECT_EQ(sample_params(spec, 11), sample_params(spec, 11));
  EXPECT_NE(sample_params(spec, 11), sample_params(spec, 12));
}

TEST(Sampler, ParametersDoNotDependOnTableOrder) {
  json a = json::parse(R"({"x": {"int": [0, 1000000]}, "y": {"int": [0, 1000000]}})");
  json b = json::parse(R"({"y": {"int": [0, 1000000]}, "x": {"int": [0, 1000000]}})");
  json pa = sample_params(a, 5), pb = sample_params(b, 5);
  EXPECT_EQ(pa["x"], pb["x"]);
  EXPECT_EQ(pa["y"], pb["y"]);
}

TEST(Sampler, EachKindRespectsItsBounds) {
  json spec = json::parse(R"({
    "d": {"int": [5, 9]},
    "big": {"digits": "d"},
    "pick": {"choice": ["a", "b"]},
    "some": {"sample": {"from": [1, 2, 3, 4, 5], "k": 3}},
    "xs": {"list": {"len": "d", "lo": 10, "hi": 20, "distinct": true, "sorted": true}},
    "w": {"word": {"len": 4, "alphabet": "xy"}},
    "money": {"decimal": {"lo": 1, "hi": 2, "places": 2}},
    "day": {"date": ["2024-02-27", "2024-03-02"]},
    "lit": {"value": {"k": 1}},
    "c": 42})");
  for (uint64_t seed = 0; seed < 50; ++seed) {
    json p = sample_params(spec, seed);
    int64_t d = p["d"];
    ASSERT_GE(d, 5);
    ASSERT_LE(d, 9);
    std::string big = p["big"];
    EXPECT_EQ(big.size(), static_cast<size_t>(d));
    EXPECT_NE(big[0], '0');
    EXPECT_TRUE(p["pick"] == "a" || p["pick"] == "b");
    std::set<int> some(p["some"].begin(), p["some"].end());
    EXPECT_EQ(some.size(), 3u);
    ASSERT_EQ(p["xs"].size(), static_cast<size_t>(d));
    for (size_t i = 1; i < p["xs"].size(); ++i) EXPECT_LT(p["xs"][i - 1], p["xs"][i]);
    EXPECT_EQ(p["w"].get<std::string>().find_first_not_of("xy"), std::string::npos);
    double money = std::stod(p["money"].get<std::string>());
    EXPECT_GE(money, 1.0);
    EXPECT_LE(money, 2.0);
    EXPECT_EQ(p["money"].get<std::string>().size(), 4u);  // "1.xx" or "2.00"
    std::string day = p["day"];
    EXPECT_TRUE(day == "2024-02-27" || day == "2024-02-28" || day == "2024-02-29" || day == "2024-03-01" ||
                day == "2024-03-02") << day;
    EXPECT_EQ(p["lit"]["k"], 1);
    EXPECT_EQ(p["c"], 42);
  }
}

TEST(Sampler, BadSpecsNameTheParameter) {
  EXPECT_THROW(sample_params(json::parse(R"({"a": {"int": [5, 1]}})"), 1), std::invalid_argument);
  EXPECT_THROW(sample_params(json::parse(R"({"a": {"digits": "missing"}})"), 1), std::invalid_argument);
  EXPECT_THROW(sample_params(json::parse(R"({"a": {"digits": "a"}})"), 1), std::invalid_argument);
  try {
    sample_params(json::parse(R"({"zz": {"gauss": 1}})"), 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'zz'"), std::string::npos);
  }
}

TEST(Dates, CivilConversionRoundTripsAndKnowsLeapYears) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);  // 2000 is a leap year
  EXPECT_EQ(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);  // 1900 is not
  for (int64_t d = -800000; d < 800000; d += 997) {
    std::string s = civil_from_days(d);
    int y;
    unsigned m, day;
    ASSERT_EQ(std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &day), 3);
    EXPECT_EQ(days_from_civil(y, m, day), d) << s;
  }
}

TEST(Template, RendersPathsFiltersAndPythonLiterals) {
  json ctx = json::parse(R"({"a": 3, "s": "it's", "xs": [1, 2], "o": {"k": [true, null]}, "names": ["x", "y"]})");
  EXPECT_EQ(render_template("{{a}} + {{ xs.1 }}", ctx), "3 + 2");
  EXPECT_EQ(render_template("{{s}} {{s|repr}}", ctx), "it's 'it\\'s'");
  EXPECT_EQ(render_template("{{xs}} {{xs|csv}} {{xs|len}}", ctx), "[1, 2] 1, 2 2");
  EXPECT_EQ(render_template("{{o}}", ctx), "{'k': [True, None]}");
  EXPECT_EQ(render_template("{{names|lines}}", ctx), "x\ny");
  EXPECT_EQ(render_template("{{o|key}}", ctx), "k");
  EXPECT_THROW(render_template("{{nope}}", ctx), std::invalid_argument);
  EXPECT_THROW(render_template("{{a|shout}}", ctx), std::invalid_argument);
  EXPECT_EQ(sole_placeholder("{{o.k}}"), "o.k");
  EXPECT_EQ(sole_placeholder("x{{o.k}}"), "");
}
