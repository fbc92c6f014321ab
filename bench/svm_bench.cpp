// Benchmark of the SVM solvers (docs/design.md §5): time per solve (median of repeats), certificate and
// status, on Gaussian-unit problems with the optimal tokens.
//
//   svm_bench                 print the table
//   svm_bench --dump DIR      also write each problem and our solution to DIR/<name>.json, for
//                             bench/svm_cvxopt.py (see bench/svm_compare.sh)
//   svm_bench --quick         fewer repeats
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"
#include "svm.hpp"

using namespace attnsvm;

namespace {

struct Case {
  int n, T, d;
  std::uint64_t seed;
  SvmNorm norm;
  double p;
  int repeats;
};

}  // namespace

int main(int argc, char** argv) {
  std::string dump;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dump" && i + 1 < argc)
      dump = argv[++i];
    else if (a == "--quick")
      quick = true;
    else {
      std::fprintf(stderr, "usage: svm_bench [--dump DIR] [--quick]\n");
      return 2;
    }
  }
  if (!dump.empty()) std::filesystem::create_directories(dump);
  const int r_small = quick ? 11 : 51, r_large = quick ? 3 : 7;
  const std::vector<Case> cases = {
      {6, 8, 10, 1, SvmNorm::Fro, 2, r_small},    {6, 8, 10, 1, SvmNorm::Lp, 1.75, r_small},
      {6, 8, 10, 1, SvmNorm::Nuc, 2, r_small},    {6, 8, 10, 1, SvmNorm::L1Diag, 2, r_small},
      {200, 16, 32, 1, SvmNorm::Fro, 2, r_large}, {200, 16, 32, 1, SvmNorm::Lp, 1.75, quick ? 1 : 3},
  };
  std::printf("%-16s %-8s %6s %12s %12s %12s %10s %8s %8s\n", "problem", "norm", "K", "ms (median)", "gap", "violation",
              "norm", "support", "status");
  for (const Case& c : cases) {
    DataConfig config;
    config.n = c.n, config.T = c.T, config.d = c.d, config.seed = c.seed;
    Dataset data = make_dataset(config);
    const Sequences& seq = data.train;
    Eigen::VectorXi alpha = optimal_tokens(seq, *data.v);
    std::vector<double> ms;
    SvmSolution sol;
    for (int r = 0; r < c.repeats; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      sol = att_svm(seq, alpha, c.norm, c.p);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::string size = "n" + std::to_string(c.n) + ",T" + std::to_string(c.T) + ",d" + std::to_string(c.d);
    std::string norm = c.norm == SvmNorm::Lp ? "lp" + std::to_string(c.p).substr(0, 4) : name(c.norm);
    std::printf("%-16s %-8s %6zu %12.3f %12.2e %12.2e %10.5g %8zu %8s\n", size.c_str(), norm.c_str(),
                sol.constraints.size(), median, sol.gap, sol.violation, sol.norm, sol.support.size(), name(sol.status));
    if (!dump.empty()) {
      Json j;
      j["name"] = size + "-" + norm;
      j["norm"] = name(c.norm);
      j["p"] = c.p;
      j["n"] = c.n, j["T"] = c.T, j["d"] = c.d;
      Eigen::MatrixXd a(sol.constraints.size(), c.d), z(sol.constraints.size(), c.d);
      Eigen::VectorXd b(sol.constraints.size());
      for (std::size_t k = 0; k < sol.constraints.size(); ++k) {
        const SvmConstraint& con = sol.constraints[k];
        a.row(k) = seq.X.row(con.sequence * seq.T + alpha(con.sequence)) - seq.X.row(con.sequence * seq.T + con.token);
        z.row(k) = seq.Z.row(con.sequence);
        b(k) = con.bound;
      }
      j["a"] = matrix_json(a);  // constraint k: a_kᵀ W c_k ≥ b_k
      j["c"] = matrix_json(z);
      j["b"] = std::vector<double>(b.data(), b.data() + b.size());
      j["W"] = matrix_json(sol.W);
      j["status"] = name(sol.status);
      j["value"] = sol.norm;
      j["gap"] = sol.gap;
      j["ms"] = median;
      std::ofstream(dump + "/" + size + "-" + norm + ".json") << j.dump();
    }
  }
  return 0;
}
