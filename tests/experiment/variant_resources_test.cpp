// What a run stores per model variant (store/variant_resources.h): the
// weight bytes equal the GGUF's tensor bytes (read here with the gguf API,
// apart from llama.cpp's loader), the peak RSS is this process's, GPU bytes
// are null where llama.cpp sees no GPU, the token counts are the stored
// episodes', and a resumed run replaces the figures and says so.
#include <numeric>

#include "experiment/plan.h"
#include "experiment/runner.h"
#include "experiment_fixture.h"
#include "gguf.h"
#include "models/llama_runtime.h"
#include "store/variant_resources.h"
#include "utils/process_memory.h"

namespace experiment_test {
namespace {

uint64_t gguf_tensor_bytes(const std::string& path) {
  gguf_init_params params{true, nullptr};  // no_alloc: the tensor infos only
  gguf_context* ctx = gguf_init_from_file(path.c_str(), params);
  EXPECT_NE(ctx, nullptr) << path;
  if (ctx == nullptr) return 0;
  uint64_t bytes = 0;
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) bytes += gguf_get_tensor_size(ctx, i);
  gguf_free(ctx);
  return bytes;
}

int64_t stored_generated_tokens(store::ResultsStore& results, int64_t run_id, int64_t session_id) {
  int64_t sum = 0;
  for (const auto& e : results.list_episodes(run_id))
    if (e.session_id == session_id) sum += e.record.generated_tokens;
  return sum;
}

TEST_F(ExperimentTest, RunStoresEachVariantsMemoryAndResumeReplacesIt) {
  experiment::Plan p = experiment::plan(config("mem"), {dir_ + "/r"});
  std::vector<size_t> even, odd;
  for (size_t i = 0; i < p.episodes.size(); ++i) (i % 2 ? odd : even).push_back(i);
  store::ResultsStore results(p.results_path);
  experiment::RunOptions first;
  first.only = even;
  ASSERT_EQ(experiment::run(p, results, first).ran, even.size());
  const uint64_t process_peak = peak_rss_bytes();

  store::StoredRun run = results.pick_run("mem");
  ASSERT_TRUE(run.record.manifest.contains("variant_resources")) << run.record.manifest.dump(2);
  const nlohmann::json& stored = run.record.manifest["variant_resources"]["tiny"];
  ASSERT_TRUE(stored.contains("gpu_bytes"));
  std::map<std::string, store::VariantResources> by_variant = store::variant_resources(run);
  ASSERT_EQ(by_variant.size(), 1u);
  const store::VariantResources& r = by_variant.at("tiny");
  EXPECT_EQ(r.weight_bytes, gguf_tensor_bytes(AGENTCODER_TINY_MODEL));
  EXPECT_GT(r.weight_bytes, 0u);
  // The high-water mark since the variant's model load: this process's
  // peak read afterwards is as high, give or take the kernel's lazily summed
  // RSS counters (a few pages per CPU). With the file mapped, the peak need
  // not reach the weight bytes: pages never read, such as unused
  // token-embedding rows, are never resident.
  EXPECT_GT(r.peak_rss_bytes, 0u);
  EXPECT_LE(r.peak_rss_bytes, process_peak + (4u << 20));
  if (models::gpu_free_bytes()) {
    EXPECT_TRUE(r.gpu_bytes.has_value());
  } else {
    EXPECT_FALSE(r.gpu_bytes.has_value()) << "no GPU: null, never 0";
    EXPECT_TRUE(stored["gpu_bytes"].is_null());
  }
  EXPECT_EQ(r.episodes, static_cast<int64_t>(even.size()));
  EXPECT_EQ(r.generated_tokens, stored_generated_tokens(results, run.run_id, r.session_id));
  EXPECT_GT(r.generated_tokens, 0);
  EXPECT_GT(r.wall_ms, 0.0);
  EXPECT_EQ(r.note.find("resumed"), std::string::npos) << r.note;

  experiment::RunOptions rest;
  rest.resume = true;
  ASSERT_EQ(experiment::run(p, results, rest).ran, odd.size());
  store::VariantResources again = store::variant_resources(results.pick_run("mem")).at("tiny");
  EXPECT_NE(again.session_id, r.session_id);
  EXPECT_EQ(again.episodes, static_cast<int64_t>(odd.size()));
  EXPECT_EQ(again.generated_tokens, stored_generated_tokens(results, run.run_id, again.session_id));
  EXPECT_EQ(again.weight_bytes, r.weight_bytes);
  EXPECT_NE(again.note.find("resumed run"), std::string::npos) << again.note;
  EXPECT_NE(again.note.find(std::to_string(even.size()) + " episodes stored by earlier sessions"), std::string::npos)
      << again.note;
}

}  // namespace
}  // namespace experiment_test
