#pragma once
// Margin losses ℓ(x) of x = y·f, in forms that stay finite for any x (docs/design.md §3).
#include <cmath>
#include <limits>

#include "config.hpp"

namespace attnsvm {

/// softplus(x) = log(1 + e^x), without overflow.
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

/// log(e^a + e^b).
inline double log_add_exp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

/// log(e^x − 1) for x > 0 given log x (x may be far below the smallest double).
inline double log_expm1_from_log(double log_x) {
  if (log_x < -20) return log_x + 0.5 * std::exp(log_x);  // e^x − 1 = x(1 + x/2 + …)
  double x = std::exp(log_x);
  return x > 30 ? x + std::log1p(-std::exp(-x)) : std::log(std::expm1(x));
}

/// log(log(1 + y)) given log y.
inline double log_log1p_from_log(double log_y) {
  if (log_y < -30) return log_y;  // log(1 + y) = y(1 − y/2 + …)
  return std::log(std::log1p(std::exp(log_y)));
}

/// ℓ(x): logistic softplus(−x), exponential e^{−x}, linear −x.
inline double loss_value(LossKind kind, double x) {
  switch (kind) {
    case LossKind::Logistic: return softplus(-x);
    case LossKind::Exponential: return std::exp(-x);
    case LossKind::Linear: return -x;
  }
  return NAN;
}

/// log ℓ(x) (logistic and exponential; the linear loss may be negative).
inline double log_loss_value(LossKind kind, double x) {
  switch (kind) {
    case LossKind::Logistic: return -x > -30 ? std::log(softplus(-x)) : -x;
    case LossKind::Exponential: return -x;
    case LossKind::Linear: return x < 0 ? std::log(-x) : -INFINITY;
  }
  return NAN;
}

/// log |ℓ'(x)|; ℓ' < 0 for every loss here. Logistic: ℓ'(x) = −σ(−x), log σ(−x) = −softplus(x).
inline double log_abs_loss_derivative(LossKind kind, double x) {
  switch (kind) {
    case LossKind::Logistic: return -softplus(x);
    case LossKind::Exponential: return -x;
    case LossKind::Linear: return 0.0;
  }
  return NAN;
}

/// ℓ(x) and log |ℓ'(x)| at once: for the logistic loss softplus(−x) and −softplus(x) share the
/// log1p(e^{−|x|}) of softplus(y) = max(y, 0) + log1p(e^{−|y|}) (the same bits as two calls, half the cost).
struct LossAndLogSlope {
  double value, log_slope;
};
inline LossAndLogSlope loss_and_log_slope(LossKind kind, double x) {
  if (kind != LossKind::Logistic) return {loss_value(kind, x), log_abs_loss_derivative(kind, x)};
  const double tail = std::log1p(std::exp(-std::abs(x)));
  return {(x < 0 ? -x : 0.0) + tail, -((x > 0 ? x : 0.0) + tail)};
}

/// log(ℓ(x* − δ) − ℓ(x*)) for δ ≥ 0 given log δ: the excess loss of a margin δ short of the best x*.
inline double log_loss_excess(LossKind kind, double x_star, double log_delta) {
  if (log_delta == -INFINITY) return -INFINITY;
  switch (kind) {
    case LossKind::Logistic:  // softplus(δ − x*) − softplus(−x*) = log1p(σ(−x*)·(e^δ − 1))
      return log_log1p_from_log(-softplus(x_star) + log_expm1_from_log(log_delta));
    case LossKind::Exponential:  // e^{−x*}(e^δ − 1)
      return -x_star + log_expm1_from_log(log_delta);
    case LossKind::Linear: return log_delta;
  }
  return NAN;
}

}  // namespace attnsvm
