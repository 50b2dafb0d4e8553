// A GGUF model loaded through llama.cpp, and what can be read from its file.
//
// Model owns the llama_model; contexts (see Engine) borrow it, so a Model
// must outlive every Engine made from it. Loading a file that is missing or
// is not a GGUF throws InputError naming the path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct llama_model;
struct llama_vocab;

namespace agentcoder::models {

struct ModelOptions {
  std::string path;
  int gpu_layers = 0;      // layers offloaded to a GPU; -1 = all (needs a CUDA build)
  bool use_mmap = true;    // map the file instead of reading it into memory
  bool vocab_only = false; // tokenizer and metadata only (enough for the chat template), no weights
};

// Facts about a model, for `agentcoder info` and the run manifest.
struct ModelInfo {
  std::string path;
  std::string architecture;    // general.architecture, e.g. "qwen2"
  std::string name;            // general.name, if present
  std::string description;     // llama.cpp's short description, e.g. "qwen2 1.5B Q4_K - Medium"
  std::string quantization;    // file type name, e.g. "Q4_K - Medium"
  uint64_t parameters = 0;
  uint64_t file_bytes = 0;
  int trained_context = 0;
  int layers = 0;
  int embedding = 0;
  int vocab_size = 0;
  bool has_chat_template = false;
  bool template_renders_tools = false;  // the template itself puts tool schemas in the prompt
};

class Model {
 public:
  explicit Model(const ModelOptions& options);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  llama_model* get() const { return model_; }
  const llama_vocab* vocab() const;
  const std::string& path() const { return path_; }
  ModelInfo info() const;
  // Bytes of the weight tensors as loaded (llama_model_size): what the
  // model occupies in memory, whether mapped from the file or read in.
  uint64_t weight_bytes() const;

 private:
  std::string path_;
  llama_model* model_ = nullptr;
};

// Throws InputError unless `path` is a readable file starting with the GGUF magic.
void check_gguf_file(const std::string& path);

}  // namespace agentcoder::models
