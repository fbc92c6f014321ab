#include "problem.hpp"

#include <algorithm>
#include <cmath>

#include "../errors.hpp"
#include "../optimizer.hpp"

namespace attnsvm::svm_detail {

MatrixXd Problem::combine(const VectorXd& lambda) const {
  MatrixXd R = MatrixXd::Zero(d, c.rows());
  for (int k = 0; k < K(); ++k)
    if (lambda(k) != 0) R.col(group[k]).noalias() += lambda(k) * a.row(k).transpose();
  return R * c;
}

MatrixXd Problem::combine(const std::vector<int>& idx, const VectorXd& z) const {
  MatrixXd R = MatrixXd::Zero(d, c.rows());
  for (std::size_t l = 0; l < idx.size(); ++l) R.col(group[idx[l]]).noalias() += z(l) * a.row(idx[l]).transpose();
  return R * c;
}

VectorXd Problem::apply(const MatrixXd& W) const {
  MatrixXd Q = W * c.transpose();  // d×G: W c_g
  VectorXd v(K());
  for (int k = 0; k < K(); ++k) v(k) = a.row(k).dot(Q.col(group[k]));
  return v;
}

RowMatrix Problem::dense() const {
  RowMatrix M(K(), static_cast<Index>(d) * dc);
  for (int k = 0; k < K(); ++k)
    for (int j = 0; j < dc; ++j)
      for (int i = 0; i < d; ++i) M(k, i + static_cast<Index>(d) * j) = a(k, i) * c(group[k], j);
  return M;
}

std::string describe(const SvmConstraint& c) {
  return "(sequence " + std::to_string(c.sequence) + ", token " + std::to_string(c.token) + ")";
}

// ------------------------------------------------------------------------------------------------
// Building the problems, with the up-front infeasibility checks.
// ------------------------------------------------------------------------------------------------
void check_inputs(const Sequences& seq, const Eigen::VectorXi& alpha) {
  if (alpha.size() != seq.n)
    throw InputError("alpha: has " + std::to_string(alpha.size()) + " entries for " + std::to_string(seq.n) +
                     " sequences");
  if (!seq.X.allFinite() || !seq.Z.allFinite() || !seq.y.allFinite()) throw InputError("dataset: non-finite values");
}

std::string build(const Sequences& seq, const Eigen::VectorXi& alpha, Kind kind, bool diagonal,
                  const std::vector<double>& bounds, Problem& P) {
  check_inputs(seq, alpha);
  const int n = seq.n, T = seq.T, d = seq.d;
  for (int i = 0; i < n; ++i)
    if (alpha(i) < 0 || alpha(i) >= T)
      return "sequence " + std::to_string(i) + ": the selected token " + std::to_string(alpha(i)) +
             " is out of range 0.." + std::to_string(T - 1);
  P.d = d;
  P.dc = kind == Kind::Att ? d : 1;
  if (kind == Kind::Att) {
    P.c = seq.Z;
  } else {
    P.c = MatrixXd::Ones(1, 1);
  }
  P.gc = P.c * P.c.transpose();
  std::vector<VectorXd> rows;
  for (int i = 0; i < n; ++i) {
    const double bi = bounds.empty() ? 1.0 : bounds[i];
    const VectorXd sel = seq.X.row(static_cast<Index>(i) * T + alpha(i)).transpose();
    if (kind == Kind::Decoder) {
      if (sel.isZero(0))
        return "sequence " + std::to_string(i) + ": the selected token " + std::to_string(alpha(i)) +
               " is zero, so no decoder scores it";
      rows.push_back(seq.y(i) * sel);
      P.group.push_back(0);
      P.b.conservativeResize(P.b.size() + 1);
      P.b(P.b.size() - 1) = bi;
      P.cons.push_back({i, alpha(i), bi});
      continue;
    }
    if (kind == Kind::Att && T > 1 && bi > 0 && seq.Z.row(i).isZero(0))
      return "sequence " + std::to_string(i) + ": the query z_" + std::to_string(i) +
             " is zero, so every score x_tᵀ W z is 0 and no W separates its tokens";
    for (int t = 0; t < T; ++t) {
      if (t == alpha(i)) continue;
      VectorXd a = sel - seq.X.row(static_cast<Index>(i) * T + t).transpose();
      if (bi > 0 && a.isZero(0))
        return "sequence " + std::to_string(i) + ": token " + std::to_string(t) + " equals the selected token " +
               std::to_string(alpha(i)) + ", so no attention can prefer it";
      if (diagonal && bi > 0 && a.cwiseProduct(seq.Z.row(i).transpose()).isZero(0))
        return "sequence " + std::to_string(i) + ": token " + std::to_string(t) + ": (x_α − x_t) ⊙ z_" +
               std::to_string(i) + " is zero, so no diagonal W separates it from the selected token " +
               std::to_string(alpha(i));
      rows.push_back(a);
      P.group.push_back(kind == Kind::Att ? i : 0);
      P.b.conservativeResize(P.b.size() + 1);
      P.b(P.b.size() - 1) = bi;
      P.cons.push_back({i, t, bi});
    }
  }
  P.a.resize(static_cast<Index>(rows.size()), d);
  for (std::size_t k = 0; k < rows.size(); ++k) P.a.row(static_cast<Index>(k)) = rows[k].transpose();
  return "";
}

Problem subset(const Problem& P, const std::vector<int>& keep) {
  Problem R;
  R.d = P.d, R.dc = P.dc, R.c = P.c, R.gc = P.gc;
  R.a.resize(static_cast<Index>(keep.size()), P.d);
  R.b.resize(static_cast<Index>(keep.size()));
  for (std::size_t l = 0; l < keep.size(); ++l) {
    R.a.row(l) = P.a.row(keep[l]), R.b(l) = P.b(keep[l]);
    R.group.push_back(P.group[keep[l]]);
    R.cons.push_back(P.cons[keep[l]]);
  }
  return R;
}

// ------------------------------------------------------------------------------------------------
// Norms and the certificate.
// ------------------------------------------------------------------------------------------------
VectorXd singular_values(const MatrixXd& M) {
  // JacobiSVD at every size: Eigen 3.4.0's BDCSVD (d > 16) merges clustered singular values wrongly at times
  // (measured: a nuclear dual S with three singular values ≈ 1 gave ‖S‖_op = √2, gap 1 − 1/√2)
  return Eigen::JacobiSVD<MatrixXd>(M).singularValues();
}

double primal_norm(SvmNorm kind, double p, const MatrixXd& W) {
  switch (kind) {
    case SvmNorm::Fro: return W.norm();
    case SvmNorm::Lp: return lp_norm(W, p);
    case SvmNorm::Nuc: return singular_values(W).sum();
    case SvmNorm::L1Diag: return W.diagonal().cwiseAbs().sum();
  }
  return NAN;
}

double dual_norm(SvmNorm kind, double p, const MatrixXd& S) {
  switch (kind) {
    case SvmNorm::Fro: return S.norm();
    case SvmNorm::Lp: return lp_norm(S, p / (p - 1.0));
    case SvmNorm::Nuc: return S.size() == 0 ? 0.0 : singular_values(S)(0);
    case SvmNorm::L1Diag: return S.diagonal().cwiseAbs().maxCoeff();
  }
  return NAN;
}

double feasibility_ratio(const VectorXd& b, const VectorXd& values) {
  double ratio = INFINITY;
  for (Index k = 0; k < b.size(); ++k)
    if (b(k) > 0) ratio = std::min(ratio, values(k) / b(k));
  return ratio;
}

double relative_gap(double upper, double lower) { return (upper - lower) / upper; }

ScaledGap scaled_gap(const VectorXd& b, const VectorXd& values, double norm, double lower) {
  ScaledGap s;
  s.ratio = feasibility_ratio(b, values);
  s.violation = 0;
  for (Index k = 0; k < b.size(); ++k)
    if (b(k) <= 0) s.violation = std::max(s.violation, -values(k) / s.ratio);
  if (s.ratio > 0) s.gap = relative_gap(norm / s.ratio, lower);
  return s;
}

Certificate certify(const Problem& P, SvmNorm kind, double p, MatrixXd W, const VectorXd& lambda) {
  Certificate cert;
  VectorXd values = P.apply(W);
  const double ratio = feasibility_ratio(P.b, values);
  if (ratio > 0 && std::isfinite(ratio)) {
    W /= ratio;
    values /= ratio;
  }
  cert.violation = 0;
  for (int k = 0; k < P.K(); ++k) cert.violation = std::max(cert.violation, P.b(k) - values(k));
  cert.norm = primal_norm(kind, p, W);
  double dn = dual_norm(kind, p, P.combine(lambda));
  double blam = P.b.dot(lambda);
  cert.lower = dn > 0 ? blam / dn : 0.0;
  cert.gap = cert.norm > 0 ? relative_gap(cert.norm, cert.lower) : 0.0;
  cert.W = std::move(W);
  return cert;
}

void fill(SvmSolution& sol, const Problem& P, SvmNorm kind, double p, const MatrixXd& W, const VectorXd& lambda) {
  Certificate cert = certify(P, kind, p, W, lambda);
  sol.W = std::move(cert.W);
  if (kind == SvmNorm::L1Diag) sol.W = MatrixXd(sol.W.diagonal().asDiagonal());
  sol.norm = cert.norm;
  sol.margin = 1.0 / cert.norm;
  sol.gap = cert.gap;
  sol.violation = cert.violation;
  sol.lambda = lambda;
  sol.support.clear();
  double top = lambda.size() ? lambda.maxCoeff() : 0.0;
  for (int k = 0; k < lambda.size(); ++k)
    if (lambda(k) > 1e-9 * top && lambda(k) > 0) sol.support.push_back(k);
}

SvmSolution base_solution(SvmNorm norm, double p, const Eigen::VectorXi& alpha, const Problem& P) {
  SvmSolution sol;
  sol.norm_kind = norm;
  sol.p = norm == SvmNorm::Lp ? p : 2.0;
  sol.alpha = alpha;
  sol.constraints = P.cons;
  sol.lambda = VectorXd::Zero(P.K());
  return sol;
}

SvmSolution infeasible(SvmSolution sol, std::string reason) {
  sol.status = SvmStatus::Infeasible;
  sol.reason = std::move(reason);
  return sol;
}

}  // namespace attnsvm::svm_detail
