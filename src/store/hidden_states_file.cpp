#include "store/hidden_states_file.h"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "store/results_path.h"
#include "utils/errors.h"
#include "utils/files.h"

namespace agentcoder::store {
namespace {

constexpr char kMagic[8] = {'A', 'C', 'H', 'I', 'D', 'D', 'E', 'N'};
constexpr uint32_t kVersion = 1;
constexpr size_t kIdBytes = 32;

// IEEE 754 binary16, rounding to nearest even; the file is little-endian
// and so is every machine this builds on (x86-64, aarch64).
uint16_t to_half(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int exponent = static_cast<int>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0));  // inf, nan
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);                                     // overflow
  if (exponent <= 0) {                                                                                   // subnormal
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into the exponent: still right
  return static_cast<uint16_t>(sign | half);
}

float from_half(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31) magnitude = mantissa ? NAN : INFINITY;
  else magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  uint32_t x;
  std::memcpy(&x, &magnitude, 4);
  x |= sign;
  float out;
  std::memcpy(&out, &x, 4);
  return out;
}

size_t value_bytes(HiddenDtype dtype) { return dtype == HiddenDtype::f16 ? 2 : 4; }

std::string header_bytes(const HiddenStatesHeader& h) {
  std::string out(kMagic, sizeof kMagic);
  auto put32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put32(kVersion);
  put32(static_cast<uint32_t>(h.dtype));
  put32(static_cast<uint32_t>(h.layers.size()));
  for (int layer : h.layers) put32(static_cast<uint32_t>(layer));
  return out;
}

std::string id_bytes(const std::string& hex, const std::string& path) {
  if (hex.size() != 2 * kIdBytes) throw std::invalid_argument(path + ": an episode id must be 64 hex digits");
  std::string out(kIdBytes, '\0');
  for (size_t i = 0; i < kIdBytes; ++i) out[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

std::string id_hex(const char* bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < kIdBytes; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// The header and the length of the file's whole rows (header included).
struct Parsed {
  HiddenStates states;
  size_t whole = 0;
};

Parsed parse(const std::string& bytes, const std::string& path, bool keep_rows) {
  Parsed p;
  auto fail = [&path](const std::string& why) -> void { throw InputError(path + ": not a hidden-states file: " + why); };
  size_t at = 0;
  auto get32 = [&](uint32_t& v) {
    if (at + 4 > bytes.size()) return false;
    std::memcpy(&v, bytes.data() + at, 4);
    at += 4;
    return true;
  };
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) fail("no ACHIDDEN header");
  at = sizeof kMagic;
  uint32_t version = 0, dtype = 0, count = 0;
  if (!get32(version) || !get32(dtype) || !get32(count)) fail("header cut short");
  if (version != kVersion) fail("version " + std::to_string(version) + " (this build reads 1)");
  if (dtype > 1) fail("dtype " + std::to_string(dtype) + " (0 f32, 1 f16)");
  if (count == 0 || count > 100000) fail("layer count " + std::to_string(count));
  p.states.header.dtype = static_cast<HiddenDtype>(dtype);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t layer = 0;
    if (!get32(layer)) fail("header cut short");
    p.states.header.layers.push_back(static_cast<int>(layer));
  }
  p.whole = at;
  const size_t bytes_per = value_bytes(p.states.header.dtype);
  for (;;) {
    if (at + kIdBytes + 4 > bytes.size()) break;
    uint32_t width = 0;
    std::memcpy(&width, bytes.data() + at + kIdBytes, 4);
    const size_t n = static_cast<size_t>(count) * width;
    if (at + kIdBytes + 4 + n * bytes_per > bytes.size()) break;  // cut short by a crash
    if (width == 0) fail("a row of width 0 at byte " + std::to_string(at));
    if (keep_rows) {
      HiddenRow row{id_hex(bytes.data() + at), static_cast<int>(width), std::vector<float>(n)};
      const char* v = bytes.data() + at + kIdBytes + 4;
      for (size_t i = 0; i < n; ++i) {
        if (bytes_per == 4) {
          std::memcpy(&row.values[i], v + 4 * i, 4);
        } else {
          uint16_t h;
          std::memcpy(&h, v + 2 * i, 2);
          row.values[i] = from_half(h);
        }
      }
      p.states.rows.push_back(std::move(row));
    }
    at += kIdBytes + 4 + n * bytes_per;
    p.whole = at;
  }
  return p;
}

}  // namespace

std::optional<HiddenDtype> parse_hidden_dtype(const std::string& name) {
  if (name == "f32") return HiddenDtype::f32;
  if (name == "f16") return HiddenDtype::f16;
  return std::nullopt;
}

std::string to_string(HiddenDtype dtype) { return dtype == HiddenDtype::f16 ? "f16" : "f32"; }

HiddenStatesWriter::HiddenStatesWriter(const std::string& path, const HiddenStatesHeader& header)
    : path_(path), header_(header) {
  if (header_.layers.empty()) throw std::invalid_argument("a hidden-states file needs at least one layer");
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    Parsed existing = parse(read_file(path_), path_, false);
    if (existing.states.header.layers != header_.layers || existing.states.header.dtype != header_.dtype)
      throw InputError(path_ + ": holds hidden states of other layers or another dtype than the config asks for; "
                               "move it away to start a new one");
    std::filesystem::resize_file(path_, existing.whole, ec);  // a partial last row
    if (ec) throw std::runtime_error(path_ + ": cannot truncate: " + ec.message());
    file_ = std::fopen(path_.c_str(), "ab");
  } else {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ != nullptr) {
      const std::string h = header_bytes(header_);
      if (std::fwrite(h.data(), 1, h.size(), file_) != h.size() || std::fflush(file_) != 0) {
        std::fclose(file_);
        throw std::runtime_error(path_ + ": cannot write the header");
      }
    }
  }
  if (file_ == nullptr) throw std::runtime_error(path_ + ": cannot open for writing");
}

HiddenStatesWriter::~HiddenStatesWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void HiddenStatesWriter::append(const std::string& episode_id, const std::vector<float>& values) {
  const size_t layers = header_.layers.size();
  if (values.empty() || values.size() % layers != 0)
    throw std::invalid_argument(path_ + ": a row must hold the same number of values for each layer");
  const uint32_t width = static_cast<uint32_t>(values.size() / layers);
  std::string row = id_bytes(episode_id, path_);
  row.append(reinterpret_cast<const char*>(&width), 4);
  if (header_.dtype == HiddenDtype::f32) {
    row.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  } else {
    for (float v : values) {
      const uint16_t h = to_half(v);
      row.append(reinterpret_cast<const char*>(&h), 2);
    }
  }
  std::lock_guard lock(mutex_);
  if (std::fwrite(row.data(), 1, row.size(), file_) != row.size() || std::fflush(file_) != 0)
    throw std::runtime_error(path_ + ": cannot append a row");
}

HiddenStates read_hidden_states(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no hidden-states file");
  return parse(read_file(path), path, true).states;
}

nlohmann::json hidden_states_manifest(const std::vector<int>& layers, const std::string& dtype) {
  return {{"file", kHiddenStatesFile}, {"layers", layers}, {"dtype", dtype}};
}

std::string hidden_states_path(const std::string& results, const nlohmann::json& manifest) {
  return (std::filesystem::path(resolve_results_file(results)).parent_path() /
          manifest["hidden_states"].value("file", std::string(kHiddenStatesFile)))
      .string();
}

}  // namespace agentcoder::store
