// Error types shared by every module.
//
// Inside the library, failures are exceptions. The CLI turns an InputError
// (a bad file, line, field or option supplied by the user) into one line on
// stderr and exit code 2; any other exception becomes one line and exit 1.
// Messages name the place: "tasks.jsonl:12: field 'difficulty': ...".
#pragma once

#include <stdexcept>
#include <string>

namespace agentcoder {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An InputError for a file or directory the user named that is not there,
// so that an embedding can tell it apart (the Python module raises
// FileNotFoundError for it, ValueError for any other InputError).
class MissingFileError : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace agentcoder
