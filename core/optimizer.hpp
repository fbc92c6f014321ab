#pragma once
// First-order methods on the parameter blocks (docs/design.md §4): gd, ngd, polyak, ℓp mirror descent, and the
// normalised gradient (or mirror) flow integrated by Dormand–Prince 5(4).
#include <Eigen/Dense>

#include "config.hpp"
#include "model.hpp"

namespace attnsvm {

/// What one step did, for the metrics.
struct StepReport {
  double loss = 0;           ///< loss before the step
  double log_grad_norm = 0;  ///< log ‖∇L‖_F over the trained blocks, before the step
  double step_length = 0;    ///< ‖θ_{k+1} − θ_k‖_F
};

class Optimizer {
 public:
  Optimizer(const OptimizerConfig& config, const Model& model);

  /// One iteration (flow: one accepted Runge–Kutta step). Leaves `params` untouched if it throws.
  StepReport step(Params& params, const Sequences& train);

  /// Changes the step size without resetting the run (flow: the largest arc-length step).
  void set_lr(double lr) { config_.lr = lr, flow_h_ = std::min(flow_h_, lr); }
  const OptimizerConfig& config() const { return config_; }

  /// Flow only: arc length τ and log of the original time t = ∫ dτ / ‖∇L‖.
  double tau() const { return tau_; }
  double log_time() const { return log_time_; }

 private:
  StepReport flow_step(Params& params, const Sequences& train);

  OptimizerConfig config_;
  const Model& model_;
  Workspace ws_;   // evaluation buffers and cached token values, reused by every step
  Evaluation ev_;  // the last evaluation (its storage is reused)
  Eigen::MatrixXd next_;
  double tau_ = 0, log_time_ = -INFINITY, flow_h_;
};

/// ∇ψ(θ) = sign(θ) ⊙ |θ|^{p−1}, the mirror map of ψ = ‖·‖_p^p / p (identity for p = 2).
Eigen::MatrixXd mirror_map(const Eigen::MatrixXd& theta, double p);
/// Its inverse ∇ψ*(U) = sign(U) ⊙ |U|^{1/(p−1)}.
Eigen::MatrixXd inverse_mirror_map(const Eigen::MatrixXd& U, double p);
/// Entrywise ℓp norm.
double lp_norm(const Eigen::Ref<const Eigen::MatrixXd>& M, double p);

}  // namespace attnsvm
