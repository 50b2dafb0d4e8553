// fit_logistic against scikit-learn (label python: the project's Python
// environment, where scikit-learn comes in with the hidden-state probe).
// Deterministic data sets of various sizes, knob scales and true curves are
// fitted by both; where our fit exists (ok, no_crossing, flat) the
// coefficients must agree with scikit-learn's unpenalised maximum likelihood
// fit. Separated sets are counted, not compared: there is no finite maximum
// for either to agree on.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "evaluation/logistic.h"
#include "support/python_env.h"
#include "support/cli_run.h"
#include "support/temp_dir.h"

using namespace agentcoder::evaluation;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Prints, per data set, scikit-learn's intercept and slope.
const char* kScript = R"py(
import json, sys, warnings
from sklearn.linear_model import LogisticRegression
warnings.simplefilter("ignore")
out = []
for s in json.load(open(sys.argv[1])):
    m = LogisticRegression(C=float("inf"), solver="newton-cg", tol=1e-12, max_iter=10000)
    m.fit([[x] for x in s["x"]], s["y"])
    out.append([float(m.intercept_[0]), float(m.coef_[0][0])])
print(json.dumps(out))
)py";

}  // namespace

TEST(LogisticAgainstScikitLearn, SameMaximumLikelihoodCoefficients) {
  const std::string python = agentcoder::testing::python_or_skip();
  if (python.empty()) GTEST_SKIP() << "no project Python environment";
  agentcoder::testing::TempDir dir;

  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> unit(0, 1);
  const double knobs[] = {1, 2, 3, 4, 5, 8, 12, 20, 25};
  nlohmann::json sets = nlohmann::json::array();
  std::vector<LogisticFit> fits;
  for (int i = 0; i < 120; ++i) {
    const double scale = i % 3 == 0 ? 10 : 1;
    const int n = 10 + static_cast<int>(rng() % 190);
    const double b0 = 4 * unit(rng) - 2, b1 = (unit(rng) - 0.5) / scale;
    std::vector<LogisticPoint> points;
    nlohmann::json xs = nlohmann::json::array(), ys = nlohmann::json::array();
    for (int k = 0; k < n; ++k) {
      double x = knobs[rng() % 9] * scale;
      bool y = unit(rng) < 1 / (1 + std::exp(-(b0 + b1 * x)));
      points.push_back({x, y});
      xs.push_back(x);
      ys.push_back(y ? 1 : 0);
    }
    LogisticFit f = fit_logistic(points);
    if (f.status == LogisticStatus::one_outcome) continue;  // scikit-learn refuses one class
    fits.push_back(f);
    sets.push_back({{"x", xs}, {"y", ys}});
  }
  const std::string data = dir.path("sets.json"), script = dir.path("fit.py");
  write(data, sets.dump());
  write(script, kScript);
  agentcoder::testing::CliRun r = agentcoder::testing::run_shell("'" + python + "' '" + script + "' '" + data + "' 2>&1");
  ASSERT_EQ(r.code, 0) << r.out;
  nlohmann::json theirs = nlohmann::json::parse(r.out);
  ASSERT_EQ(theirs.size(), fits.size());
  int compared = 0, separated = 0;
  for (size_t i = 0; i < fits.size(); ++i) {
    const double b0 = theirs[i][0], b1 = theirs[i][1];
    if (fits[i].intercept) {
      ++compared;
      EXPECT_NEAR(*fits[i].intercept, b0, 1e-5 * std::max(1.0, std::abs(b0))) << "set " << i;
      EXPECT_NEAR(*fits[i].slope, b1, 1e-5 * std::max(1e-2, std::abs(b1))) << "set " << i;
    } else {
      ASSERT_EQ(fits[i].status, LogisticStatus::separated) << "set " << i;
      ++separated;
    }
  }
  EXPECT_GT(compared, 80) << "most sets must overlap, or the comparison checks little";
  std::printf("compared %d fits with scikit-learn; %d separated sets have no finite fit\n", compared, separated);
}
