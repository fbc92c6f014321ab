#include "metrics.hpp"

#include <cmath>

#include "optimizer.hpp"

namespace attnsvm {

double correlation(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B) {
  double na = A.norm(), nb = B.norm();
  if (!(na > 0) || !(nb > 0)) return NAN;
  return (A.array() * B.array()).sum() / (na * nb);
}

double one_minus_correlation(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B) {
  double na = A.norm(), nb = B.norm();
  if (!(na > 0) || !(nb > 0)) return NAN;
  return 0.5 * (A / na - B / nb).squaredNorm();
}

double bregman_divergence(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::MatrixXd>& b,
                          double p) {
  auto psi = [p](const Eigen::MatrixXd& m) { return m.array().abs().pow(p).sum() / p; };
  Eigen::MatrixXd grad_b = mirror_map(b, p);
  return psi(a) - psi(b) - (grad_b.array() * (a - b).array()).sum();
}

double directional_bregman(const Eigen::Ref<const Eigen::MatrixXd>& R, const Eigen::Ref<const Eigen::MatrixXd>& W,
                           double p) {
  double nr = lp_norm(R, p), nw = lp_norm(W, p);
  if (!(nr > 0) || !(nw > 0)) return NAN;
  return std::max(0.0, bregman_divergence(R / nr, W / nw, p));
}

Eigen::VectorXd singular_values(const Eigen::Ref<const Eigen::MatrixXd>& M) {
  return Eigen::JacobiSVD<Eigen::MatrixXd>(M).singularValues();
}

double nuclear_norm(const Eigen::Ref<const Eigen::MatrixXd>& M) { return singular_values(M).sum(); }

int matrix_rank(const Eigen::Ref<const Eigen::MatrixXd>& M, double tol) {
  if (M.size() == 0) return 0;
  return static_cast<int>((singular_values(M).array() > tol).count());
}

double large_entry_share(const Eigen::Ref<const Eigen::MatrixXd>& W, double threshold) {
  const double top = W.cwiseAbs().maxCoeff();
  if (!(top > 0)) return 0.0;
  return static_cast<double>((W.array().abs() > threshold * top).count()) / static_cast<double>(W.size());
}

double svm_norm(const Eigen::Ref<const Eigen::MatrixXd>& M, SvmNorm norm, double p) {
  switch (norm) {
    case SvmNorm::Fro: return M.norm();
    case SvmNorm::Nuc: return nuclear_norm(M);
    case SvmNorm::Lp: return lp_norm(M, p);
    case SvmNorm::L1Diag: return M.cwiseAbs().sum();
  }
  return NAN;
}

double log_sum_exp(const Eigen::Ref<const Eigen::VectorXd>& a) {
  double m = a.maxCoeff();
  if (m == -INFINITY) return m;
  return m + std::log((a.array() - m).exp().sum());
}

Eigen::MatrixXd row_softmax(const Eigen::Ref<const Eigen::MatrixXd>& A) {
  Eigen::MatrixXd P(A.rows(), A.cols());
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    const double lse = log_sum_exp(A.row(i).transpose());
    for (Eigen::Index t = 0; t < A.cols(); ++t) P(i, t) = std::exp(A(i, t) - lse);
  }
  return P;
}

double log_one_minus_softmax(const Eigen::Ref<const Eigen::VectorXd>& a, int alpha) {
  if (a.size() < 2) return -INFINITY;
  Eigen::VectorXd others(a.size() - 1);
  for (Eigen::Index t = 0, k = 0; t < a.size(); ++t)
    if (t != alpha) others(k++) = a(t);
  return log_sum_exp(others) - log_sum_exp(a);
}

}  // namespace attnsvm
