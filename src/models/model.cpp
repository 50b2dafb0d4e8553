#include "models/model.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "llama.h"
#include "models/chat_template.h"
#include "models/llama_runtime.h"
#include "utils/errors.h"

namespace agentcoder::models {
namespace {

std::string meta_string(const llama_model* model, const char* key) {
  char buffer[512];
  int n = llama_model_meta_val_str(model, key, buffer, sizeof buffer);
  return n < 0 ? std::string() : std::string(buffer);
}

}  // namespace

void check_gguf_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such model file");
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4)) throw InputError(path + ": cannot read model file");
  if (std::memcmp(magic, "GGUF", 4) != 0) throw InputError(path + ": not a GGUF file");
}

Model::Model(const ModelOptions& options) : path_(options.path) {
  check_gguf_file(path_);
  ensure_llama_backend();
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = options.gpu_layers;
  params.load_mode = options.use_mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
  params.vocab_only = options.vocab_only;
  model_ = llama_model_load_from_file(path_.c_str(), params);
  if (model_ == nullptr) throw InputError(path_ + ": llama.cpp could not load this GGUF model");
}

Model::~Model() { llama_model_free(model_); }

const llama_vocab* Model::vocab() const { return llama_model_get_vocab(model_); }

uint64_t Model::weight_bytes() const { return llama_model_size(model_); }

ModelInfo Model::info() const {
  ModelInfo info;
  info.path = path_;
  info.architecture = meta_string(model_, "general.architecture");
  info.name = meta_string(model_, "general.name");
  char buffer[256];
  llama_model_desc(model_, buffer, sizeof buffer);
  info.description = buffer;
  info.quantization = llama_ftype_name(llama_model_ftype(model_));
  info.parameters = llama_model_n_params(model_);
  info.file_bytes = std::filesystem::file_size(path_);
  info.trained_context = llama_model_n_ctx_train(model_);
  info.layers = llama_model_n_layer(model_);
  info.embedding = llama_model_n_embd(model_);
  info.vocab_size = llama_vocab_n_tokens(vocab());
  info.has_chat_template = llama_model_chat_template(model_, nullptr) != nullptr;
  if (info.has_chat_template) info.template_renders_tools = ChatTemplate(*this).renders_tools();
  return info;
}

}  // namespace agentcoder::models
