#pragma once
// A Session owns data, model, optimiser and history (docs/design.md §7): created from the JSON config,
// advanced with step(k), read with snapshots. The CLI, the wasm module and the tests all go through it.
#include <Eigen/Dense>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"
#include "model.hpp"
#include "optimizer.hpp"
#include "svm.hpp"
#include "svm/request.hpp"

namespace attnsvm {

/// One recorded step: values in the order of Session::metric_names().
struct MetricRow {
  long step = 0;
  std::vector<double> values;
};

/// The state of a run at one step, cheap to copy out.
struct Snapshot {
  long step = 0;
  std::vector<std::string> columns;              ///< = Session::metric_names()
  std::vector<double> metrics;                   ///< the current values of every column
  std::vector<Eigen::MatrixXd> attention;        ///< per head: n×T softmax probabilities
  std::vector<Eigen::MatrixXd> log1m_attention;  ///< per head: n×T log10(1 − s_it), log-domain
  std::vector<Eigen::VectorXi> selected;         ///< per head: argmax_t s_it
  std::vector<Eigen::VectorXi> optimal;          ///< per head: argmax_t y_i x_itᵀ v_h
  std::vector<Eigen::MatrixXd> W;                ///< per head: effective key–query matrix (prompt: p, d×1)
  std::vector<Eigen::VectorXd> singular_values;  ///< per head
  std::vector<Eigen::VectorXd> decoders;         ///< per head: v_h
  /// The SVM references per head and norm (the request says which), with the local optimality of their
  /// token selection under the current decoders.
  std::vector<SvmResult> references;
};

/// When a Session solves its SVM references: at construction (the CLI, the tests, every default), or
/// on demand, so that a page can show the data before the (slow) nuclear-norm reference is solved.
enum class ReferenceSolving { AtConstruction, Deferred };

/// One SVM reference of a session's config: a norm of svm.norms and, for lp, one of the exponents of svm.p;
/// `suffix` names its metric columns (corr_<suffix>: "fro", "lp", or "lp3" when svm.p lists several).
struct ReferenceSpec {
  SvmNorm norm;
  double p;
  std::string suffix;
};

class Session {
 public:
  /// Deferred: until solve_references() (or the first step()), recorded rows have NaN SVM columns
  /// (corr_*, bregman_*, margin_*, svm_margin_*) and snapshots no references.
  explicit Session(const Config& config, ReferenceSolving solving = ReferenceSolving::AtConstruction);
  /// Parses and validates the JSON config (InputError names the field).
  static Session from_json(const std::string& config_json);

  /// Solves deferred SVM references and re-records the current row with them; no-op otherwise.
  void solve_references();
  bool references_deferred() const { return references_deferred_; }

  /// Runs k iterations, recording every run.record_every steps; deferred references are solved first, so
  /// no trained step is recorded without them. On divergence the parameters stay at
  /// the last finite state and DivergedError says at which step.
  void step(long k);

  /// Records the current step unless it is already the last recorded row (e.g. at the end of a run).
  void checkpoint();

  long iteration() const { return iteration_; }
  const Config& config() const { return config_; }
  const Dataset& dataset() const { return data_; }
  const Model& model() const { return *model_; }
  const Params& params() const { return params_; }
  /// Replaces the parameters (same shapes) and records the new state.
  void set_params(const Params& params);
  /// Changes the step size without resetting the run.
  void set_lr(double lr);

  const std::vector<std::string>& metric_names() const { return columns_; }
  /// Recorded rows, oldest first; decimated to at most run.max_history rows.
  const std::vector<MetricRow>& history() const { return history_; }
  Snapshot snapshot();

  /// {"W": effective matrix, "v", "K"/"Q" | "k"/"q" | "p" | "heads": [{"W", "v"}], "step"}.
  Json params_json() const;
  /// Reads params_json() output (or a subset naming the trained blocks) back in.
  Params params_from_json(const Json& json) const;

  /// The current SVM references, re-solved if the token selection changed; empty while deferred. Each
  /// result's request says its norm and head.
  const std::vector<SvmResult>& references();

  /// A request with the session's defaults: the model's problem (prompt for the prompt model, else
  /// attention), norm fro, the config's svm.p, optimal tokens, head 0, the solver's default budget.
  SvmRequest svm_request() const;
  /// Solves a request on the training data with the current parameters: optimal tokens from the head's
  /// decoder, selected ones from its attention; the result carries the local optimality of α.
  SvmResult solve_svm(const SvmRequest& request) const;

 private:
  struct Row;  // what the metric columns of one recorded row read (session.cpp)
  /// Whether a metric column is one column, one per ℓp exponent of svm.p (norm_lp), or one per SVM
  /// reference (its name the prefix: "corr_" → corr_fro, corr_lp1.75, ...).
  enum class Scope { Session, PerP, PerReference };
  /// One metric column of docs/design.md §6: its name, scope, whether this session has it, and its value in
  /// a row (for the reference, or the ℓp exponent, of the column).
  struct MetricColumn {
    const char* name;
    Scope scope;
    bool (*applies)(const Session&);
    double (*value)(Row&, const ReferenceSpec&);
  };
  /// The metric columns in their order: the session-wide ones (norm_lp once per exponent), then the
  /// per-reference ones for each reference.
  static const std::vector<MetricColumn>& metric_columns();
  /// Calls f(column, spec) for every column of this session in order (spec: the reference or exponent).
  template <class F>
  void for_each_column(F&& f) const;

  void record();
  MetricRow measure();
  Eigen::VectorXi tokens_for(int head, const Eigen::MatrixXd& scores) const;
  const SvmSolution& reference(int head, const ReferenceSpec& spec, const Eigen::VectorXi& alpha);

  Config config_;
  Dataset data_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Params params_, backup_;
  long iteration_ = 0;
  long record_every_;
  double last_step_length_ = 0;
  double bregman_p_;
  std::vector<ReferenceSpec> specs_;  ///< the SVM references: svm.norms, lp once per svm.p
  std::vector<std::string> columns_;
  std::vector<MetricRow> history_;
  std::vector<SvmResult> references_;
  bool references_deferred_;
  Workspace measure_ws_;  // buffers of the metrics' evaluation, reused by every recorded step
  Evaluation measure_ev_;
};

}  // namespace attnsvm
