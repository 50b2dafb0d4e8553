// Hidden states of a prompt's last token at chosen layers, read while
// llama.cpp computes them, through its public eval callback
// (llama_context_params::cb_eval): the callback asks for the output tensor
// of each chosen transformer block, "l_out-N" (N from 0, the block's
// residual stream after its feed-forward), and copies its last row.
//
// The row is the prompt's last token because of how the engine evaluates a
// prompt (engine.cpp, step()): a prompt step holds one sequence's chunk in
// order, and only its last token asks for logits. llama.cpp cuts the chunk
// into ubatches in order, so the last ubatch's last row is the last token
// in every block but the last; the last block keeps only the rows that
// output (llama.cpp's inp_out_ids), which is that one token. Earlier
// ubatches are overwritten by later ones; an ubatch without outputs has no
// row in the last block and is skipped.
//
// Not armed, the callback asks for nothing and llama.cpp computes each graph
// split in one piece, as without it. Armed, the splits break at the chosen
// tensors; the same operations run in the same order, so the logits, and
// therefore the replies, are unchanged (tests/models/hidden_capture_test).
//
// One engine thread calls arm(), llama_decode and take() in turn; nothing
// here is shared across threads.
#pragma once

#include <string>
#include <vector>

struct ggml_tensor;

namespace agentcoder::models {

class HiddenCapture {
 public:
  explicit HiddenCapture(std::vector<int> layers);

  // The eval callback; `self` is the HiddenCapture.
  static bool observe(ggml_tensor* tensor, bool ask, void* self);

  const std::vector<int>& layers() const { return layers_; }
  // Keep the chosen tensors' last rows from the decodes until take().
  void arm();
  void disarm() { armed_ = false; }
  bool armed() const { return armed_; }
  // The rows kept since arm(), layer after layer in layers() order, all of
  // one width; empty when a layer was not seen. Disarms.
  std::vector<float> take();

 private:
  bool observe(ggml_tensor* tensor, bool ask);
  int slot_of(const char* name) const;  // index into layers_, -1 if not wanted

  std::vector<int> layers_;
  std::vector<std::string> names_;  // "l_out-N" per layer
  bool armed_ = false;
  std::vector<std::vector<float>> rows_;
};

}  // namespace agentcoder::models
