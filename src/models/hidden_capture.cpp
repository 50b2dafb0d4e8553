#include "models/hidden_capture.h"

#include <cstring>

#include "ggml-backend.h"
#include "ggml.h"

namespace agentcoder::models {

HiddenCapture::HiddenCapture(std::vector<int> layers) : layers_(std::move(layers)) {
  for (int layer : layers_) names_.push_back("l_out-" + std::to_string(layer));
  rows_.resize(layers_.size());
}

bool HiddenCapture::observe(ggml_tensor* tensor, bool ask, void* self) {
  return static_cast<HiddenCapture*>(self)->observe(tensor, ask);
}

int HiddenCapture::slot_of(const char* name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (std::strcmp(name, names_[i].c_str()) == 0) return static_cast<int>(i);
  return -1;
}

void HiddenCapture::arm() {
  armed_ = true;
  for (auto& row : rows_) row.clear();
}

bool HiddenCapture::observe(ggml_tensor* t, bool ask) {
  if (!armed_) return false;
  const int slot = slot_of(t->name);
  if (slot < 0) return false;
  if (ask) return true;
  // A [n_embd, rows] f32 matrix; rows is 0 in the last block of an ubatch without outputs.
  if (t->type != GGML_TYPE_F32 || t->ne[2] != 1 || t->ne[3] != 1 || t->ne[1] == 0) return true;
  std::vector<float>& row = rows_[slot];
  row.resize(static_cast<size_t>(t->ne[0]));
  ggml_backend_tensor_get(t, row.data(), static_cast<size_t>(t->ne[1] - 1) * t->nb[1], row.size() * sizeof(float));
  return true;  // false would stop the graph's computation
}

std::vector<float> HiddenCapture::take() {
  armed_ = false;
  std::vector<float> out;
  for (const auto& row : rows_) {
    if (row.empty() || (!out.empty() && row.size() != rows_.front().size())) return {};
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace agentcoder::models
