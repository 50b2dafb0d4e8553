// JSONL export: one line per episode, in the order stored, each parsing back
// to the record that was put.
#include <sstream>

#include <gtest/gtest.h>

#include "store/record_json.h"
#include "store/results_store.h"
#include "store_test_util.h"

namespace {

using namespace store_test;

TEST(Export, EveryLineParsesBackToItsRecord) {
  TempDir dir;
  ResultsStore store(dir.path("r.sqlite"));
  RunSession session = store.begin_run(make_run("export"));
  RunSession other = store.begin_run(make_run("other"));
  std::vector<EpisodeRecord> records;
  for (int i = 0; i < 9; ++i) {
    records.push_back(make_record(i));
    store.put_episode(session, records.back());
  }
  store.put_episode(other, make_record(100));  // not part of the export

  std::stringstream out;
  EXPECT_EQ(store.export_jsonl(session.run_id, out), 9);
  std::string line;
  size_t n = 0;
  while (std::getline(out, line)) {
    ASSERT_LT(n, records.size());
    nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("run"), "export");
    EXPECT_EQ(j.at("episode_key"), records[n].key.id());
    EXPECT_EQ(j.at("session_id"), session.session_id);
    EXPECT_EQ(episode_from_json(j), records[n]) << "line " << n + 1;
    // Nested as documented: steps hold their tool calls.
    EXPECT_EQ(j.at("steps").size(), records[n].steps.size());
    if (!records[n].steps.empty()) {
      EXPECT_EQ(j.at("steps")[0].at("tool_calls").size(), records[n].steps[0].tool_calls.size());
    }
    ++n;
  }
  EXPECT_EQ(n, records.size());
}

TEST(Export, UnmeasuredProbeIsNull) {
  EpisodeRecord r = make_record(5);
  ASSERT_FALSE(r.p_tool);
  nlohmann::ordered_json j = episode_to_json(r);
  EXPECT_TRUE(j.at("p_tool").is_null());
  EXPECT_TRUE(j.at("p_text").is_null());
}

}  // namespace
