#include "adapters/gguf_facts.h"

#include "ggml.h"
#include "gguf.h"
#include "models/model.h"
#include "utils/errors.h"

namespace agentcoder::adapters {

std::string GgufFacts::architecture() const {
  auto it = metadata.find("general.architecture");
  if (it == metadata.end() || !it->is_string()) throw InputError(path + ": no general.architecture in the GGUF");
  return it->get<std::string>();
}

double GgufFacts::arch_number(const std::string& suffix) const {
  const std::string key = architecture() + "." + suffix;
  auto it = metadata.find(key);
  if (it == metadata.end() || !it->is_number())
    throw InputError(path + ": GGUF key '" + key + "' is " + (array_lengths.count(key) ? "an array" : "missing") +
                     "; expected a number");
  return it->get<double>();
}

GgufFacts read_gguf_facts(const std::string& path) {
  models::check_gguf_file(path);
  ggml_context* shapes = nullptr;
  gguf_init_params params{/*no_alloc=*/true, &shapes};
  gguf_context* ctx = gguf_init_from_file(path.c_str(), params);
  if (ctx == nullptr) throw InputError(path + ": not a readable GGUF file");
  GgufFacts facts;
  facts.path = path;
  for (int64_t i = 0; i < gguf_get_n_kv(ctx); ++i) {
    const std::string key = gguf_get_key(ctx, i);
    switch (gguf_get_kv_type(ctx, i)) {
      case GGUF_TYPE_UINT8: facts.metadata[key] = gguf_get_val_u8(ctx, i); break;
      case GGUF_TYPE_INT8: facts.metadata[key] = gguf_get_val_i8(ctx, i); break;
      case GGUF_TYPE_UINT16: facts.metadata[key] = gguf_get_val_u16(ctx, i); break;
      case GGUF_TYPE_INT16: facts.metadata[key] = gguf_get_val_i16(ctx, i); break;
      case GGUF_TYPE_UINT32: facts.metadata[key] = gguf_get_val_u32(ctx, i); break;
      case GGUF_TYPE_INT32: facts.metadata[key] = gguf_get_val_i32(ctx, i); break;
      case GGUF_TYPE_UINT64: facts.metadata[key] = gguf_get_val_u64(ctx, i); break;
      case GGUF_TYPE_INT64: facts.metadata[key] = gguf_get_val_i64(ctx, i); break;
      case GGUF_TYPE_FLOAT32: facts.metadata[key] = gguf_get_val_f32(ctx, i); break;
      case GGUF_TYPE_FLOAT64: facts.metadata[key] = gguf_get_val_f64(ctx, i); break;
      case GGUF_TYPE_BOOL: facts.metadata[key] = gguf_get_val_bool(ctx, i); break;
      case GGUF_TYPE_STRING: facts.metadata[key] = gguf_get_val_str(ctx, i); break;
      case GGUF_TYPE_ARRAY: facts.array_lengths[key] = gguf_get_arr_n(ctx, i); break;
      default: break;
    }
  }
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
    const char* name = gguf_get_tensor_name(ctx, i);
    const ggml_tensor* t = ggml_get_tensor(shapes, name);
    std::vector<int64_t> ne;
    for (int d = 0; d < ggml_n_dims(t); ++d) ne.push_back(t->ne[d]);
    facts.tensors[name] = ne;
  }
  gguf_free(ctx);
  ggml_free(shapes);
  return facts;
}

std::string shape_text(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

}  // namespace agentcoder::adapters
