// The manifest's commit is the one the binary was built from. The first two
// tests run after a build of the current tree (make test builds first), so
// git's answer for the tree now is the answer for the tree that was built.
// The third runs the build step itself (cmake/build_info.cmake) on a
// repository of its own, where it can move the commit and edit files.
#include "utils/run_manifest.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/cli_run.h"
#include "support/temp_dir.h"

namespace {

using agentcoder::testing::run_shell;

const std::string kSource = AGENTCODER_SOURCE_DIR;

TEST(RunManifest, FieldNamesSayTheCommitIsFromBuildTime) {
  nlohmann::ordered_json agentcoder = agentcoder::environment_manifest()["agentcoder"];
  EXPECT_TRUE(agentcoder.contains("build_git_commit")) << agentcoder.dump();
  EXPECT_TRUE(agentcoder.contains("build_tree_modified")) << agentcoder.dump();
  EXPECT_FALSE(agentcoder.contains("git_commit")) << agentcoder.dump();
  EXPECT_FALSE(agentcoder.contains("tree_modified")) << agentcoder.dump();
}

// The binary's stamp names a commit of this repository at or before HEAD:
// the tree may have moved on since the build (a commit or an edit while the
// tests run), so exact equality is the scratch-repository test's job below.
TEST(RunManifest, CommitIsOneOfThisRepositorysBuilds) {
  nlohmann::ordered_json agentcoder = agentcoder::environment_manifest()["agentcoder"];
  ASSERT_TRUE(agentcoder["build_git_commit"].is_string()) << agentcoder.dump();
  ASSERT_TRUE(agentcoder["build_tree_modified"].is_boolean()) << agentcoder.dump();
  std::string stamped = agentcoder["build_git_commit"].get<std::string>();
  auto head = run_shell("git -C '" + kSource + "' rev-parse HEAD 2>/dev/null");
  if (head.code != 0) {
    EXPECT_EQ(stamped, "unknown") << "built outside a git checkout";
    return;
  }
  ASSERT_EQ(stamped.size(), 40u) << stamped;
  auto ancestor = run_shell("git -C '" + kSource + "' merge-base --is-ancestor " + stamped + " HEAD 2>&1");
  EXPECT_EQ(ancestor.code, 0) << stamped << " is not HEAD or before it: " << ancestor.out;
}

// The build step on a scratch repository: what it stamps after a commit, an
// edit and another commit, and that it leaves an unchanged file untouched
// (so an unchanged tree relinks nothing).
class BuildInfoStep : public ::testing::Test {
 protected:
  // Runs the step; returns the generated file's text.
  std::string stamp() {
    auto r = run_shell(std::string(CMAKE_COMMAND) + " -DSOURCE_DIR='" + repo() + "' -DGIT_EXECUTABLE=git -DOUTPUT='" +
                       out() + "' -P '" + kSource + "/cmake/build_info.cmake' 2>&1");
    EXPECT_EQ(r.code, 0) << r.out;
    std::ifstream in(out());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string git(const std::string& args) {
    auto r = run_shell("git -C '" + repo() + "' -c user.name=t -c user.email=t@t " + args + " 2>&1");
    EXPECT_EQ(r.code, 0) << "git " << args << ": " << r.out;
    return r.out.substr(0, r.out.find('\n'));
  }
  std::string repo() const { return dir.path("repo"); }
  std::string out() const { return dir.path("build_info.cpp"); }

  agentcoder::testing::TempDir dir;
};

TEST_F(BuildInfoStep, StampsTheCommitAndTrackedChangesAndRewritesOnlyOnChange) {
  std::filesystem::create_directories(repo());
  EXPECT_NE(stamp().find("return \"unknown\";"), std::string::npos) << "outside a git checkout";

  git("init -q");
  dir.write("repo/a.txt", "one\n");
  git("add a.txt");
  git("commit -q -m one");
  std::string first = git("rev-parse HEAD");
  std::string text = stamp();
  EXPECT_NE(text.find("return \"" + first + "\";"), std::string::npos) << text;
  EXPECT_NE(text.find("return false;"), std::string::npos) << text;

  // Unchanged tree: the file keeps the old timestamp set here.
  timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, out().c_str(), old_times, 0), 0);
  stamp();
  struct stat st{};
  ASSERT_EQ(stat(out().c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000) << "rewritten although nothing changed";

  dir.write("repo/untracked.txt", "not part of the build\n");
  EXPECT_NE(stamp().find("return false;"), std::string::npos) << "an untracked file is not a change";
  dir.write("repo/a.txt", "two\n");
  EXPECT_NE(stamp().find("return true;"), std::string::npos) << "an edited tracked file is a change";

  git("commit -q -am two");
  std::string second = git("rev-parse HEAD");
  ASSERT_NE(second, first);
  text = stamp();
  EXPECT_NE(text.find("return \"" + second + "\";"), std::string::npos) << text;
  EXPECT_NE(text.find("return false;"), std::string::npos) << text;
}

}  // namespace
