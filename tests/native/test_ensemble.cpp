// The ensemble: mean and std over seeds equal those of the member runs, divergence is contained, and
// the papers' 100-instance claims hold on average (W → Frobenius SVM, KQ → nuclear SVM, each solved
// for the tokens the run selects, as in the papers' figures).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ensemble.hpp"
#include "errors.hpp"
#include "helpers.hpp"
#include "metrics.hpp"

using namespace attnsvm;
using attnsvm::testing::config_of;
using attnsvm::testing::run_shell;
using attnsvm::testing::temp_path;

namespace {

const char* kPapers = R"({"data": {"kind": "gaussian-unit", "n": 6, "T": 8, "d": 10, "seed": 1},
                          "model": {"param": "%s"}, "optimizer": {"kind": "ngd", "lr": 0.1},
                          "svm": {"norms": ["fro", "nuc"], "tokens": "selected"}})";

Config papers(const std::string& param) {
  std::string json = kPapers;
  json.replace(json.find("%s"), 2, param);
  return config_of(json);
}

std::size_t column(const EnsembleSummary& e, const std::string& name) {
  for (std::size_t c = 0; c < e.columns.size(); ++c)
    if (e.columns[c] == name) return c;
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("the log grid starts at 0, rises strictly and ends at the horizon") {
  for (long horizon : {1L, 7L, 1000L, 123456L})
    for (int points : {2, 10, 60}) {
      std::vector<long> g = log_grid(horizon, points);
      CHECK(g.front() == 0);
      CHECK(g.back() == horizon);
      CHECK(g.size() <= static_cast<std::size_t>(points) + 1);
      for (std::size_t k = 1; k < g.size(); ++k) CHECK(g[k] > g[k - 1]);
    }
}

TEST_CASE("ensemble mean and std equal those of the member runs at every grid point") {
  Config base = papers("W");
  const int members = 5;
  Ensemble ensemble(base, members, 300, 12);
  // small budgets: members are interleaved with the caller's slices exactly as in the worker
  while (!ensemble.advance(37)) {
  }
  const EnsembleSummary& e = ensemble.summary();
  REQUIRE(e.done == members);
  CHECK(e.failures.empty());
  for (const std::string name : {"loss", "corr_fro", "norm_fro", "margin_nuc"}) {
    std::size_t c = column(e, name);
    for (std::size_t p = 0; p < e.steps.size(); ++p) {
      std::vector<double> values;
      for (int k = 0; k < members; ++k) {
        Session s(member_config(base, k));
        s.step(e.steps[p]);
        s.checkpoint();
        values.push_back(s.history().back().values[c]);
      }
      double mean = 0, var = 0;
      for (double x : values) mean += x / members;
      for (double x : values) var += (x - mean) * (x - mean) / members;
      CHECK(e.count[c][p] == members);
      CHECK(e.mean[c][p] == doctest::Approx(mean).epsilon(1e-12));
      CHECK(e.std[c][p] == doctest::Approx(std::sqrt(var)).epsilon(1e-9).scale(1e-12));
    }
  }
}

TEST_CASE("members vary the data and the initialisation") {
  Config base = papers("W");
  Session a(member_config(base, 0)), b(member_config(base, 1));
  CHECK(member_config(base, 1).data.seed == base.data.seed + 1);
  CHECK(member_config(base, 1).model.init.seed == base.model.init.seed + 1);
  CHECK((a.dataset().train.X - b.dataset().train.X).norm() > 0.1);
}

TEST_CASE("diverging members are reported and left out of the statistics") {
  Config base = config_of(R"({"data": {"kind": "gaussian-unit", "n": 6, "T": 8, "d": 10},
                              "optimizer": {"kind": "md", "p": 1.01, "lr": 1e4}})");
  Ensemble ensemble(base, 3, 100, 5);
  CHECK(ensemble.advance(1'000'000));
  const EnsembleSummary& e = ensemble.summary();
  CHECK(e.done == 3);
  REQUIRE(e.failures.size() == 3);
  CHECK(e.failures[1].find("member 1 (seed 2): diverged at step") == 0);
  std::size_t loss = column(e, "loss");
  CHECK(e.count[loss][0] == 3);      // step 0 was recorded for every member
  CHECK(e.count[loss].back() == 0);  // md with p near 1 and a huge step overflows within 100 steps
  CHECK(std::isnan(e.mean[loss].back()));
}

TEST_CASE(
    "members run elsewhere (run_member, as the CLI's threads do) and added in order equal advance(), bit for bit") {
  // some members diverge (ℓ1.01 mirror descent at η = 2000 on the exponential loss), the others do not
  for (const char* json : {kPapers, R"({"data": {"n": 6, "T": 8, "d": 10}, "loss": "exponential",
                                       "optimizer": {"kind": "md", "p": 1.01, "lr": 2000}})"}) {
    std::string text = json;
    if (text.find("%s") != std::string::npos) text.replace(text.find("%s"), 2, "KQ");
    Config base = config_of(text);
    Ensemble here(base, 8, 300, 12);
    here.advance(1'000'000);
    Ensemble elsewhere(base, 8, 300, 12, MemberRuns::Elsewhere);
    CHECK(elsewhere.summary().done == 0);  // no member trained yet
    for (int k = 0; k < 8; ++k)
      elsewhere.add(Ensemble::run_member(elsewhere.member_base(), elsewhere.summary().steps, k));
    const EnsembleSummary &a = here.summary(), &b = elsewhere.summary();
    CHECK(b.done == 8);
    CHECK(b.columns == a.columns);
    CHECK(b.steps == a.steps);
    CHECK(b.count == a.count);
    CHECK(b.failures == a.failures);
    CHECK(b.failed_members == a.failed_members);
    CHECK(b.failed_steps == a.failed_steps);
    for (std::size_t c = 0; c < a.columns.size(); ++c)
      for (std::size_t p = 0; p < a.steps.size(); ++p) {
        CAPTURE(a.columns[c]);
        // NaN where no member has a finite value, else the same bits
        CHECK((std::isnan(a.mean[c][p]) ? std::isnan(b.mean[c][p]) : a.mean[c][p] == b.mean[c][p]));
        CHECK((std::isnan(a.std[c][p]) ? std::isnan(b.std[c][p]) : a.std[c][p] == b.std[c][p]));
      }
    CHECK_THROWS_AS(elsewhere.add(MemberRecord{}), std::logic_error);
  }
}

TEST_CASE("bad ensemble sizes name the field") {
  Config base = papers("W");
  CHECK_THROWS_WITH_AS(Ensemble(base, 0, 10), doctest::Contains("ensemble.members"), InputError);
  CHECK_THROWS_WITH_AS(Ensemble(base, 2, 0), doctest::Contains("ensemble.iterations"), InputError);
  CHECK_THROWS_WITH_AS(Ensemble(base, 2, 10, 1), doctest::Contains("ensemble.points"), InputError);
}

// 120,000 steps and 40 nuclear-norm solves: seconds in Release, minutes under the sanitizers (skipped there).
TEST_CASE("over 20 seeds, NGD on W approaches the Frobenius SVM and NGD on KQ the nuclear SVM" *
          doctest::skip(ATTNSVM_SANITIZED)) {
  auto final_means = [](const std::string& param) {
    Ensemble ensemble(papers(param), 20, 3000, 8);
    ensemble.advance(1'000'000'000);
    const EnsembleSummary& e = ensemble.summary();
    REQUIRE(e.failures.empty());
    return std::pair{e.mean[column(e, "corr_fro")].back(), e.mean[column(e, "corr_nuc")].back()};
  };
  auto [w_fro, w_nuc] = final_means("W");
  auto [kq_fro, kq_nuc] = final_means("KQ");
  MESSAGE("W: corr fro " << w_fro << ", nuc " << w_nuc << "; KQ: fro " << kq_fro << ", nuc " << kq_nuc);
  // measured: W fro 0.999 ± 0.003, nuc 0.873; KQ fro 0.824, nuc 0.962 ± 0.035
  CHECK(w_fro > 0.99);
  CHECK(w_fro > w_nuc + 0.05);
  CHECK(kq_nuc > 0.93);
  CHECK(kq_nuc > kq_fro + 0.05);
}

TEST_CASE("attnsvm run --seeds writes the ensemble CSV; bad counts exit 2") {
  std::string config = temp_path(".json");
  { std::ofstream(config) << R"({"data": {"kind": "gaussian-unit"}, "run": {"iterations": 200}})"; }
  std::string out, err;
  REQUIRE(run_shell(std::string(ATTNSVM_CLI) + " run " + config + " --seeds 4 --points 6", &out, &err) == 0);
  std::istringstream lines(out);
  std::string header, line;
  std::getline(lines, header);
  CHECK(header.rfind("step,loss_mean,loss_std,loss_n,", 0) == 0);
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    CHECK(line.find(",4,") != std::string::npos);  // every member counted
  }
  CHECK(rows == static_cast<int>(log_grid(200, 6).size()));
  CHECK(run_shell(std::string(ATTNSVM_CLI) + " run " + config + " --seeds 0", &out, &err) == 2);
  CHECK(err.find("--seeds") != std::string::npos);
}

TEST_CASE("w_large: the share of W's entries above a tenth of its largest, as the compare table counts them") {
  Eigen::MatrixXd W(2, 2);
  W << 1, 0.05, 0.2, -0.5;
  CHECK(large_entry_share(W, 0.1) == doctest::Approx(0.75));
  CHECK(large_entry_share(Eigen::MatrixXd::Zero(3, 3), 0.1) == 0.0);
  // The session's column is the share of its current W (one head here), at every recorded step.
  Session s = Session::from_json(R"({"data": {"kind": "gaussian-unit", "n": 4, "T": 5, "d": 6, "seed": 2},
      "model": {"param": "W", "init": {"kind": "gaussian", "std": 1, "seed": 3}}, "optimizer": {"kind": "gd", "lr": 1},
      "svm": {"norms": []}, "run": {"record_every": 1}})");
  s.step(5);
  const auto& names = s.metric_names();
  const double recorded = s.history().back().values[std::find(names.begin(), names.end(), "w_large") - names.begin()];
  CHECK(recorded == large_entry_share(s.model().head_matrix(s.params(), 0), 0.1));
  CHECK(recorded > 0.5);
}
