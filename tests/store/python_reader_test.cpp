// The file is meant for pandas: Python's own sqlite3 module (which pandas
// uses) must read every table, including text that was not valid UTF-8 when
// put, while the store still holds the file open in WAL mode.
#include <cstdlib>

#include <gtest/gtest.h>

#include "store/results_store.h"
#include "store_test_util.h"

namespace {

using namespace store_test;

TEST(PythonReader, Sqlite3ModuleReadsEveryTable) {
  if (std::system("python3 -c 'import sqlite3' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3 with sqlite3";
  TempDir dir;
  std::string path = dir.path("results.sqlite");
  ResultsStore store(path);  // stays open while Python reads
  RunSession session = store.begin_run(make_run("py"));
  int steps = 0, calls = 0;
  for (int i = 0; i < 5; ++i) {
    EpisodeRecord r = make_record(i);
    if (i == 2) r.steps[0].model_text += "\xE6\x97";  // cut mid-character
    steps += static_cast<int>(r.steps.size());
    calls += r.tool_call_count();
    store.put_episode(session, r);
  }
  std::string script =
      "import sqlite3, sys\n"
      "con = sqlite3.connect(sys.argv[1])\n"
      "counts = []\n"
      "for table in ('runs', 'sessions', 'episodes', 'steps', 'tool_calls'):\n"
      "    rows = con.execute('select * from ' + table).fetchall()\n"
      "    counts.append(str(len(rows)))\n"
      "row = con.execute('select prompt_tokens, wall_ms, p_tool from episodes where p_tool is not null').fetchone()\n"
      "print(' '.join(counts), type(row[0]).__name__, type(row[1]).__name__, type(row[2]).__name__)\n";
  std::string script_path = dir.path("read.py");
  FILE* f = fopen(script_path.c_str(), "w");
  ASSERT_TRUE(f);
  fputs(script.c_str(), f);
  fclose(f);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("python3 " + script_path + " " + path + " 2>&1").c_str(), "r"),
                                            pclose);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(pipe.release()), 0) << out;
  EXPECT_EQ(out, "1 1 5 " + std::to_string(steps) + " " + std::to_string(calls) + " int float float\n");
}

}  // namespace
