// The training exports on a hand-made run of three tasks in the three modes,
// each row worked out by hand below:
//   t1 execution_required, label python:
//        free       call python -> "42\n", then text "42"   correct
//        force_tool call python -> "42\n", then text "42"   correct
//        force_text text "about 40"                         wrong
//   t2 execution_required, label python:
//        free       malformed, then text "41"               wrong
//        force_tool call python -> error, then text "41"    wrong
//        force_text text "42"                               correct
//   t3 pure_reasoning, label none:
//        free       text "yes"                              correct
//        force_tool call python -> "yes", then text "yes"   correct
//        force_text a call anyway (not run), raw text       wrong
// Best choices: t1 tool (1 > 0), t2 text (0 < 1), t3 tool (1 > 0).
#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "support/temp_dir.h"
#include "training/conversation.h"
#include "training/dpo.h"
#include "training/export_file.h"
#include "training/kto.h"
#include "training/rewards.h"
#include "training/sft.h"
#include "training/training_set.h"
#include "training_fixture.h"
#include "utils/errors.h"
#include "utils/sha256.h"

using namespace agentcoder;
using namespace agentcoder::training;
using ojson = nlohmann::ordered_json;

namespace {

using namespace training_test;

std::vector<size_t> stored_order() { return {0, 1, 2, 3, 4, 5, 6, 7, 8}; }

const ojson* find_row(const std::vector<ojson>& rows, const std::string& task, const std::string& mode) {
  for (const ojson& r : rows)
    if (r["task_id"] == task && r["mode"] == mode) return &r;
  return nullptr;
}

}  // namespace

TEST(TrainingExport, SftRowOfACallShowsTheConversationAsTheModelSawIt) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = sft_rows(set, Selection::all, {});
  ASSERT_EQ(rows.size(), 9u);
  const ojson& row = *find_row(rows, "t1", "free");
  const ojson expected_messages = ojson::parse(R"j([
    {"role": "system", "content": "Answer the question."},
    {"role": "user", "content": "Question t1?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "python", "arguments": {"code": "print(6*7)"}}}]},
    {"role": "tool", "name": "python", "content": "42\n"},
    {"role": "assistant", "content": "42"}])j");
  EXPECT_EQ(row["messages"], expected_messages);
  EXPECT_EQ(row["tools"], ojson(kTools));
  EXPECT_EQ(row["correct"], true);
  EXPECT_EQ(row["first_decision"], "tool_call");
  EXPECT_EQ(row["stop_reason"], "final_answer");
  EXPECT_EQ(row["category"], "execution_required");
  EXPECT_EQ(row["optimal_tool"], "python");
  EXPECT_EQ(row["prompt_format"], "direct");
  EXPECT_EQ(row["variant"], "base");
  EXPECT_EQ(row["episode_id"], record(specs()[0]).key.id());
}

TEST(TrainingExport, SftShowsAMalformedStepAndTheHarnessReplyAsSeen) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = sft_rows(set, Selection::all, {});
  const ojson& messages = (*find_row(rows, "t2", "free"))["messages"];
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[2], (ojson{{"role", "assistant"}, {"content", specs()[3].steps[0].model_text}}));
  EXPECT_EQ(messages[3]["role"], "user");
  EXPECT_EQ(messages[3]["content"],
            "Your tool call was not run: arguments are not JSON. Call the tool again with valid JSON, or answer in plain text.");
  EXPECT_EQ(messages[4], (ojson{{"role", "assistant"}, {"content", "41"}}));
}

TEST(TrainingExport, ForceTextOffersNoToolsAndItsStrayCallIsText) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = sft_rows(set, Selection::all, {});
  const ojson& row = *find_row(rows, "t3", "force_text");
  EXPECT_EQ(row["tools"], ojson::array());
  ASSERT_EQ(row["messages"].size(), 3u);
  EXPECT_EQ(row["messages"][2], (ojson{{"role", "assistant"}, {"content", specs()[8].steps[0].model_text}}));
}

TEST(TrainingExport, ForceToolPrefillIsPartOfTheCallNotThePrompt) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = sft_rows(set, Selection::all, {});
  const ojson& free = (*find_row(rows, "t1", "free"))["messages"];
  const ojson& forced = (*find_row(rows, "t1", "force_tool"))["messages"];
  EXPECT_EQ(free, forced);  // same prompt, same call: the prefill leaves no trace of its own
  EXPECT_EQ((*find_row(rows, "t1", "force_tool"))["tools"], ojson(kTools));
}

TEST(TrainingExport, SftSelectionsAndWhere) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  auto ids = [](const std::vector<ojson>& rows) {
    std::vector<std::string> out;
    for (const ojson& r : rows) out.push_back(r["task_id"].get<std::string>() + "/" + r["mode"].get<std::string>());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(sft_rows(set, Selection::correct, {})),
            (V{"t1/free", "t1/force_tool", "t2/force_text", "t3/free", "t3/force_tool"}));
  // t1 tool, t2 text, t3 tool; a call under force_text is no choice.
  EXPECT_EQ(ids(sft_rows(set, Selection::best_choice, {})), (V{"t1/free", "t1/force_tool", "t2/force_text", "t3/force_tool"}));
  // python for t1 and t2, none for t3.
  EXPECT_EQ(ids(sft_rows(set, Selection::label, {})), (V{"t1/free", "t1/force_tool", "t2/force_tool", "t3/free"}));
  EXPECT_EQ(ids(sft_rows(set, Selection::correct, {parse_column_filter("mode=free")})), (V{"t1/free", "t3/free"}));
  EXPECT_EQ(ids(sft_rows(set, Selection::all, {parse_column_filter("correct=false"), parse_column_filter("category=pure_reasoning")})),
            (V{"t3/force_text"}));
  EXPECT_THROW(parse_column_filter("colour=red"), InputError);
  EXPECT_THROW(parse_column_filter("mode"), InputError);
  EXPECT_THROW(parse_selection("best"), InputError);
}

TEST(TrainingExport, DpoPairsOnlyContinuationsOfOnePromptAndCountsDirections) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  DpoExport dpo = dpo_pairs(set, false);
  // t1: {free, force_tool} x {force_text} = 2 preferring the call; t2: the
  // malformed free is no decision, {force_text} x {force_tool} = 1
  // preferring text; t3: its only wrong one is a call under force_text,
  // which never ran, so no pair.
  ASSERT_EQ(dpo.rows.size(), 3u);
  EXPECT_EQ(dpo.by_category.at("execution_required").call, 2);
  EXPECT_EQ(dpo.by_category.at("execution_required").text, 1);
  EXPECT_EQ(dpo.by_category.count("pure_reasoning"), 0u);
  const ojson& first = dpo.rows[0];
  EXPECT_EQ(first["direction"], "call");
  EXPECT_EQ(first["chosen_mode"], "free");
  EXPECT_EQ(first["rejected_mode"], "force_text");
  EXPECT_EQ(first["prompt"], prompt_messages("Answer the question.", "Question t1?"));
  EXPECT_EQ(first["tools"], ojson(kTools));
  EXPECT_EQ(first["rejected"], ojson::parse(R"([{"role": "assistant", "content": "about 40"}])"));
  EXPECT_EQ(first["chosen"][0]["tool_calls"][0]["function"]["arguments"], (ojson{{"code", "print(6*7)"}}));
  EXPECT_EQ(dpo.rows[2]["direction"], "text");
  EXPECT_EQ(dpo.rows[2]["chosen_mode"], "force_text");
  EXPECT_EQ(dpo.rows[2]["rejected_mode"], "force_tool");
  for (const ojson& r : dpo.rows) EXPECT_NE(r["chosen"], r["rejected"]);
}

TEST(TrainingExport, DpoPairsRepeatedSamplesOfOnePrompt) {
  agentcoder::testing::TempDir dir;
  // A second free sample of t1 (seed 8) that answered wrong in text.
  Spec repeat{"t1", "execution_required", "python", "free", {text_step("about 41")}, false, 8};
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order(), context(), {repeat});
  DpoExport dpo = dpo_pairs(set, false);
  // t1: {free s7, force_tool} x {free s8, force_text} = 4, all preferring the call; t2 as before.
  ASSERT_EQ(dpo.rows.size(), 5u);
  EXPECT_EQ(dpo.by_category.at("execution_required").call, 4);
  int with_repeat = 0;
  for (const ojson& r : dpo.rows) with_repeat += r["rejected_episode_id"] == record(repeat).key.id();
  EXPECT_EQ(with_repeat, 2);
  EXPECT_EQ(dpo.rows[0]["prompt"], prompt_messages("Answer the question.", "Question t1?"));
}

TEST(TrainingExport, DpoBalanceEqualisesDirectionsPerCategory) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  DpoExport dpo = dpo_pairs(set, true);
  ASSERT_EQ(dpo.rows.size(), 2u);
  EXPECT_EQ(dpo.by_category.at("execution_required").call, 1);
  EXPECT_EQ(dpo.by_category.at("execution_required").text, 1);
  EXPECT_EQ(dpo.before_balance.at("execution_required").call, 2);
  // The call pair kept is the one whose ids hash first.
  DpoExport all = dpo_pairs(set, false);
  auto hash = [](const ojson& r) {
    return sha256_hex(r["chosen_episode_id"].get<std::string>() + "/" + r["rejected_episode_id"].get<std::string>());
  };
  const ojson& kept = hash(all.rows[0]) < hash(all.rows[1]) ? all.rows[0] : all.rows[1];
  const ojson& kept_call = dpo.rows[0]["direction"] == "call" ? dpo.rows[0] : dpo.rows[1];
  EXPECT_EQ(kept_call, kept);
  ojson summary = dpo_summary(dpo, true);
  EXPECT_EQ(summary["pairs"], 2);
  EXPECT_EQ(summary["by_category"]["execution_required"], (ojson{{"call", 1}, {"text", 1}, {"same", 0}}));
}

TEST(TrainingExport, KtoLabelsEveryScoredEpisodeUnderItsOwnPrompt) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = kto_rows(set, {});
  ASSERT_EQ(rows.size(), 9u);
  int positive = 0;
  for (const ojson& r : rows) positive += r["label"].get<bool>();
  EXPECT_EQ(positive, 5);
  const ojson& text = *find_row(rows, "t2", "force_text");
  EXPECT_EQ(text["prompt"], prompt_messages("Answer the question.", "Question t2?"));
  EXPECT_EQ(text["completion"], ojson::parse(R"([{"role": "assistant", "content": "42"}])"));
  EXPECT_EQ(text["tools"], ojson::array());
  EXPECT_EQ(text["label"], true);
}

TEST(TrainingExport, RewardComponentsPerEpisode) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  std::vector<ojson> rows = reward_rows(set, {});
  ASSERT_EQ(rows.size(), 9u);
  const ojson& t1 = *find_row(rows, "t1", "free");
  EXPECT_EQ(t1["group_id"], "base/direct/t1");
  EXPECT_EQ(t1["score"], 1.0);
  EXPECT_EQ(t1["calls"], 1);
  EXPECT_EQ(t1["calls_failed"], 0);
  EXPECT_EQ(t1["best_choice"], "tool");
  EXPECT_EQ(t1["tool_necessary"], true);
  EXPECT_EQ(t1["knobs"], (ojson{{"digits", 2}}));
  EXPECT_EQ(t1["default_reward"], 1.0);
  const ojson& t2 = *find_row(rows, "t2", "free");
  EXPECT_EQ(t2["malformed_attempts"], 1);
  EXPECT_EQ(t2["tool_necessary"], false);
  EXPECT_EQ(t2["default_reward"], -0.1);
  EXPECT_EQ((*find_row(rows, "t2", "force_tool"))["calls_failed"], 1);
  const ojson& stray = *find_row(rows, "t3", "force_text");
  EXPECT_EQ(stray["hallucinated_calls"], 1);
  EXPECT_EQ(stray["default_reward"], -0.25);
  // Right without a tool needed, yet called: the efficiency term.
  EXPECT_EQ((*find_row(rows, "t3", "free"))["default_reward"], 1.0);
  // Necessity for this model (evaluation/necessity.h), the same on every
  // row of a task: t1 and t3 fail under force_text (needed; force_tool
  // solves them: benefits), t2 is solved there (not needed, no benefit).
  for (const ojson& r : rows) {
    const bool t2_row = r["task_id"] == "t2";
    EXPECT_EQ(r["needs_tool"], !t2_row) << r["task_id"];
    EXPECT_EQ(r["tool_benefits"], !t2_row) << r["task_id"];
  }
  for (const ojson& r : rows) EXPECT_EQ(r["group_id"], "base/direct/" + r["task_id"].get<std::string>());
}

TEST(TrainingExport, ExportsDoNotDependOnTheOrderEpisodesWereStored) {
  agentcoder::testing::TempDir dir;
  std::vector<size_t> shuffled = stored_order();
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(3));
  ASSERT_NE(shuffled, stored_order());
  TrainingSet a = make_set(dir.path("a.sqlite"), stored_order());
  TrainingSet b = make_set(dir.path("b.sqlite"), shuffled);
  EXPECT_EQ(jsonl_text(sft_rows(a, Selection::all, {})), jsonl_text(sft_rows(b, Selection::all, {})));
  EXPECT_EQ(jsonl_text(dpo_pairs(a, true).rows), jsonl_text(dpo_pairs(b, true).rows));
  EXPECT_EQ(jsonl_text(kto_rows(a, {})), jsonl_text(kto_rows(b, {})));
  EXPECT_EQ(jsonl_text(reward_rows(a, {})), jsonl_text(reward_rows(b, {})));
}

TEST(TrainingExport, SidecarCarriesTheManifestAndIsByteIdentical) {
  agentcoder::testing::TempDir dir;
  TrainingSet set = make_set(dir.path("r.sqlite"), stored_order());
  const std::string text = jsonl_text(sft_rows(set, Selection::correct, {}));
  ojson meta = export_meta("sft", set.run, {{"select", "correct"}}, {{"rows", 5}}, text);
  EXPECT_EQ(meta["manifest"]["models"][0]["sha256"], "abc");
  EXPECT_EQ(meta["config"], "seed = 7\n");
  EXPECT_EQ(meta["rows_sha256"], sha256_hex(text));
  write_export(dir.path("one.jsonl"), text, meta);
  write_export(dir.path("two.jsonl"), text, export_meta("sft", set.run, {{"select", "correct"}}, {{"rows", 5}}, text));
  EXPECT_EQ(meta_path(dir.path("one.jsonl")), dir.path("one.meta.json"));
  std::ifstream a(dir.path("one.meta.json")), b(dir.path("two.meta.json"));
  std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(sa.empty());
  EXPECT_EQ(sa, sb);
}

TEST(TrainingExport, RefusesToolsOrFirstTurnsThatAreNotTheOnesRun) {
  agentcoder::testing::TempDir dir;
  PromptContext changed = context();
  changed.tools[0]["function"]["description"] = "Run Python code, faster";
  try {
    make_set(dir.path("r.sqlite"), stored_order(), changed);
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not the ones offered"), std::string::npos) << e.what();
  }
  PromptContext edited = context();
  edited.first_turn = [](const std::string&, const std::string&, Mode mode, const std::string& task_prompt) {
    return fixture_first_turn(to_string(mode), task_prompt) + " Be brief.";
  };
  agentcoder::testing::TempDir dir3;
  try {
    make_set(dir3.path("r.sqlite"), stored_order(), edited);
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is not the one it was run with"), std::string::npos) << e.what();
  }
  agentcoder::testing::TempDir dir4;
  EXPECT_EQ(make_set(dir4.path("r.sqlite"), stored_order()).unverified_first_turns, 0);
  // A task posed with its own functions (BFCL) offered other tools than the
  // run's: not covered by the exports, and said so by name.
  agentcoder::testing::TempDir dir5;
  ojson functions = {{"functions", ojson::array({{{"name", "get_weather"}, {"parameters", {{"type", "object"}}}}})}};
  try {
    make_set(dir5.path("r.sqlite"), stored_order(), context(), {}, functions);
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("task 't1'): its task offers its own functions"), std::string::npos) << e.what();
  }
  PromptContext no_format = context();
  no_format.system_prompts.clear();
  agentcoder::testing::TempDir dir2;
  EXPECT_THROW(make_set(dir2.path("r.sqlite"), stored_order(), no_format), InputError);
}
