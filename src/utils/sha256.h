// SHA-256 digests (OpenSSL), as lowercase hex: for model files, data sets,
// reference solutions and episode identities.
#pragma once

#include <string>
#include <string_view>

namespace agentcoder {

std::string sha256_hex(std::string_view data);
// Streams the file; throws InputError when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace agentcoder
