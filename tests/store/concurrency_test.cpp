// Concurrent writers: threads sharing one store and a second store (another
// connection) on the same file all put overlapping keys, while a read-only
// store reads; every key ends stored exactly once, and a reader never sees
// part of an episode.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "store_test_util.h"

namespace {

using namespace store_test;

TEST(Concurrency, ThreadsAndConnectionsStoreEachKeyOnce) {
  constexpr int kKeys = 120;
  constexpr int kWriters = 4;  // each writer tries every key
  TempDir dir;
  std::string path = dir.path("results.sqlite");
  ResultsStore shared(path);
  RunSession session = shared.begin_run(make_run("threads"));
  ResultsStore second(path);  // its own connection

  std::vector<EpisodeRecord> records;
  for (int i = 0; i < kKeys; ++i) records.push_back(make_record(i, 512));

  std::atomic<int> inserted{0};
  std::atomic<bool> writing{true};
  std::atomic<int> reader_errors{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::vector<int> order(kKeys);
      for (int i = 0; i < kKeys; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(w));
      ResultsStore& store = w % 2 ? second : shared;
      for (int i : order) inserted += store.put_episode(session, records[i]) ? 1 : 0;
    });
  }
  std::thread reader([&] {
    ResultsStore reading(path, Access::read_only);
    size_t last = 0;
    while (writing) {
      std::vector<StoredEpisode> listed = reading.list_episodes(session.run_id);
      if (listed.size() < last) ++reader_errors;
      last = listed.size();
      if (!listed.empty()) {
        const StoredEpisode& e = listed.back();
        std::optional<StoredEpisode> full = reading.get_episode(session.run_id, e.key_id);
        if (!full || static_cast<int>(full->record.steps.size()) != e.step_count ||
            full->record.tool_call_count() != e.tool_call_count)
          ++reader_errors;
      }
      ++reads;
    }
  });
  for (std::thread& t : threads) t.join();
  writing = false;
  reader.join();

  EXPECT_EQ(inserted.load(), kKeys);
  EXPECT_EQ(reader_errors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  std::set<std::string> keys = shared.completed_keys(session.run_id);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kKeys));
  for (const EpisodeRecord& r : records) EXPECT_TRUE(keys.count(r.key.id()));
  RawDb raw(path);
  EXPECT_EQ(raw.count("SELECT count(*) FROM episodes"), kKeys);
  EXPECT_EQ(raw.scalar("PRAGMA integrity_check"), "ok");
}

// A reader that opens a results file the moment it appears (as the kill -9
// test and a watching notebook do) always finds a whole results database:
// the file is made under another name and linked into place. Before, the
// file existed empty while the schema was written, and about one reader in
// three got "not a results database". Many rounds make a regression show.
TEST(Concurrency, AReaderNeverSeesAResultsFileHalfMade) {
  TempDir dir;
  for (int round = 0; round < 40; ++round) {
    std::string path = dir.path("r" + std::to_string(round) + "/results.sqlite");
    std::atomic<bool> created{false};
    std::string reader_error;
    std::thread reader([&] {
      while (!std::filesystem::exists(path))
        if (created) return;
      try {
        ResultsStore reading(path, Access::read_only);
        reading.runs();
      } catch (const std::exception& e) {
        reader_error = e.what();
      }
    });
    {
      ResultsStore writing(path);
      created = true;
    }
    reader.join();
    ASSERT_EQ(reader_error, "") << "round " << round;
    // Nothing is left beside it but SQLite's own files.
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
      EXPECT_EQ(entry.path().filename().string().rfind("results.sqlite", 0), 0u) << entry.path();
  }
}

}  // namespace
