// What a variant used, kept in the run's manifest: stored beside what the
// run began with, replaced by a later session's figures, read strictly.
#include "store/variant_resources.h"

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "support/temp_dir.h"
#include "utils/errors.h"

using namespace agentcoder;

namespace {

store::VariantResources figures(const std::string& variant, int64_t session_id, uint64_t peak) {
  store::VariantResources r;
  r.variant = variant;
  r.session_id = session_id;
  r.weight_bytes = 1000;
  r.peak_rss_bytes = peak;
  r.note = "session " + std::to_string(session_id);
  r.episodes = 3;
  r.prompt_tokens = 300;
  r.generated_tokens = 30;
  r.wall_ms = 1500;
  return r;
}

TEST(VariantResources, KeptInTheManifestAndReplacedByALaterSession) {
  agentcoder::testing::TempDir dir;
  store::ResultsStore results(dir.path("results.sqlite"));
  store::RunSession first = results.begin_run({"r", "seed = 1\n", nullptr, {{"seeds", {{"sampling", 1}}}}});
  store::VariantResources base = figures("base", first.session_id, 5000);
  store::VariantResources q4 = figures("q4", first.session_id, 4000);
  q4.gpu_bytes = 2000;
  results.put_variant_resources(first, base);
  results.put_variant_resources(first, q4);

  store::StoredRun run = results.pick_run("r");
  EXPECT_EQ(run.record.manifest["seeds"]["sampling"], 1) << "what the run began with stays";
  EXPECT_TRUE(run.record.manifest["variant_resources"]["base"]["gpu_bytes"].is_null()) << "null, never 0";
  std::map<std::string, store::VariantResources> stored = store::variant_resources(run);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored.at("base"), base);
  EXPECT_EQ(stored.at("q4"), q4);

  store::RunSession second = results.resume_run({"r", "seed = 1\n", nullptr, nlohmann::json::object()}, false);
  store::VariantResources again = figures("base", second.session_id, 6000);
  results.put_variant_resources(second, again);
  stored = store::variant_resources(results.pick_run("r"));
  EXPECT_EQ(stored.at("base"), again);
  EXPECT_EQ(stored.at("q4"), q4) << "a variant the later session did not run keeps its figures";
}

TEST(VariantResources, AMissingKeyIsRefused) {
  nlohmann::json j = to_json(figures("base", 1, 10));
  EXPECT_EQ(store::variant_resources_from_json(j), figures("base", 1, 10));
  j.erase("peak_rss_bytes");
  EXPECT_THROW(store::variant_resources_from_json(j), InputError);
}

}  // namespace
