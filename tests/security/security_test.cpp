// The attack suite: every case of attack_cases.cpp through the real sandbox,
// on the cold and on the warm path, followed by a leak check (no process,
// cgroup member or mount left behind).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>

#include "../sandbox/leftovers.h"
#include "attack_cases.h"

namespace agentcoder::sandbox::testing {
namespace {

struct Host {
  HostFacts facts;
  int listener = -1;
  std::string listener_error;  // why there is no listener, if there is none
  std::unique_ptr<Sandbox> cold, warm;
  std::multiset<std::string> mounts;
};

Host* host = nullptr;

// Opens the host service the loopback case must not reach: a TCP listener on
// 127.0.0.1, any free port. Sets facts.listening_port, or listener_error.
void listen_on_loopback(Host& h) {
  h.listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (h.listener < 0) {
    h.listener_error = std::string("socket: ") + std::strerror(errno);
  } else if (bind(h.listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    h.listener_error = std::string("bind 127.0.0.1: ") + std::strerror(errno);
  } else if (listen(h.listener, 4) != 0) {
    h.listener_error = std::string("listen: ") + std::strerror(errno);
  } else if (getsockname(h.listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    h.listener_error = std::string("getsockname: ") + std::strerror(errno);
  } else {
    h.facts.listening_port = ntohs(addr.sin_port);
  }
}

// Whether a host process can connect to the listener right now. A case that
// expects the sandbox's connect to be refused proves something only while
// the same connect from outside succeeds.
bool host_reaches_listener(const Host& h) {
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(h.facts.listening_port));
  bool connected = connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  // Take the connection off the backlog, so that later checks find room.
  pollfd ready{h.listener, POLLIN, 0};
  if (connected && poll(&ready, 1, 2000) == 1) {
    int accepted = accept4(h.listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (accepted >= 0) close(accepted);
    else connected = false;
  } else {
    connected = false;
  }
  close(client);
  return connected;
}

class SecuritySuite : public ::testing::TestWithParam<std::tuple<size_t, bool>> {
 public:
  static void SetUpTestSuite() {
    host = new Host;
    // Secrets the sandbox must not see: an environment variable, a file in
    // the host's /tmp and an inherited descriptor without O_CLOEXEC.
    setenv("SECRET_TOKEN", "host-secret-value", 1);
    host->facts.canary_path = "/tmp/agentcoder-canary-" + std::to_string(getpid());
    FILE* f = std::fopen(host->facts.canary_path.c_str(), "w");
    if (f) std::fclose(f);
    host->facts.inherited_fd = open(host->facts.canary_path.c_str(), O_RDONLY);
    host->facts.supervisor_pid = getpid();
    listen_on_loopback(*host);
    host->mounts = host_mounts();
    // tests/sandbox re-runs this suite as an unprivileged user, with a
    // cgroup delegated to it.
    SandboxOptions warm;
    if (const char* parent = std::getenv("AGENTCODER_TEST_CGROUP_PARENT")) warm.cgroup_parent = parent;
    warm.host_uid_base = unique_uid_base(0);
    SandboxOptions cold = warm;
    cold.warm = false;
    cold.host_uid_base = unique_uid_base(1);  // apart from the warm sandbox's, for the uid leak check
    host->cold = make_sandbox(cold);
    host->warm = make_sandbox(warm);
  }
  static void TearDownTestSuite() {
    host->cold.reset();
    host->warm.reset();
    if (host->listener >= 0) close(host->listener);
    close(host->facts.inherited_fd);
    unlink(host->facts.canary_path.c_str());
    delete host;
    host = nullptr;
  }
};

const std::vector<AttackCase>& cases() {
  static const std::vector<AttackCase> all = attack_cases();
  return all;
}

TEST_P(SecuritySuite, IsContained) {
  const auto [index, warm] = GetParam();
  const AttackCase& c = cases()[index];
  Sandbox& sandbox = warm ? *host->warm : *host->cold;
  ASSERT_GT(host->facts.listening_port, 0) << "no host listener for {PORT}: " << host->listener_error;
  if (c.code.find("{PORT}") != std::string::npos)
    ASSERT_TRUE(host_reaches_listener(*host)) << "the host cannot connect to its own listener on port "
                                             << host->facts.listening_port << ": a refusal would prove nothing";

  auto request = [&](const std::string& code) {
    ExecRequest r;
    r.code = render(code, host->facts);
    r.stdin_data = c.stdin_data;
    if (c.limits) c.limits(r.limits);
    return r;
  };
  std::future<ExecResult> first;
  if (!c.first.empty()) {
    if (c.first_concurrent) {
      first = std::async(std::launch::async, [&] { return sandbox.run(request(c.first)); });
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else {
      ExecResult r = sandbox.run(request(c.first));
      ASSERT_EQ(r.exit_code, 0) << "first run failed: " << r.stderr_data;
    }
  }
  ExecResult r = sandbox.run(request(c.code));
  EXPECT_EQ(r.warm, warm);
  EXPECT_TRUE(r.missing_protections.empty());
  SCOPED_TRACE("exit " + std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) + " timed_out " +
               std::to_string(r.timed_out) + " oom " + std::to_string(r.oom_killed) + " wall " +
               std::to_string(r.wall_seconds) + " cpu " + std::to_string(r.cpu_seconds) + " stderr: " +
               r.stderr_data.substr(0, 2000));
  c.check(r);
  if (first.valid()) {
    ExecResult f = first.get();
    EXPECT_EQ(f.exit_code, 0) << "first run failed: " << f.stderr_data;
  }
  Sandbox& other = warm ? *host->cold : *host->warm;
  std::set<std::string> other_groups;
  for (const SlotInfo& s : other.slots()) other_groups.insert(s.cgroup_dirs.begin(), s.cgroup_dirs.end());
  EXPECT_EQ(leftovers(sandbox, host->mounts, geteuid() == 0, other_groups), "");
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<size_t, bool>>& info) {
  return cases()[std::get<0>(info.param)].id + (std::get<1>(info.param) ? "_warm" : "_cold");
}

INSTANTIATE_TEST_SUITE_P(Attacks, SecuritySuite,
                         ::testing::Combine(::testing::Range<size_t>(0, attack_cases().size()), ::testing::Bool()),
                         case_name);

}  // namespace
}  // namespace agentcoder::sandbox::testing
