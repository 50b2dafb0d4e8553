// libFuzzer target: an import mapping (TOML) through data::load_mapping and,
// when it loads, data::import_file over records that come with it. The input
// is the mapping's text, optionally followed by a line "#---records---" and
// JSON Lines (or a JSON array) for the import. Both readers take files, so
// the two parts go to files in a directory of this process's own. A bad
// mapping or input is an InputError and a bad record an Issue; anything else
// (a crash, a sanitizer report, another exception) is a bug.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "data/mapping.h"
#include "utils/errors.h"

namespace {

const char kSeparator[] = "\n#---records---\n";

void write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string d = "/tmp/agentcoder-mapping-fuzz-" + std::to_string(getpid());
    mkdir(d.c_str(), 0700);
    return d;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t cut = text.find(kSeparator);
  const std::string mapping_file = dir + "/mapping.toml", records_file = dir + "/records.jsonl";
  write_text(mapping_file, text.substr(0, cut));
  write_text(records_file, cut == std::string::npos ? "" : text.substr(cut + sizeof kSeparator - 1));
  try {
    agentcoder::data::Mapping mapping = agentcoder::data::load_mapping(mapping_file);
    agentcoder::data::import_file(mapping, records_file);
  } catch (const agentcoder::InputError&) {
  }
  return 0;
}
