// Crash safety: a child process writes episodes in a loop and is SIGKILLed
// at a random moment, several times over (each child resumes the run). The
// file must stay intact, every stored episode whole and equal to what was
// put, and completing the missing keys must give every key exactly once.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "store_test_util.h"

namespace {

using namespace store_test;

constexpr int kEpisodes = 600;
constexpr size_t kTextBytes = 4096;  // long episodes: a kill often lands inside a write
constexpr int kRounds = 6;

// Puts every key not yet stored; tells the parent through `ready_fd` once
// the first episode is committed. Runs in the child; never returns.
[[noreturn]] void writer_child(const std::string& path, int ready_fd) {
  try {
    ResultsStore store(path);
    RunSession session = store.resume_run(make_run("crash"), false);
    std::set<std::string> done = store.completed_keys(session.run_id);
    bool told = false;
    for (int i = 0; i < kEpisodes; ++i) {
      EpisodeRecord r = make_record(i, kTextBytes);
      if (done.count(r.key.id())) continue;
      store.put_episode(session, r);
      if (!told) {
        char byte = 1;
        if (write(ready_fd, &byte, 1) != 1) _exit(4);
        told = true;
      }
    }
    _exit(0);
  } catch (...) {
    _exit(3);
  }
}

TEST(CrashSafety, KilledWritersLeaveWholeEpisodesAndResumeCompletesExactlyOnce) {
  TempDir dir;
  std::string path = dir.path("results.sqlite");
  { ResultsStore(path).begin_run(make_run("crash")); }

  unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, 15000);
  int killed = 0;
  long long previous = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      writer_child(path, fds[1]);
    }
    close(fds[1]);
    char byte;
    bool started = read(fds[0], &byte, 1) == 1;  // EOF: the child had nothing left to write, or failed
    close(fds[0]);
    if (started) std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++killed;
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the writer failed on its own";
    }
    long long stored = RawDb(path).count("SELECT count(*) FROM episodes");
    EXPECT_GE(stored, previous) << "episodes were lost in round " << round;
    previous = stored;
  }
  RecordProperty("killed_writers", killed);
  RecordProperty("stored_before_completion", static_cast<int>(previous));
  ASSERT_GT(killed, 0) << "no writer was ever killed mid-run; the test proved nothing";

  {
    RawDb raw(path);
    EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(raw.count("SELECT count(*) FROM (SELECT 1 FROM pragma_foreign_key_check)"), 0);
    // Every episode's counts match its rows.
    EXPECT_EQ(raw.count("SELECT count(*) FROM episodes e WHERE step_count != "
                        "(SELECT count(*) FROM steps s WHERE s.episode_id = e.episode_id)"),
              0);
    EXPECT_EQ(raw.count("SELECT count(*) FROM episodes e WHERE tool_call_count != "
                        "(SELECT count(*) FROM tool_calls c WHERE c.episode_id = e.episode_id)"),
              0);
  }

  // Each stored episode equals what was put (by its task's index).
  ResultsStore store(path);
  RunSession session = store.resume_run(make_run("crash"), false);
  std::map<std::string, int> index_of_key;
  for (int i = 0; i < kEpisodes; ++i) index_of_key[make_key(i).id()] = i;
  for (const std::string& key : store.completed_keys(session.run_id)) {
    ASSERT_TRUE(index_of_key.count(key)) << "unknown key " << key;
    EXPECT_EQ(store.get_episode(session.run_id, key)->record, make_record(index_of_key[key], kTextBytes));
  }

  // Completing the run: only the missing keys are written.
  std::set<std::string> done = store.completed_keys(session.run_id);
  int written = 0;
  for (int i = 0; i < kEpisodes; ++i) {
    EpisodeRecord r = make_record(i, kTextBytes);
    bool was_done = done.count(r.key.id()) > 0;
    EXPECT_EQ(store.put_episode(session, r), !was_done) << i;
    written += !was_done;
  }
  EXPECT_EQ(written, kEpisodes - static_cast<int>(done.size()));
  RawDb raw(path);
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes"), kEpisodes);
  EXPECT_EQ(raw.count("SELECT count(DISTINCT episode_key) FROM episodes"), kEpisodes);
  EXPECT_EQ(store.completed_keys(session.run_id).size(), static_cast<size_t>(kEpisodes));
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

}  // namespace
