// `agentcoder run` end to end on the tiny model with the real sandboxed
// python tool: results stored, determinism, resume after kill -9, and a
// changed config never reusing stale episodes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "support/cli_run.h"

namespace fs = std::filesystem;
using agentcoder::testing::run_cli;

namespace {

class RunCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/agentcoder-run-test-" + std::to_string(getpid()));
    fs::create_directories(*dir_);
    auto r = run_cli(AGENTCODER_BIN, "data generate --seed 3 --per-cell 1 -o " + *dir_ + "/tasks.jsonl");
    ASSERT_EQ(r.code, 0) << r.out;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  // A config for 12 tasks x 1 format x 3 modes = 36 episodes.
  std::string config(const std::string& name, int max_tokens = 24) {
    std::string path = *dir_ + "/" + name + ".toml";
    std::ofstream(path) << "name = \"" << name << "\"\nseed = 5\n"
                        << "[data]\ntasks = \"" << *dir_ << "/tasks.jsonl\"\n"
                        << "[[models]]\nname = \"tiny\"\npath = \"" << AGENTCODER_TINY_MODEL << "\"\n"
                        << "[agent]\nformats = [\"direct\"]\nmodes = [\"free\", \"force_tool\", \"force_text\"]\n"
                        << "tools = [\"python\"]\nprompts = \"" << AGENTCODER_PROMPTS_DIR << "\"\n"
                        << "max_steps = 2\nmax_tokens = 48\nmax_tokens_per_step = " << max_tokens << "\n"
                        << "[engine]\nparallel = 4\ncontext_per_sequence = 1024\nthreads = 2\n";
    return path;
  }
  std::string results(const std::string& sub) { return *dir_ + "/" + sub; }
  static std::map<std::string, std::string> episodes(const std::string& db, const std::string& run) {
    agentcoder::store::ResultsStore store(db, agentcoder::store::Access::read_only);
    auto r = store.find_run(run);
    std::map<std::string, std::string> out;  // key -> every step's model text
    if (!r) return out;
    for (const auto& e : store.list_episodes(r->run_id)) {
      auto full = store.get_episode(r->run_id, e.key_id);
      std::string text;
      for (const auto& s : full->record.steps) text += s.model_text + "\x1f";
      EXPECT_TRUE(out.emplace(e.key_id, text).second) << "episode stored twice";
    }
    return out;
  }
  static std::string* dir_;
};
std::string* RunCommandTest::dir_ = nullptr;

}  // namespace

TEST_F(RunCommandTest, StoresEveryEpisodeAndIsDeterministic) {
  std::string cfg = config("det");
  auto a = run_cli(AGENTCODER_BIN, "run " + cfg + " --results " + results("a"));
  ASSERT_EQ(a.code, 0) << a.out;
  auto b = run_cli(AGENTCODER_BIN, "run " + cfg + " --results " + results("b"));
  ASSERT_EQ(b.code, 0) << b.out;
  auto ea = episodes(results("a") + "/det/results.sqlite", "det");
  auto eb = episodes(results("b") + "/det/results.sqlite", "det");
  EXPECT_EQ(ea.size(), 36u);
  EXPECT_EQ(ea, eb);  // same config and seed, greedy: the same episodes
  auto diff = run_cli(AGENTCODER_BIN, "trace diff " + results("a") + "/det " + results("b") + "/det");
  EXPECT_EQ(diff.code, 0) << diff.out;
  EXPECT_NE(diff.out.find("36 shared: 36 identical, 0 differ"), std::string::npos) << diff.out;

  // The same run again without --resume is refused; with it, nothing is redone.
  auto again = run_cli(AGENTCODER_BIN, "run " + cfg + " --results " + results("a"));
  EXPECT_EQ(again.code, 2) << again.out;
  auto resumed = run_cli(AGENTCODER_BIN, "run " + cfg + " --resume --results " + results("a"));
  EXPECT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("36 already stored"), std::string::npos) << resumed.out;
  EXPECT_EQ(episodes(results("a") + "/det/results.sqlite", "det").size(), 36u);
}

TEST_F(RunCommandTest, ResumeAfterKillNineEndsWithEveryEpisodeOnce) {
  std::string cfg = config("kill");
  std::string db = results("k") + "/kill/results.sqlite";
  pid_t child = fork();
  if (child == 0) {
    execl(AGENTCODER_BIN, AGENTCODER_BIN, "run", cfg.c_str(), "--results", results("k").c_str(), (char*)nullptr);
    _exit(127);
  }
  // Kill it once some, but not all, episodes are stored.
  size_t stored = 0;
  for (int i = 0; i < 600 && stored < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (fs::exists(db)) stored = episodes(db, "kill").size();
  }
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  size_t before = episodes(db, "kill").size();
  EXPECT_LT(before, 36u);
  auto resumed = run_cli(AGENTCODER_BIN, "run " + cfg + " --resume --results " + results("k"));
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  auto after = episodes(db, "kill");
  EXPECT_EQ(after.size(), 36u);
  // And they are the episodes an uninterrupted run stores.
  auto clean = run_cli(AGENTCODER_BIN, "run " + cfg + " --results " + results("k2"));
  ASSERT_EQ(clean.code, 0) << clean.out;
  EXPECT_EQ(after, episodes(results("k2") + "/kill/results.sqlite", "kill"));
}

TEST_F(RunCommandTest, AChangedConfigNeverReusesStaleEpisodes) {
  auto first = run_cli(AGENTCODER_BIN, "run " + config("change", 24) + " --results " + results("c"));
  ASSERT_EQ(first.code, 0) << first.out;
  std::string changed = config("change", 16);
  auto refused = run_cli(AGENTCODER_BIN, "run " + changed + " --resume --results " + results("c"));
  EXPECT_EQ(refused.code, 2) << refused.out;
  auto allowed = run_cli(AGENTCODER_BIN, "run " + changed + " --resume --allow-config-change --results " + results("c"));
  ASSERT_EQ(allowed.code, 0) << allowed.out;
  EXPECT_NE(allowed.out.find("0 already stored"), std::string::npos) << allowed.out;
  EXPECT_EQ(episodes(results("c") + "/change/results.sqlite", "change").size(), 72u);
}

TEST_F(RunCommandTest, BadConfigIsOneLineExit2) {
  std::string path = *dir_ + "/bad.toml";
  std::ofstream(path) << "name = \"bad\"\n[data]\ntasks = 7\n";
  auto r = run_cli(AGENTCODER_BIN, "run " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("bad.toml:3: [data] tasks: expected a string"), std::string::npos) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
}

// A misspelled key is refused, not run with the default.
TEST_F(RunCommandTest, UnknownKeyIsOneLineExit2) {
  std::string path = config("typo");
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::string toml = text.str();
  toml.insert(toml.find("max_steps"), "max_token = 64\n");  // line 13, in [agent]
  std::ofstream(path) << toml;
  auto r = run_cli(AGENTCODER_BIN, "run " + path + " --results " + results("typo"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("typo.toml:13: [agent] max_token: unknown key"), std::string::npos) << r.out;
  EXPECT_EQ(agentcoder::testing::count_lines(r.out), 1) << r.out;
  EXPECT_FALSE(fs::exists(results("typo") + "/typo")) << "nothing is run";
}

// Like score and data: where the host lacks a protection that may be waived,
// the run goes on and its manifest lists what was missing.
TEST_F(RunCommandTest, AcceptsAllowWeakerIsolation) {
  auto r = run_cli(AGENTCODER_BIN, "run " + config("weaker") + " --limit 1 --allow-weaker-isolation --results " +
                                       results("w"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(episodes(results("w") + "/weaker/results.sqlite", "weaker").size(), 3u);
}

// A config copied to another folder, run from a third: its relative paths
// (tasks, prompts, model) are from its own folder, not the current directory.
TEST_F(RunCommandTest, CopiedConfigRunsFromAnotherFolder) {
  const fs::path copy = fs::path(*dir_) / "copy";
  const fs::path cwd = fs::path(*dir_) / "a" / "b";
  fs::create_directories(copy);
  fs::create_directories(cwd);
  std::string text;
  {
    std::stringstream in;
    in << std::ifstream(config("copied")).rdbuf();
    text = in.str();
  }
  auto relative = [&](const std::string& to) { return fs::relative(to, copy).string(); };
  text.replace(text.find(*dir_ + "/tasks.jsonl"), (*dir_ + "/tasks.jsonl").size(), "../tasks.jsonl");
  text.replace(text.find(AGENTCODER_PROMPTS_DIR), std::string(AGENTCODER_PROMPTS_DIR).size(),
               relative(AGENTCODER_PROMPTS_DIR));
  text.replace(text.find(AGENTCODER_TINY_MODEL), std::string(AGENTCODER_TINY_MODEL).size(),
               relative(AGENTCODER_TINY_MODEL));
  std::ofstream((copy / "copied.toml").string()) << text;
  auto r = agentcoder::testing::run_shell("cd " + cwd.string() + " && " + AGENTCODER_BIN +
                                          " run ../../copy/copied.toml --limit 1 --results ../../res-copy 2>&1");
  ASSERT_EQ(r.code, 0) << r.out << "\n" << text;
  EXPECT_EQ(episodes(results("res-copy") + "/copied/results.sqlite", "copied").size(), 3u);
}
