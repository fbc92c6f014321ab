#include "optimizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "errors.hpp"
#include "loss.hpp"

namespace attnsvm {

Eigen::MatrixXd mirror_map(const Eigen::MatrixXd& theta, double p) {
  if (p == 2.0) return theta;
  return theta.unaryExpr([p](double x) { return std::copysign(std::pow(std::abs(x), p - 1.0), x); });
}

Eigen::MatrixXd inverse_mirror_map(const Eigen::MatrixXd& U, double p) {
  if (p == 2.0) return U;
  return U.unaryExpr([p](double x) { return std::copysign(std::pow(std::abs(x), 1.0 / (p - 1.0)), x); });
}

double lp_norm(const Eigen::Ref<const Eigen::MatrixXd>& M, double p) {
  if (p == 2.0) return M.norm();
  double scale = M.cwiseAbs().maxCoeff();
  if (!(scale > 0)) return 0.0;
  return scale * std::pow((M.cwiseAbs() / scale).array().pow(p).sum(), 1.0 / p);  // scaled: no overflow
}

Optimizer::Optimizer(const OptimizerConfig& config, const Model& model)
    : config_(config), model_(model), flow_h_(config.lr) {}

StepReport Optimizer::step(Params& params, const Sequences& train) {
  if (config_.kind == OptimizerKind::Flow) return flow_step(params, train);
  const auto& trained = model_.trained_blocks();
  const bool polyak = config_.kind == OptimizerKind::Polyak;
  model_.evaluate(params, train, true, polyak, ws_, ev_);
  const Evaluation& ev = ev_;
  StepReport report;
  report.loss = ev.loss;
  report.log_grad_norm = ev.grad.log_norm(trained);
  const double p = config_.p, q = p / (p - 1.0);
  // Polyak: θ ← θ − η ∇L with η = s (L − L*) / ‖∇L‖², its length η‖∇L‖ capped at max_step (docs/design.md
  // §4): the coefficient on M_b is e^{log η + K_b}. The cap binds where L* is out of reach (the attention saturated
  // on a non-optimal token: ∇L vanishes while L − L* does not, and the bare step would grow without bound).
  double polyak_log = std::log(config_.scale) + ev.log_excess - 2.0 * report.log_grad_norm;
  if (polyak) polyak_log -= std::max(0.0, polyak_log + report.log_grad_norm - std::log(config_.max_step));
  double moved = 0;
  for (int b : trained) {
    const Eigen::MatrixXd& M = ev.grad.M[b];
    const double K = ev.grad.log_scale[b];
    if (K == -INFINITY) continue;  // this block's gradient vanishes
    Eigen::MatrixXd& next = next_;
    switch (config_.kind) {
      case OptimizerKind::GD: next = params.blocks[b] - (config_.lr * std::exp(K)) * M; break;
      case OptimizerKind::NGD: next = params.blocks[b] - config_.lr * M; break;  // ‖M‖_F = 1
      case OptimizerKind::Polyak: next = params.blocks[b] - std::exp(polyak_log + K) * M; break;
      case OptimizerKind::MD: {
        // U = ∇ψ(θ) − η G, θ ← ∇ψ*(U); G = ∇L, or ∇L / ‖∇L‖_q when normalised.
        Eigen::MatrixXd U = mirror_map(params.blocks[b], p);
        if (config_.normalized) {
          double norm_q = q == 2.0 ? 1.0 : lp_norm(M, q);
          U -= (config_.lr / norm_q) * M;
        } else {
          U -= (config_.lr * std::exp(K)) * M;
        }
        next = inverse_mirror_map(U, p);
        break;
      }
      case OptimizerKind::Flow: break;
    }
    moved += (next - params.blocks[b]).squaredNorm();
    params.blocks[b].swap(next);  // next_ keeps the old block's storage for the next step
  }
  report.step_length = std::sqrt(moved);
  return report;
}

namespace {

// Dormand–Prince 5(4) tableau (without the nodes c_i: the gradient flow is autonomous).
constexpr double kA[7][6] = {{},
                             {1.0 / 5},
                             {3.0 / 40, 9.0 / 40},
                             {44.0 / 45, -56.0 / 15, 32.0 / 9},
                             {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
                             {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
                             {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
constexpr std::array<double, 7> kB5 = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
constexpr std::array<double, 7> kB4 = {5179.0 / 57600, 0,       7571.0 / 16695, 393.0 / 640, -92097.0 / 339200,
                                       187.0 / 2100,   1.0 / 40};

}  // namespace

StepReport Optimizer::flow_step(Params& params, const Sequences& train) {
  // State: the dual coordinates U = ∇ψ(θ) of the trained blocks, flattened. Field: dU/dτ = −∇L / ‖∇L‖_q
  // (joint over blocks), the gradient (p = 2) or mirror flow in arc-length time.
  const auto& trained = model_.trained_blocks();
  const double p = config_.p, q = p / (p - 1.0);
  Eigen::Index size = 0;
  for (int b : trained) size += params.blocks[b].size();

  Params work = params;
  auto to_params = [&](const Eigen::VectorXd& U) {
    Eigen::Index at = 0;
    for (int b : trained) {
      auto& B = work.blocks[b];
      B = inverse_mirror_map(Eigen::Map<const Eigen::MatrixXd>(U.data() + at, B.rows(), B.cols()), p);
      at += B.size();
    }
  };
  StepReport report;
  // Returns the field at U and log ‖∇L‖_q there.
  auto field = [&](const Eigen::VectorXd& U, Eigen::VectorXd& out, double* loss) {
    to_params(U);
    model_.evaluate(work, train, true, false, ws_, ev_);
    const Evaluation& ev = ev_;
    if (loss) *loss = ev.loss;
    double log_norm = -INFINITY;  // log ‖∇L‖_q = (1/q) log Σ_b e^{q K_b} ‖M_b‖_q^q
    for (int b : trained)
      if (ev.grad.log_scale[b] > -INFINITY)
        log_norm = log_add_exp(log_norm, q * (ev.grad.log_scale[b] + std::log(lp_norm(ev.grad.M[b], q))));
    log_norm /= q;
    Eigen::Index at = 0;
    for (int b : trained) {
      const auto& M = ev.grad.M[b];
      double coef = ev.grad.log_scale[b] > -INFINITY ? -std::exp(ev.grad.log_scale[b] - log_norm) : 0.0;
      out.segment(at, M.size()) = coef * Eigen::Map<const Eigen::VectorXd>(M.data(), M.size());
      at += M.size();
    }
    if (p == 2.0) report.log_grad_norm = log_norm;
    return log_norm;
  };

  Eigen::VectorXd U(size);
  {
    Eigen::Index at = 0;
    for (int b : trained) {
      Eigen::MatrixXd D = mirror_map(params.blocks[b], p);
      U.segment(at, D.size()) = Eigen::Map<const Eigen::VectorXd>(D.data(), D.size());
      at += D.size();
    }
  }
  std::array<Eigen::VectorXd, 7> k;
  for (auto& ki : k) ki.resize(size);
  std::array<double, 7> log_norm{};
  log_norm[0] = field(U, k[0], &report.loss);
  if (p != 2.0) {  // report the Frobenius gradient norm like the other methods
    Evaluation ev = model_.evaluate(params, train, true, false);
    report.log_grad_norm = ev.grad.log_norm(trained);
  }
  if (log_norm[0] == -INFINITY) return report;  // a stationary point: the flow stays

  const double tol = config_.tol;
  double h = std::min(flow_h_, config_.lr);
  for (int attempt = 0; attempt < 200; ++attempt) {
    Eigen::VectorXd stage(size);
    for (int s = 1; s < 7; ++s) {
      stage = U;
      for (int j = 0; j < s; ++j)
        if (kA[s][j] != 0) stage += (h * kA[s][j]) * k[j];
      log_norm[s] = field(stage, k[s], nullptr);
    }
    Eigen::VectorXd next = stage;  // stage 7 is the 5th-order solution (FSAL)
    Eigen::VectorXd delta = Eigen::VectorXd::Zero(size);
    for (int s = 0; s < 7; ++s) delta += (h * (kB5[s] - kB4[s])) * k[s];
    Eigen::ArrayXd scale = tol + tol * U.cwiseAbs().array().max(next.cwiseAbs().array());
    double err = std::sqrt((delta.array() / scale).square().mean());
    if (!std::isfinite(err)) err = 1e10;
    double factor = err > 0 ? 0.9 * std::pow(err, -0.2) : 5.0;
    if (err <= 1.0) {
      // t advances by ∫ dτ / ‖∇L‖ ≈ h Σ_s b_s e^{−log‖∇L‖_s}, summed around the largest term.
      double m = -INFINITY;
      for (int s = 0; s < 7; ++s)
        if (kB5[s] != 0) m = std::max(m, -log_norm[s]);
      double sum = 0;
      for (int s = 0; s < 7; ++s) sum += kB5[s] * std::exp(-log_norm[s] - m);
      log_time_ = log_add_exp(log_time_, std::log(h) + m + std::log(sum > 0 ? sum : 1.0));
      tau_ += h;
      flow_h_ = std::min(config_.lr, h * std::min(5.0, factor));
      to_params(next);
      double moved = 0;
      for (int b : trained) moved += (work.blocks[b] - params.blocks[b]).squaredNorm();
      report.step_length = std::sqrt(moved);
      params = std::move(work);
      return report;
    }
    h *= std::max(0.1, factor);
    if (h < 1e-14 * (1.0 + U.norm())) break;
  }
  throw DivergedError(0, "flow: the step size underflowed while meeting optimizer.tol = " + std::to_string(tol) +
                             "; loosen optimizer.tol");
}

}  // namespace attnsvm
