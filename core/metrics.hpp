#pragma once
// Metrics of docs/design.md §6 that compare matrices: norms, correlation, directional Bregman divergence,
// normalised margins, and the log-domain sparsification log(1 − s_α).
#include <Eigen/Dense>

#include "config.hpp"

namespace attnsvm {

/// corr(A, B) = ⟨A, B⟩ / (‖A‖_F ‖B‖_F); NaN when either vanishes.
double correlation(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B);
/// 1 − correlation(A, B), as ‖A/‖A‖ − B/‖B‖‖_F² / 2: accurate to a relative 1e-16 of itself far below the 1e-16
/// where 1 − correlation(A, B) is all rounding (NaN if A or B is 0).
double one_minus_correlation(const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::MatrixXd>& B);

/// Bregman divergence of ψ = ‖·‖_p^p / p: D_ψ(a, b) = ψ(a) − ψ(b) − ⟨∇ψ(b), a − b⟩.
double bregman_divergence(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::MatrixXd>& b,
                          double p);

/// Directional Bregman divergence D_ψ(R/‖R‖_p, W/‖W‖_p); NaN when either vanishes.
double directional_bregman(const Eigen::Ref<const Eigen::MatrixXd>& R, const Eigen::Ref<const Eigen::MatrixXd>& W,
                           double p);

Eigen::VectorXd singular_values(const Eigen::Ref<const Eigen::MatrixXd>& M);
double nuclear_norm(const Eigen::Ref<const Eigen::MatrixXd>& M);

/// The tolerance of the rank_<norm> metric columns: Tarzanagh et al.'s (absolute, on the SVM solution).
inline constexpr double kRankTolerance = 1e-7;
/// The number of singular values of M greater than tol (absolute, as numpy's matrix_rank(M, tol)).
int matrix_rank(const Eigen::Ref<const Eigen::MatrixXd>& M, double tol);

/// Share of the entries of W with |w| above threshold·max|w| (0 for W = 0): how dense W is.
double large_entry_share(const Eigen::Ref<const Eigen::MatrixXd>& W, double threshold);

/// ‖M‖ in the norm of an SVM reference: Frobenius, nuclear, entrywise ℓp, or ℓ1 (l1diag; entrywise, which
/// is the ℓ1 of the diagonal for a diagonal M).
double svm_norm(const Eigen::Ref<const Eigen::MatrixXd>& M, SvmNorm norm, double p);

/// log(1 − s_α) of softmax(a), from log-domain quantities: lse_{t≠α}(a_t) − lse_t(a_t).
double log_one_minus_softmax(const Eigen::Ref<const Eigen::VectorXd>& a, int alpha);

/// Row-wise softmax of a score matrix (sequences × tokens): s_it = exp(a_it − lse_t(a_i·)).
Eigen::MatrixXd row_softmax(const Eigen::Ref<const Eigen::MatrixXd>& A);

/// log-sum-exp of a vector.
double log_sum_exp(const Eigen::Ref<const Eigen::VectorXd>& a);

}  // namespace attnsvm
