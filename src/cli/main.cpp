// agentcoder: the command line of the harness. Each subcommand is registered
// from its own file (see commands.h). Exit codes: 0 success, 1 failure,
// 2 bad input (a missing file, a malformed line, a bad option).
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "utils/errors.h"

namespace agentcoder::cli {
std::map<std::string, CommandSetup>& registered_commands() {
  static std::map<std::string, CommandSetup> commands;
  return commands;
}
}  // namespace agentcoder::cli

int main(int argc, char** argv) {
  CLI::App app{"agentcoder: when does a small code model choose to use a tool?"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  for (const auto& [name, setup] : agentcoder::cli::registered_commands()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "agentcoder: %s\n", e.what());
    return 2;
  } catch (const agentcoder::InputError& e) {
    std::fprintf(stderr, "agentcoder: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcoder: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
