// Episode identity: equal keys give equal ids; each field that could change
// the model's behaviour changes the id; the canonical form is pinned, so ids
// stay the same across builds and machines.
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "store/episode_key.h"
#include "store_test_util.h"
#include "utils/errors.h"

namespace {

using namespace store_test;
using agentcoder::InputError;

TEST(EpisodeKey, EqualKeysHaveEqualIds) {
  EpisodeKey a = make_key(3);
  EpisodeKey b = make_key(3);
  EXPECT_EQ(a.id(), b.id());
  EXPECT_EQ(a.id().size(), 64u);
  EXPECT_NE(make_key(3).id(), make_key(4).id());
}

TEST(EpisodeKey, EveryFieldChangesTheId) {
  const EpisodeKey base = make_key(1);  // has an adapter
  std::vector<std::pair<std::string, std::function<void(EpisodeKey&)>>> changes = {
      {"task_id", [](EpisodeKey& k) { k.task_id += "x"; }},
      {"task_sha256", [](EpisodeKey& k) { k.task_sha256 = hash_of("other task"); }},
      {"model_sha256", [](EpisodeKey& k) { k.model_sha256 = hash_of("other model"); }},
      {"adapter sha256", [](EpisodeKey& k) { k.adapters[0].sha256 = hash_of("other adapter"); }},
      {"adapter scale", [](EpisodeKey& k) { k.adapters[0].scale = 0.75; }},
      {"adapter removed", [](EpisodeKey& k) { k.adapters.clear(); }},
      {"adapter added", [](EpisodeKey& k) { k.adapters.push_back({"b.gguf", hash_of("b"), 1.0}); }},
      {"prompt_format", [](EpisodeKey& k) { k.prompt_format = "cot"; }},
      {"prompt_sha256", [](EpisodeKey& k) { k.prompt_sha256 = hash_of("edited prompt"); }},
      {"mode", [](EpisodeKey& k) { k.mode = "force_text"; }},
      {"seed", [](EpisodeKey& k) { k.seed += 1; }},
      {"sample", [](EpisodeKey& k) { k.sample = 1; }},
      {"tool removed", [](EpisodeKey& k) { k.tools.pop_back(); }},
      {"tool added", [](EpisodeKey& k) { k.tools.push_back("docs"); }},
      {"tool_schema_sha256", [](EpisodeKey& k) { k.tool_schema_sha256 = hash_of("new schemas"); }},
      {"settings", [](EpisodeKey& k) { k.settings["temperature"] = 0.7; }},
      {"harness_version", [](EpisodeKey& k) { k.harness_version += 1; }},
  };
  std::set<std::string> ids{base.id()};
  for (const auto& [what, change] : changes) {
    EpisodeKey k = base;
    change(k);
    EXPECT_NE(k.id(), base.id()) << what;
    ids.insert(k.id());
  }
  EXPECT_EQ(ids.size(), changes.size() + 1) << "two different changes gave the same id";
}

TEST(EpisodeKey, ToolOrderAndAdapterPathDoNotChangeTheId) {
  EpisodeKey a = make_key(1);
  EpisodeKey b = a;
  std::reverse(b.tools.begin(), b.tools.end());
  b.adapters[0].path = "/moved/elsewhere/dpo.gguf";
  EXPECT_EQ(a.id(), b.id());
}

TEST(EpisodeKey, CanonicalFormIsPinned) {
  EpisodeKey k;
  k.task_id = "t1";
  k.model_sha256 = std::string(64, 'a');
  k.adapters.push_back({"x.gguf", std::string(64, 'b'), 0.5});
  k.prompt_format = "direct";
  k.mode = "free";
  k.seed = 7;
  k.tools = {"python", "math"};
  k.settings = {{"temperature", 0}};
  k.harness_version = 3;
  // Written out by hand: if this changes, every stored id changes, which
  // needs a new key_version.
  std::string expected = R"({"adapters":[{"scale":0.5,"sha256":")" + std::string(64, 'b') +
                         R"("}],"harness_version":3,"key_version":2,"mode":"free","model_sha256":")" +
                         std::string(64, 'a') +
                         R"(","prompt_format":"direct","prompt_sha256":"","seed":7,"settings":{"temperature":0},)"
                         R"("task_id":"t1","task_sha256":"","tool_schema_sha256":"","tools":["math","python"]})";
  EXPECT_EQ(k.canonical_json().dump(), expected);
  EXPECT_EQ(k.id(), hash_of(expected));
}

// Sample 0 is absent from the canonical form, so keys stored before repeated
// samples keep their ids; sample 3 enters it.
TEST(EpisodeKey, SampleEntersTheCanonicalFormOnlyAboveZero) {
  EpisodeKey k = make_key(1);
  EXPECT_FALSE(k.canonical_json().contains("sample"));
  k.sample = 3;
  EXPECT_EQ(k.canonical_json().at("sample"), 3);
  k.sample = -1;
  EXPECT_THROW(k.id(), agentcoder::InputError);
}

TEST(EpisodeKey, JsonRoundTrip) {
  EpisodeKey k = make_key(5);
  EXPECT_EQ(episode_key_from_json(episode_key_to_json(k)), k);
  k.sample = 2;
  EXPECT_EQ(episode_key_from_json(episode_key_to_json(k)), k);
  nlohmann::json before_samples = episode_key_to_json(k);
  before_samples.erase("sample");
  EXPECT_EQ(episode_key_from_json(before_samples).sample, 0);
}

TEST(EpisodeKey, InvalidFieldsAreNamed) {
  auto message = [](const std::function<void(EpisodeKey&)>& change) {
    EpisodeKey k = make_key(1);
    change(k);
    try {
      k.id();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([](EpisodeKey& k) { k.task_id.clear(); }).find("'task_id'"), std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.mode.clear(); }).find("'mode'"), std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.model_sha256 = "models/x.gguf"; }).find("'model_sha256'"),
            std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.model_sha256 = ""; }).find("'model_sha256'"), std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.adapters[0].sha256 = "ABC"; }).find("'adapters[0].sha256'"),
            std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.prompt_sha256 = "123"; }).find("'prompt_sha256'"), std::string::npos);
  EXPECT_NE(message([](EpisodeKey& k) { k.task_id = "bad\xff"; }).find("'task_id'"), std::string::npos);
}

}  // namespace
