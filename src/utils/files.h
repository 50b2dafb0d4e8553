// Whole-file reads and writes, the one way the harness does them.
//
// write_file_atomically writes beside the target (PATH.partial) and renames,
// so a failed or killed write never leaves a half file under the real name.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace agentcoder {

// Throws InputError "PATH: no such file" / "PATH: cannot be read".
std::string read_file(const std::string& path);

// Throws InputError when PATH cannot be written, std::runtime_error when the
// write fails midway.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace agentcoder
