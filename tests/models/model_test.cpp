#include "models/model.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "models/quantize.h"
#include "support/read_file.h"
#include "support/temp_dir.h"
#include "utils/errors.h"

using namespace agentcoder::models;
namespace fs = std::filesystem;

namespace {

using agentcoder::testing::read_file;
using agentcoder::testing::TempDir;

}  // namespace

TEST(Model, InfoDescribesTheTinyModel) {
  Model model({std::string(AGENTCODER_TINY_MODEL)});
  ModelInfo info = model.info();
  EXPECT_EQ(info.architecture, "qwen2");
  EXPECT_EQ(info.layers, 2);
  EXPECT_EQ(info.embedding, 64);
  EXPECT_EQ(info.vocab_size, 151936);
  EXPECT_EQ(info.trained_context, 4096);
  EXPECT_EQ(info.quantization, "Q8_0");
  EXPECT_EQ(info.file_bytes, fs::file_size(std::string(AGENTCODER_TINY_MODEL)));
  EXPECT_GT(info.parameters, 9'000'000u);
  EXPECT_TRUE(info.has_chat_template);
  EXPECT_TRUE(info.template_renders_tools);
}

TEST(Model, MissingFileAndNonGgufAreInputErrors) {
  EXPECT_THROW(Model({"/nonexistent/model.gguf"}), agentcoder::InputError);
  TempDir dir;
  dir.write("fake.gguf", "not a model");
  try {
    Model m({dir.path("fake.gguf")});
    FAIL() << "expected InputError";
  } catch (const agentcoder::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a GGUF"), std::string::npos) << e.what();
  }
  // A GGUF header with garbage after it.
  dir.write("broken.gguf", "GGUF\x03garbage");
  EXPECT_THROW(Model({dir.path("broken.gguf")}), agentcoder::InputError);
}

TEST(Quantize, ProducesALoadableModelOfTheRequestedType) {
  TempDir dir;
  std::string out = dir.path("tiny-q4_0.gguf");
  quantize(std::string(AGENTCODER_TINY_MODEL), out, "Q4_0", 2);
  Model model({out});
  EXPECT_EQ(model.info().quantization, "Q4_0");
  EXPECT_LT(fs::file_size(out), fs::file_size(std::string(AGENTCODER_TINY_MODEL)));
  EXPECT_THROW(quantize(std::string(AGENTCODER_TINY_MODEL), out, "Q9_9"), agentcoder::InputError);
  EXPECT_THROW(quantize("/nonexistent.gguf", out, "Q8_0"), agentcoder::InputError);
}

// The fixture generator is deterministic: the same bytes every run.
TEST(Fixtures, TinyModelGeneratorIsDeterministic) {
  TempDir dir;
  std::string tool = std::string(AGENTCODER_MAKE_TINY_MODEL);
  std::string args = " " + std::string(AGENTCODER_QWEN_VOCAB) + " " + std::string(AGENTCODER_QWEN_TEMPLATE) + " ";
  ASSERT_EQ(std::system((tool + args + dir.path("a.gguf")).c_str()), 0);
  ASSERT_EQ(std::system((tool + args + dir.path("b.gguf")).c_str()), 0);
  ASSERT_EQ(std::system((tool + args + dir.path("c.gguf") + " --seed 43").c_str()), 0);
  EXPECT_EQ(read_file(dir.path("a.gguf")), read_file(dir.path("b.gguf")));
  EXPECT_NE(read_file(dir.path("a.gguf")), read_file(dir.path("c.gguf")));
  EXPECT_EQ(read_file(dir.path("a.gguf")), read_file(std::string(AGENTCODER_TINY_MODEL)));
}
