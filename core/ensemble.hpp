#pragma once
// The same setting over many seeds (docs/design.md §6, the papers' "100 random instances"): member k varies
// data.seed and model.init.seed by k, every member records its metrics on one log-spaced grid of
// iterations, and the ensemble keeps their mean and standard deviation per column and grid point.
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "session.hpp"

namespace attnsvm {

/// The ensemble's result so far: per metric column and grid point, over the members that reached it
/// with a finite value.
struct EnsembleSummary {
  std::vector<long> steps;                ///< the grid: 0 and log-spaced iterations up to the horizon
  std::vector<std::string> columns;       ///< = Session::metric_names()
  std::vector<std::vector<double>> mean;  ///< [column][grid point]
  std::vector<std::vector<double>> std;   ///< [column][grid point], population standard deviation
  std::vector<std::vector<int>> count;    ///< [column][grid point]: members with a finite value
  int members = 0;                        ///< members asked for
  int done = 0;                           ///< members finished (diverged ones included)
  /// "member k (seed s): <message>" for each failed member: diverged, or left out because an SVM reference
  /// on tokens that cannot change (optimal tokens, fixed decoder) is infeasible
  std::vector<std::string> failures;
  std::vector<int> failed_members;      ///< k of each failed member, in the order of failures
  std::vector<long> failed_steps;       ///< the step at which it diverged (0 for an infeasible reference)
  std::vector<bool> failed_infeasible;  ///< whether it failed for an infeasible reference, not by diverging
};

/// Why a member cannot be compared with its SVM references: one of them is infeasible on tokens that no
/// training changes (svm.tokens "optimal" with a fixed decoder), as the papers' infeasible instances, which
/// they leave out. E.g. "the nuc SVM reference is infeasible (...)"; empty when every reference is fine or
/// may still change. Solves the references if they are not solved yet.
std::string infeasible_reference(Session& session);

/// 0 and `points` log-spaced iterations in [1, horizon], rounded and deduplicated.
std::vector<long> log_grid(long horizon, int points);

/// The config of member k: data.seed + k and model.init.seed + k (datasets that have no seed, e.g. the
/// toys or a file, vary the initialisation only).
Config member_config(const Config& base, int k);

/// One member trained on its own to the end of the grid (MemberRecord run_member): its metric row at
/// every grid point it reached and, when it diverged, where and why.
struct MemberRecord {
  std::vector<std::vector<double>> rows;  ///< rows[p]: the row at grid point p (values as metric_names())
  bool diverged = false;
  bool infeasible = false;  ///< an SVM reference on fixed tokens is infeasible (infeasible_reference): no rows
  long step = 0;            ///< diverged: the step that failed
  std::string message;      ///< diverged: the DivergedError's message; infeasible: infeasible_reference's
};

/// Where an Ensemble's members are trained: in advance() one after the other (the page's worker, which
/// needs slices), or elsewhere by run_member and handed to add() in member order (the CLI's threads).
enum class MemberRuns { Here, Elsewhere };

class Ensemble {
 public:
  /// Validates the sizes (members in [1, 10000], horizon in [1, 10^9], points in [2, 1000]); the config
  /// itself is validated by the first member's Session (MemberRuns::Elsewhere: one with its references
  /// deferred, which solves nothing and trains no member).
  Ensemble(const Config& base, int members, long horizon, int points = 60, MemberRuns runs = MemberRuns::Here);

  /// Runs at most `budget` iterations of the current and following members; returns true once every
  /// member is done. A member that diverges is recorded in failures and the ensemble moves on.
  bool advance(long budget);

  /// Member k trained alone over this ensemble's grid. Touches nothing shared: any number of members may
  /// run at once on different threads. (Config and grid as member_base() and summary().steps.)
  static MemberRecord run_member(const Config& member_base, const std::vector<long>& grid, int k);
  /// The config run_member gets: the base config with the members' recording (grid points only).
  const Config& member_base() const { return base_; }
  /// Adds the next member's record (MemberRuns::Elsewhere; members in order 0, 1, …): the same sums and
  /// failures, bit for bit, as advance() training that member here.
  void add(const MemberRecord& member);

  bool finished() const { return summary_.done == summary_.members; }
  const EnsembleSummary& summary() const { return summary_; }

 private:
  void start_member();
  void record_point();
  void accumulate(const std::vector<double>& values, std::size_t p);
  void failed(long step, const std::string& message, bool infeasible);
  void finish_member();

  Config base_;
  EnsembleSummary summary_;
  std::unique_ptr<Session> current_;
  std::size_t next_point_ = 0;
  /// Welford accumulators per column and grid point: running mean and sum of squared deviations.
  std::vector<std::vector<double>> m2_;
};

}  // namespace attnsvm
