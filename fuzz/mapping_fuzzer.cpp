// libFuzzer target: an import mapping (TOML) through data::load_mapping and,
// when it loads, data::import_file over records that come with it. The input
// is the mapping's text, optionally followed by a line "#---records---" and
// JSON Lines (or a JSON array) for the import, and by a line "#---joined---"
// and the records of joined.jsonl (for a [join] file = "joined.jsonl"). The
// readers take files, so the parts go to files in a directory of this
// process's own. A bad
// mapping or input is an InputError and a bad record an Issue; anything else
// (a crash, a sanitizer report, another exception) is a bug.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "data/mapping.h"
#include "utils/errors.h"

namespace {

const char kRecords[] = "\n#---records---\n";
const char kJoined[] = "\n#---joined---\n";

// The part of `text` from after `start` (npos: none) up to `end` or the end.
std::string part(const std::string& text, size_t start, size_t skip, size_t end) {
  if (start == std::string::npos) return "";
  start += skip;
  return text.substr(start, end == std::string::npos || end < start ? std::string::npos : end - start);
}

void write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// This process's directory for the parts, removed at exit.
struct WorkDir {
  std::string path = "/tmp/agentcoder-mapping-fuzz-" + std::to_string(getpid());
  WorkDir() { mkdir(path.c_str(), 0700); }
  ~WorkDir() {
    for (const char* name : {"mapping.toml", "records.jsonl", "joined.jsonl"}) unlink((path + "/" + name).c_str());
    rmdir(path.c_str());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const WorkDir work;
  const std::string& dir = work.path;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t records = text.find(kRecords);
  const size_t joined = text.find(kJoined, records == std::string::npos ? 0 : records);
  const std::string mapping_file = dir + "/mapping.toml", records_file = dir + "/records.jsonl";
  write_text(mapping_file, text.substr(0, std::min(records, joined)));
  write_text(records_file, part(text, records, sizeof kRecords - 1, joined));
  write_text(dir + "/joined.jsonl", part(text, joined, sizeof kJoined - 1, std::string::npos));
  try {
    agentcoder::data::Mapping mapping = agentcoder::data::load_mapping(mapping_file);
    agentcoder::data::import_file(mapping, records_file);
  } catch (const agentcoder::InputError&) {
  }
  return 0;
}
