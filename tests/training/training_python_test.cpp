// The exports as a researcher loads them: python/check_training_exports.py
// reads each file with `datasets` and passes SFT and DPO rows through TRL's
// own data preparation (SFTTrainer, DPOTrainer) with a tiny tool-aware
// tokenizer. Two sources: the tiny-model run through the binary (sft, kto,
// rewards; its random model is never right, so it has no pairs) and the
// hand-made run (sft with parsed calls and tool results, dpo pairs). The
// Inspect AI log of each is read and converted by inspect_ai
// (python/check_inspect_log.py).
//
// Needs the pinned environment $AGENTCODER_HOME/venv (python/requirements.txt),
// which scripts/setup.sh creates. Without it the tests are skipped with that
// reason, unless AGENTCODER_REQUIRE_PYTHON_ENV is set (CI), where they fail.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "support/cli_run.h"
#include "support/python_env.h"
#include "support/temp_dir.h"
#include "tiny_run.h"
#include "training/dpo.h"
#include "training/export_file.h"
#include "training/inspect_log.h"
#include "training/sft.h"
#include "training_fixture.h"

using agentcoder::testing::run_cli;
using agentcoder::testing::python_or_skip;
using agentcoder::testing::run_shell;
using agentcoder::testing::TempDir;

namespace {

std::string check(const std::string& python, const std::string& args) {
  return python + " " AGENTCODER_CHECK_SCRIPT " " + args + " 2>&1";
}

}  // namespace

TEST(TrainingPython, TinyRunExportsLoadAndPrepare) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  const std::string config = training_test::make_tiny_run(dir, "tiny");
  const std::string run = dir.path("results/tiny");
  for (const std::string kind : {"sft", "kto", "rewards"}) {
    auto r = run_cli(AGENTCODER_BIN, "export " + kind + " " + run + " --config " + config + " -o " +
                                         dir.path(kind + ".jsonl") + (kind == "sft" ? " --select all" : ""));
    ASSERT_EQ(r.code, 0) << r.out;
  }
  auto r = run_shell(check(python, "--sft " + dir.path("sft.jsonl") + " --kto " + dir.path("kto.jsonl") +
                                       " --rewards " + dir.path("rewards.jsonl")));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("SFTTrainer prepared 12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all exports load and prepare"), std::string::npos) << r.out;
}

TEST(TrainingPython, CallsAndPairsLoadAndPrepare) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  agentcoder::training::TrainingSet set = training_test::make_set(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8});
  const std::string sft = agentcoder::training::jsonl_text(
      agentcoder::training::sft_rows(set, agentcoder::training::Selection::all, {}));
  const std::string dpo = agentcoder::training::jsonl_text(agentcoder::training::dpo_pairs(set, false).rows);
  agentcoder::training::write_export(dir.path("sft.jsonl"), sft, agentcoder::training::export_meta("sft", set.run, {}, {}, sft));
  agentcoder::training::write_export(dir.path("dpo.jsonl"), dpo, agentcoder::training::export_meta("dpo", set.run, {}, {}, dpo));
  auto r = run_shell(check(python, "--sft " + dir.path("sft.jsonl") + " --dpo " + dir.path("dpo.jsonl")));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("SFTTrainer prepared 9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DPOTrainer prepared 3"), std::string::npos) << r.out;
}

// `agentcoder export inspect` as Inspect AI reads it: read_eval_log, then
// `inspect log convert --to eval` and the .eval read back alike
// (python/check_inspect_log.py). The tiny-model run goes through the binary
// (its force_tool replies do not parse: malformed calls); the hand-made run
// has calls that ran, a failed one and a second seed (an epoch 2).
TEST(TrainingPython, TinyRunInspectLogLoadsAndConverts) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  const std::string config = training_test::make_tiny_run(dir, "tiny");
  auto r = run_cli(AGENTCODER_BIN, "export inspect " + dir.path("results/tiny") + " --config " + config + " -o " +
                                       dir.path("tiny.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  r = run_shell(python + " " AGENTCODER_INSPECT_CHECK_SCRIPT " " + dir.path("tiny.json") + " --samples 12 2>&1");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("read_eval_log: 12 samples"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inspect log loads and converts"), std::string::npos) << r.out;
}

TEST(TrainingPython, InspectLogWithCallsLoadsAndConverts) {
  const std::string python = python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no Python environment at " << agentcoder::project_python() << " (scripts/setup.sh creates it)";
  TempDir dir;
  training_test::Spec second_seed = training_test::specs()[0];
  second_seed.seed = 8;
  agentcoder::training::TrainingSet set =
      training_test::make_set(dir.path("r.sqlite"), {0, 1, 2, 3, 4, 5, 6, 7, 8}, training_test::context(), {second_seed});
  agentcoder::store::ResultsStore store(dir.path("r.sqlite"), agentcoder::store::Access::read_only);
  const auto log = agentcoder::training::inspect_log(set, store.tasks(set.run.run_id), store.scores(set.run.run_id));
  dir.write("fixture.json", log.dump());
  auto r = run_shell(python + " " AGENTCODER_INSPECT_CHECK_SCRIPT " " + dir.path("fixture.json") +
                     " --samples 10 --tool-events --parse-errors 2>&1");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("inspect log loads and converts"), std::string::npos) << r.out;
}
