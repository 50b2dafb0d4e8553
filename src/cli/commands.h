// Each subcommand of `agentcoder` lives in its own <name>_command.cpp, which
// registers itself with a static CommandRegistrar; main() adds every
// registered command in name order. A command's callback throws InputError
// for bad input (exit 2) and anything else for failures (exit 1); main()
// prints the message as one line.
//
//   static agentcoder::cli::CommandRegistrar reg("info", [](CLI::App& app) {...});
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace agentcoder::cli {

using CommandSetup = void (*)(CLI::App& app);

// Name -> setup function of every linked command.
std::map<std::string, CommandSetup>& registered_commands();

struct CommandRegistrar {
  CommandRegistrar(const std::string& name, CommandSetup setup) { registered_commands()[name] = setup; }
};

}  // namespace agentcoder::cli
