// Paths the model tests need, compiled in by tests/models/CMakeLists.txt.
#pragma once

#include <string>

#define test_env(name) std::string(name)
