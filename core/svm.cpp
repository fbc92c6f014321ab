#include "svm.hpp"

// The SVM solvers of docs/design.md §5. Every problem is "minimise ‖W‖ subject to ⟨A_k, W⟩ ≥ b_k" with
// rank-one constraint matrices A_k = a_k c_kᵀ (c_k is the query z_i of the constraint's sequence, or [1]
// for the vector problems). The solvers work on a copy of the problem scaled so that max_k ‖A_k‖_F = 1
// and map W and λ back at the end; the certificate is always computed on the original problem.
//
//   Frobenius / ℓ2   exact Lawson–Hanson active set on the least-distance problem (LDP), which also
//                    decides feasibility for every norm (feasibility does not depend on the norm)
//   entrywise ℓp     projected Newton (Bertsekas) on the dual of min ‖W‖_p^p / p, warm-started from ℓ2;
//                    for p > 2 finished on the primal by SQP (LDP subproblems) + Newton on the active set.
//                    Degenerate data (dependent constraints, non-unique dual) falls back to interior point
//                    methods: primal log-barrier for p > 2, dual log-barrier otherwise, each with a polish
//   nuclear          log-barrier interior point on the dual max bᵀλ s.t. ‖Σλ_k A_k‖_op ≤ 1, λ ≥ 0; the
//                    primal is recovered on the active singular subspace of Σλ_k A_k (least squares for
//                    a PSD core), then re-solved warm on the tight constraints so that λ has exact zeros
//   ℓ1 of diagonal   dense tableau simplex on the dual LP max bᵀλ s.t. ‖diag(Σλ_k A_k)‖_∞ ≤ 1, λ ≥ 0
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "errors.hpp"
#include "optimizer.hpp"

namespace attnsvm {

const char* name(SvmStatus status) {
  switch (status) {
    case SvmStatus::Optimal: return "optimal";
    case SvmStatus::Infeasible: return "infeasible";
    case SvmStatus::MaxIterations: return "max-iterations";
  }
  return "?";
}

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  // row k = vec(A_k)

// ------------------------------------------------------------------------------------------------
// The problem: constraints ⟨a_k c_{g(k)}ᵀ, W⟩ ≥ b_k on a d×dc matrix W. Constraints of one sequence
// share their c (the group g), which makes W = Σλ_k A_k and the values ⟨A_k, W⟩ cheap:
// W = Σ_g (Σ_{k∈g} λ_k a_k) c_gᵀ and ⟨A_k, W⟩ = a_kᵀ (W c_g).
// ------------------------------------------------------------------------------------------------
struct Problem {
  int d = 0, dc = 0;
  MatrixXd a;              ///< K×d, rows a_k
  MatrixXd c;              ///< G×dc, rows c_g
  std::vector<int> group;  ///< K
  VectorXd b;              ///< K
  MatrixXd gc;             ///< G×G Gram matrix of the c_g
  std::vector<SvmConstraint> cons;

  int K() const { return static_cast<int>(a.rows()); }

  MatrixXd combine(const VectorXd& lambda) const {
    MatrixXd R = MatrixXd::Zero(d, c.rows());
    for (int k = 0; k < K(); ++k)
      if (lambda(k) != 0) R.col(group[k]).noalias() += lambda(k) * a.row(k).transpose();
    return R * c;
  }
  /// Σ over a subset: indices idx with coefficients z.
  MatrixXd combine(const std::vector<int>& idx, const VectorXd& z) const {
    MatrixXd R = MatrixXd::Zero(d, c.rows());
    for (std::size_t l = 0; l < idx.size(); ++l) R.col(group[idx[l]]).noalias() += z(l) * a.row(idx[l]).transpose();
    return R * c;
  }
  VectorXd apply(const MatrixXd& W) const {
    MatrixXd Q = W * c.transpose();  // d×G: W c_g
    VectorXd v(K());
    for (int k = 0; k < K(); ++k) v(k) = a.row(k).dot(Q.col(group[k]));
    return v;
  }
  double inner(int k, int l) const { return a.row(k).dot(a.row(l)) * gc(group[k], group[l]); }
  double constraint_norm(int k) const { return a.row(k).norm() * std::sqrt(gc(group[k], group[k])); }

  /// Dense K×(d·dc) matrix of vec(A_k) (column-major vec), stored by rows.
  RowMatrix dense() const {
    RowMatrix M(K(), static_cast<Index>(d) * dc);
    for (int k = 0; k < K(); ++k)
      for (int j = 0; j < dc; ++j)
        for (int i = 0; i < d; ++i) M(k, i + static_cast<Index>(d) * j) = a(k, i) * c(group[k], j);
    return M;
  }
};

std::string describe(const SvmConstraint& c) {
  return "(sequence " + std::to_string(c.sequence) + ", token " + std::to_string(c.token) + ")";
}

// ------------------------------------------------------------------------------------------------
// Norms and the certificate.
// ------------------------------------------------------------------------------------------------
VectorXd singular_values(const MatrixXd& M) {
  if (M.rows() <= 16 && M.cols() <= 16) return Eigen::JacobiSVD<MatrixXd>(M).singularValues();
  return Eigen::BDCSVD<MatrixXd>(M).singularValues();
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

struct Certificate {
  MatrixXd W;  ///< scaled so that min_{b_k>0} ⟨A_k, W⟩ / b_k = 1
  double norm = NAN, lower = NAN, gap = NAN, violation = NAN;
};

/// Scales W to be feasible for the constraints with b_k > 0 and bounds the optimum from below with λ.
Certificate certify(const Problem& P, SvmNorm kind, double p, MatrixXd W, const VectorXd& lambda) {
  Certificate cert;
  VectorXd values = P.apply(W);
  double ratio = INFINITY;
  for (int k = 0; k < P.K(); ++k)
    if (P.b(k) > 0) ratio = std::min(ratio, values(k) / P.b(k));
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
  cert.gap = cert.norm > 0 ? (cert.norm - cert.lower) / cert.norm : 0.0;
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

// ------------------------------------------------------------------------------------------------
// Frobenius: Lawson–Hanson NNLS for the least-distance problem.
// min ½‖W‖² s.t. ⟨A_k, W⟩ ≥ b_k  ⇔  NNLS min ‖E u − f‖² (u ≥ 0) with columns e_k = (vec A_k, b_k),
// f = (0, 1). With ρ = 1 − bᵀu at the NNLS optimum: ρ > 0 ⇒ W = Σ u_k A_k / ρ, λ = u / ρ (the QP
// dual), and ρ = 1 / (1 + ‖W‖²); ρ = 0 ⇒ Σ u_k A_k = 0 with bᵀu = 1: a Farkas certificate of
// infeasibility. The active columns stay linearly independent, so a singular Gram matrix is harmless.
// ------------------------------------------------------------------------------------------------
struct LdpResult {
  VectorXd lambda;  ///< QP dual (valid when feasible)
  MatrixXd W;       ///< Σ λ_k A_k
  VectorXd u;       ///< NNLS solution (the Farkas combination when infeasible)
  bool infeasible = false, exhausted = false;
  int iterations = 0;
};

class Cholesky {  // L Lᵀ of the Gram matrix of the active columns, with O(s²) updates
 public:
  explicit Cholesky(int cap) : cap_(cap), L_(MatrixXd::Zero(std::min(cap, 64), std::min(cap, 64))) {}
  int size() const { return s_; }
  int capacity() const { return cap_; }
  /// Appends candidate columns with cross products Hc (s×B, against the current columns) and Gram Hn
  /// (B×B), skipping (numerically) dependent ones; returns the accepted candidates' positions.
  std::vector<int> append(MatrixXd Hc, const MatrixXd& Hn) {
    const int B = static_cast<int>(Hn.rows());
    if (s_ + B > L_.rows() && L_.rows() < cap_) {  // grow the buffer geometrically
      Index old = L_.rows(), grown = std::min<Index>(cap_, std::max<Index>(2 * old, s_ + B));
      MatrixXd next = MatrixXd::Zero(grown, grown);
      next.topLeftCorner(old, old) = L_;
      L_.swap(next);
    }
    if (s_ > 0) L_.topLeftCorner(s_, s_).triangularView<Eigen::Lower>().solveInPlace(Hc);  // X = L⁻¹ Hc
    std::vector<int> accepted;
    const int s0 = s_;
    for (int j = 0; j < B && s_ < L_.rows(); ++j) {
      // row of the new column: [X_jᵀ, l] with l against the candidates accepted so far
      VectorXd l(accepted.size());
      for (std::size_t m = 0; m < accepted.size(); ++m) {
        int r = s0 + static_cast<int>(m);
        double v = Hn(accepted[m], j) - (s0 > 0 ? Hc.col(accepted[m]).dot(Hc.col(j)) : 0.0);
        if (m > 0) v -= L_.row(r).segment(s0, m).dot(l.head(m));
        l(m) = v / L_(r, r);
      }
      double dd = Hn(j, j) - (s0 > 0 ? Hc.col(j).squaredNorm() : 0.0) - l.squaredNorm();
      if (!(dd > 1e-11 * Hn(j, j))) continue;
      if (s0 > 0) L_.row(s_).head(s0) = Hc.col(j).transpose();
      if (!accepted.empty()) L_.row(s_).segment(s0, accepted.size()) = l.transpose();
      L_(s_, s_) = std::sqrt(dd);
      ++s_;
      accepted.push_back(j);
    }
    return accepted;
  }
  /// Removes index r by Givens rotations on the columns.
  void remove(int r) {
    for (int j = 0; j < s_; ++j) {  // rows i ≥ r take row i + 1 (column by column: contiguous moves)
      int from = std::max(r, j - 1);
      if (from + 1 < s_) std::copy(&L_(from + 1, j), &L_(s_ - 1, j) + 1, &L_(from, j));
    }
    for (int i = r; i + 1 < s_; ++i) {
      double x = L_(i, i), y = L_(i, i + 1),
             h = std::sqrt(x * x + y * y);  // not std::hypot: its rounding differs between glibc and the wasm libm
      double cs = x / h, sn = y / h;
      for (int k = i; k + 1 < s_; ++k) {
        double u = L_(k, i), v = L_(k, i + 1);
        L_(k, i) = cs * u + sn * v;
        L_(k, i + 1) = -sn * u + cs * v;
      }
      L_(i, i + 1) = 0;
    }
    --s_;
    L_.row(s_).setZero();
    L_.col(s_).setZero();
  }
  void solve_in_place(VectorXd& x) const {
    auto L = L_.topLeftCorner(s_, s_);
    L.triangularView<Eigen::Lower>().solveInPlace(x);
    L.transpose().triangularView<Eigen::Upper>().solveInPlace(x);
  }

 private:
  int cap_;
  MatrixXd L_;
  int s_ = 0;
};

LdpResult solve_ldp(const Problem& P, int max_iterations) {
  const int K = P.K();
  const int cap = static_cast<int>(std::min<long>(K, static_cast<long>(P.d) * P.dc + 1));
  LdpResult out;
  Cholesky chol(cap);
  std::vector<int> act;
  std::vector<char> in(K, 0), excluded(K, 0);
  VectorXd u = VectorXd::Zero(K), diagH(K);
  for (int k = 0; k < K; ++k) diagH(k) = P.inner(k, k) + P.b(k) * P.b(k);
  const double bmax = P.b.cwiseAbs().maxCoeff();

  auto active_rhs = [&] {
    VectorXd z(act.size());
    for (std::size_t l = 0; l < act.size(); ++l) z(l) = P.b(act[l]);
    return z;
  };
  // H_PP z for the active set, through the structure (for iterative refinement).
  auto active_product = [&](const VectorXd& z) {
    MatrixXd Wz = P.combine(act, z);
    MatrixXd Q = Wz * P.c.transpose();
    double bz = 0;
    for (std::size_t l = 0; l < act.size(); ++l) bz += P.b(act[l]) * z(l);
    VectorXd r(act.size());
    for (std::size_t l = 0; l < act.size(); ++l) r(l) = P.a.row(act[l]).dot(Q.col(P.group[act[l]])) + P.b(act[l]) * bz;
    return r;
  };
  auto solve_active = [&](bool refine) {
    VectorXd rhs = active_rhs(), z = rhs;
    chol.solve_in_place(z);
    if (refine)
      for (int pass = 0; pass < 2; ++pass) {
        VectorXd r = rhs - active_product(z);
        chol.solve_in_place(r);
        z += r;
      }
    return z;
  };
  auto gram = [&](int k, int l) { return P.inner(k, l) + P.b(k) * P.b(l); };

  // Several of the most violated constraints enter at once (fewer gradient evaluations); when none of a
  // batch survives the inner loop, the next batch is a single constraint, for which Lawson–Hanson's
  // argument guarantees progress.
  int batch = 1;
  MatrixXd Wu;
  double rho = 1;
  std::vector<std::pair<double, int>> cand;
  while (true) {
    Wu = P.combine(u);
    rho = 1.0 - P.b.dot(u);
    if (rho < 1e-12) {  // margin below 1e-6 of the data scale: (numerically) inconsistent
      out.infeasible = true;
      break;
    }
    VectorXd w = rho * P.b - P.apply(Wu);
    const double tolw = std::max(1e-13 * rho, 32 * kEps * (rho * bmax + Wu.norm()));
    cand.clear();
    for (int k = 0; k < K; ++k)
      if (!in[k] && !excluded[k] && diagH(k) > 0 && w(k) > tolw) cand.emplace_back(w(k), k);
    if (cand.empty()) break;  // KKT holds: optimal
    const int B = std::min<int>(batch, static_cast<int>(cand.size()));
    std::partial_sort(cand.begin(), cand.begin() + B, cand.end(), std::greater<>());
    MatrixXd Hc(act.size(), B), Hn(B, B);
    for (int j = 0; j < B; ++j) {
      for (std::size_t l = 0; l < act.size(); ++l) Hc(l, j) = gram(act[l], cand[j].second);
      for (int m = 0; m <= j; ++m) Hn(j, m) = Hn(m, j) = gram(cand[m].second, cand[j].second);
    }
    std::vector<int> accepted = chol.append(Hc, Hn);
    if (accepted.empty()) {
      for (int j = 0; j < B; ++j) excluded[cand[j].second] = 1;
      continue;
    }
    const std::size_t s_before = act.size();
    for (int j : accepted) act.push_back(cand[j].second), in[cand[j].second] = 1;
    // Inner loop: the least-squares solution on the active set, stepping back to keep u ≥ 0.
    bool progressed = false;
    while (true) {
      if (++out.iterations > max_iterations) {
        out.exhausted = true;
        break;
      }
      VectorXd z = solve_active(false);
      const int s = static_cast<int>(act.size());
      if ((z.array() > 0).all()) {
        for (int l = 0; l < s; ++l) u(act[l]) = z(l);
        progressed = true;
        break;
      }
      double step = 1;
      int blocking = -1;
      for (int l = 0; l < s; ++l)
        if (z(l) <= 0) {
          double ul = u(act[l]), t = ul / (ul - z(l));
          if (t < step) step = t, blocking = l;
        }
      if (step > 0) progressed = true;
      for (int l = 0; l < s; ++l) u(act[l]) += step * (z(l) - u(act[l]));
      if (blocking >= 0) u(act[blocking]) = 0;
      for (int l = s - 1; l >= 0; --l)
        if (u(act[l]) <= 0 && (z(l) <= 0 || l == blocking)) {
          if (static_cast<std::size_t>(l) >= s_before && step == 0) excluded[act[l]] = 1;  // rounding: it does not help
          u(act[l]) = 0;
          in[act[l]] = 0;
          chol.remove(l);
          act.erase(act.begin() + l);
        }
    }
    if (out.exhausted) break;
    if (progressed) {
      std::fill(excluded.begin(), excluded.end(), 0);  // u moved: exclusions are stale
      batch = std::min(8, batch * 2);                  // larger batches cost more removals than they save (measured)
    } else {
      batch = 1;
    }
  }
  // Polish the final active-set solution with iterative refinement.
  if (!out.infeasible && !act.empty()) {
    VectorXd z = solve_active(true);
    if ((z.array() > 0).all())
      for (std::size_t l = 0; l < act.size(); ++l) u(act[l]) = z(l);
    Wu = P.combine(u);
    rho = 1.0 - P.b.dot(u);
    if (rho < 1e-12) out.infeasible = true;
  }
  out.u = u;
  if (!out.infeasible) {
    out.lambda = u / rho;
    out.W = Wu / rho;
  }
  return out;
}

std::string farkas_reason(const Problem& P, const VectorXd& u) {
  std::vector<int> idx;
  for (int k = 0; k < u.size(); ++k)
    if (u(k) > 1e-9 * u.maxCoeff()) idx.push_back(k);
  std::sort(idx.begin(), idx.end(), [&](int x, int y) { return u(x) > u(y); });
  std::ostringstream os;
  os << "the constraints are inconsistent: a nonnegative combination of the constraints ";
  for (std::size_t l = 0; l < std::min<std::size_t>(idx.size(), 6); ++l)
    os << (l ? ", " : "") << describe(P.cons[idx[l]]);
  if (idx.size() > 6) os << " and " << idx.size() - 6 << " more";
  os << " cancels (Σ u_k A_k = 0 with Σ u_k b_k > 0), so no W satisfies them all";
  return os.str();
}

// ------------------------------------------------------------------------------------------------
// Entrywise ℓp: projected Newton on the dual of min ‖W‖_p^p / p:
//   min_λ≥0 f(λ) = ψ*(Mᵀλ) − bᵀλ,  ψ*(S) = ‖S‖_q^q / q,  ∇f = M W(λ) − b,  W(λ) = sign(S) |S|^{q−1},
//   ∇²f = M diag((q−1)|S|^{q−2}) Mᵀ.
// ------------------------------------------------------------------------------------------------
struct IterResult {
  VectorXd lambda;
  MatrixXd W;
  int iterations = 0;
  bool converged = false;
  std::string reason;
  double t = 0;  ///< nuclear: the barrier parameter of the returned point
};

/// Given an active set A with independent rows, solves the KKT system ∇ψ(w) = M_Aᵀμ, M_A w = b_A of the
/// primal (p > 2) by damped Newton on (w, μ) — cheap steps, so entries of w that vanish at the optimum
/// (where the curvature of |w|^p vanishes and Newton converges only linearly) get the many steps they
/// need — then corrects the active set (drop μ_k < 0, add violated constraints). Returns false when it
/// does not settle.
bool kkt_polish(const RowMatrix& M, const VectorXd& b, double p, std::vector<int> A, VectorXd& w, VectorXd& lambda,
                int& iterations, int budget, int rounds = 20) {
  const Index D = M.cols();
  const int K = static_cast<int>(M.rows());
  VectorXd mu(A.size());
  for (std::size_t l = 0; l < A.size(); ++l) mu(l) = lambda(A[l]);
  auto grad = [p](const VectorXd& x) {
    return x.unaryExpr([p](double v) { return std::copysign(std::pow(std::abs(v), p - 1.0), v); }).eval();
  };
  for (int round = 0; round < rounds; ++round) {
    const Index s = static_cast<Index>(A.size());
    MatrixXd MA(s, D);
    VectorXd bA(s);
    for (Index l = 0; l < s; ++l) MA.row(l) = M.row(A[l]), bA(l) = b(A[l]);
    auto residual = [&](const VectorXd& x, const VectorXd& m) {
      VectorXd r(D + s);
      r.head(D) = grad(x) - MA.transpose() * m;
      r.tail(s) = MA * x - bA;
      return r;
    };
    VectorXd r = residual(w, mu);
    for (int it = 0; it < 200 && r.norm() > 1e-15 * (1 + w.norm()); ++it) {
      if (++iterations > budget) return false;
      // Newton step on [[H, −M_Aᵀ], [M_A, 0]] by its Schur complement M_A H⁻¹ M_Aᵀ (H = (p−1)|w|^{p−2}).
      VectorXd h = w.unaryExpr([p](double v) { return (p - 1.0) * std::pow(std::abs(v), p - 2.0); });
      VectorXd hinv = h.cwiseMax(1e-14 * h.maxCoeff()).cwiseInverse();
      MatrixXd MH = MA * hinv.asDiagonal();
      MatrixXd Sc = MH * MA.transpose();
      VectorXd rhs = -r.tail(s) + MH * r.head(D);
      Eigen::LDLT<MatrixXd> ldlt(Sc);
      VectorXd dmu = ldlt.solve(rhs);
      if (!dmu.allFinite()) return false;
      VectorXd step(D + s);
      step.head(D) = hinv.cwiseProduct(-r.head(D) + MA.transpose() * dmu);
      step.tail(s) = dmu;
      if (!step.allFinite()) return false;
      double a = 1, r0 = r.norm();
      bool moved = false;
      for (int ls = 0; ls < 40; ++ls, a *= 0.5) {
        VectorXd wt = w + a * step.head(D), mt = mu + a * step.tail(s);
        VectorXd rt = residual(wt, mt);
        if (rt.norm() <= (1 - 1e-4 * a) * r0) {
          w = wt, mu = mt, r = rt, moved = true;
          break;
        }
      }
      if (!moved) break;
    }
    // Active-set corrections.
    Index worst_mu = -1;
    for (Index l = 0; l < s; ++l)
      if (mu(l) < 0 && (worst_mu < 0 || mu(l) < mu(worst_mu))) worst_mu = l;
    VectorXd vals = M * w;
    int worst_k = -1;
    double worst_v = 1e-13;
    std::vector<char> inA(K, 0);
    for (int k : A) inA[k] = 1;
    for (int k = 0; k < K; ++k)
      if (!inA[k] && b(k) - vals(k) > worst_v) worst_v = b(k) - vals(k), worst_k = k;
    if (worst_mu >= 0 && mu(worst_mu) < -1e-14 * mu.cwiseAbs().maxCoeff()) {
      A.erase(A.begin() + worst_mu);
      VectorXd m2(s - 1);
      m2 << mu.head(worst_mu), mu.tail(s - 1 - worst_mu);
      mu = m2;
      continue;
    }
    if (worst_k >= 0) {
      A.push_back(worst_k);
      mu.conservativeResize(s + 1);
      mu(s) = 0;
      continue;
    }
    lambda.setZero();
    for (Index l = 0; l < s; ++l) lambda(A[l]) = std::max(mu(l), 0.0);
    return true;
  }
  return false;
}

/// For p > 2 the dual is badly curved where S_j ≈ 0 (|s|^q with q < 2), which happens whenever an entry
/// of the optimal W is small; the primal side ψ = |w|^p / p is C² there. This polish runs SQP on the
/// primal: each step solves the quadratic model min ½ dᵀHd + ∇ψ(w)ᵀd s.t. M(w + d) ≥ b with
/// H = diag((p−1)|w|^{p−2}); with u = H^{1/2}d + H^{−1/2}∇ψ it is the least-distance problem
/// min ½‖u‖² s.t. (H^{−1/2}M_k)ᵀu ≥ b_k − M_k w + M_k H^{−1}∇ψ, solved exactly by `solve_ldp` (which keeps
/// the active rows independent, so degenerate data is harmless); its multipliers are the KKT
/// multipliers λ. Full steps from a point near the optimum converge superlinearly. Returns false when the
/// step does not become negligible.
bool sqp_polish(const RowMatrix& M, const VectorXd& b, double p, VectorXd& w, VectorXd& lambda, int& iterations,
                int budget, double target) {
  const int K = static_cast<int>(M.rows());
  const Index D = M.cols();
  Problem Q;
  Q.d = static_cast<int>(D), Q.dc = 1;
  Q.c = MatrixXd::Ones(1, 1), Q.gc = MatrixXd::Ones(1, 1);
  Q.group.assign(K, 0);
  Q.cons.resize(K);
  Q.a.resize(K, D);
  double best = INFINITY;
  int stalled = 0;
  for (int it = 0; it < 30; ++it) {
    if (++iterations > budget) return false;
    VectorXd h = w.unaryExpr([p](double v) { return (p - 1.0) * std::pow(std::abs(v), p - 2.0); });
    h = h.cwiseMax(1e-12 * h.maxCoeff());
    VectorXd g = w.unaryExpr([p](double v) { return std::copysign(std::pow(std::abs(v), p - 1.0), v); });
    VectorXd rs = h.cwiseSqrt().cwiseInverse();  // H^{−1/2}
    Q.a = M * rs.asDiagonal();
    Q.b = b - M * w + M * g.cwiseQuotient(h);
    LdpResult r = solve_ldp(Q, budget);
    iterations += r.iterations;
    if (r.infeasible || r.exhausted || !r.W.allFinite()) return false;
    VectorXd u = r.W.col(0);
    VectorXd d = (u - g.cwiseProduct(rs)).cwiseProduct(rs);  // d = H^{−1/2}(u − H^{−1/2}∇ψ)
    w += d;
    lambda = r.lambda;
    // Entries that vanish at the optimum converge only linearly (the curvature of |w|^p vanishes with
    // them): finish with many cheap Newton steps on the active set the LDP identified (independent rows).
    {
      std::vector<int> A;
      for (int k = 0; k < K; ++k)
        if (lambda(k) > 1e-12 * lambda.maxCoeff()) A.push_back(k);
      VectorXd wk = w, lk = lambda;
      if (kkt_polish(M, b, p, A, wk, lk, iterations, budget, 3)) w = wk, lambda = lk;
    }
    VectorXd vals = M * w;
    double ratio = INFINITY, viol0 = 0;
    for (int k = 0; k < K; ++k)
      if (b(k) > 0) ratio = std::min(ratio, vals(k) / b(k));
    for (int k = 0; k < K; ++k)
      if (b(k) <= 0) viol0 = std::max(viol0, -vals(k) / ratio);
    if (ratio > 0 && viol0 <= 1e-12) {
      double ub = lp_norm(w, p) / ratio, lb = b.dot(lambda) / lp_norm(M.transpose() * lambda, p / (p - 1));
      double gap = (ub - lb) / ub;
      if (gap <= target) return true;
      stalled = gap < best ? 0 : stalled + 1;
      best = std::min(best, gap);
      if (stalled >= 3) return false;
    }
  }
  return false;
}

IterResult solve_lp(const Problem& P, double p, const VectorXd& lambda2, const SvmOptions& opt, int budget,
                    int newton_cap = 1 << 30) {
  const double q = p / (p - 1.0);
  const int K = P.K();
  const RowMatrix M = P.dense();
  const Index D = M.cols();
  RowMatrix Ms;  // scaled free rows, reused across iterations
  // W = ∇ψ*(S) = sign(S)|S|^{q−1}. For q < 2 (p > 2) the map amplifies rounding: an entry of S that is 0
  // in exact arithmetic but ±1e-16 in floating point would give |W_j| ~ 1e-16^{q−1}; entries below the
  // rounding level of S = Mᵀλ, 16 eps (|M|ᵀλ)_j, are therefore taken as 0.
  const RowMatrix Mabs = q < 2 ? RowMatrix(M.cwiseAbs()) : RowMatrix();
  auto gradpsi = [&](const VectorXd& S, const VectorXd& lam) {
    VectorXd W = S.unaryExpr([q](double s) { return std::copysign(std::pow(std::abs(s), q - 1.0), s); });
    if (q < 2) {
      VectorXd level = 16 * kEps * (Mabs.transpose() * lam);
      for (Index j = 0; j < W.size(); ++j)
        if (std::abs(S(j)) <= level(j)) W(j) = 0;
    }
    return W;
  };
  auto objective = [&](const VectorXd& lam, VectorXd& S) {
    S.noalias() = M.transpose() * lam;
    double scale = S.cwiseAbs().maxCoeff();
    double psi = scale > 0 ? std::pow(scale, q) * (S.cwiseAbs() / scale).array().pow(q).sum() / q : 0.0;
    return psi - P.b.dot(lam);
  };
  // Start: the ℓ2 dual scaled optimally along its ray, s = (bᵀμ / ‖Mᵀμ‖_q^q)^{1/(q−1)}.
  VectorXd lam = lambda2, S(D);
  {
    VectorXd S0 = M.transpose() * lam;
    double nq = lp_norm(S0, q);
    lam *= std::pow(P.b.dot(lam) / std::pow(nq, q), 1.0 / (q - 1.0));
  }
  // The certificate of a dual point (as in `certify`, on vectors): relative gap, and the violation of
  // the relaxed (b = 0) constraints after scaling; +∞ when no scaling makes W feasible.
  auto measure = [&](const VectorXd& lam, const VectorXd& S, const VectorXd& vals, double& viol0) -> double {
    double ratio = INFINITY;
    for (int k = 0; k < K; ++k)
      if (P.b(k) > 0) ratio = std::min(ratio, vals(k) / P.b(k));
    viol0 = 0;
    for (int k = 0; k < K; ++k)
      if (P.b(k) <= 0) viol0 = std::max(viol0, -vals(k) / ratio);
    if (!(ratio > 0)) return INFINITY;
    double ub = lp_norm(gradpsi(S, lam), p) / ratio, lb = P.b.dot(lam) / lp_norm(S, q);
    return (ub - lb) / ub;
  };
  IterResult out;
  double f = objective(lam, S);
  const double target = std::max(opt.tol, 1e-14);
  double best_gap = INFINITY, gap = INFINITY, viol0 = 0;
  VectorXd best_lam = lam;
  VectorXd Wv = gradpsi(S, lam), vals = M * Wv;
  gap = measure(lam, S, vals, viol0);
  std::vector<int> previous_F;
  int stable = 0;
  double damping = 1e-14;
  for (int it = 0; it < budget && it < newton_cap; ++it) {
    out.iterations = it + 1;
    VectorXd g = vals - P.b;
    if (gap < best_gap) best_gap = gap, best_lam = lam;
    if (gap <= target && viol0 <= 1e-12) {
      out.converged = true;
      break;
    }
    // Bertsekas' binding set.
    VectorXd proj = (lam - g).cwiseMax(0.0);
    double eps = std::min(1e-3, (lam - proj).norm());
    std::vector<int> F, B;
    for (int k = 0; k < K; ++k) (lam(k) <= eps && g(k) > 0 ? B : F).push_back(k);
    // p > 2: once the free set has settled, finish on the primal side (see sqp_polish).
    stable = F == previous_F ? stable + 1 : 0;
    previous_F = F;
    if (p > 2 && stable == 2) {
      VectorXd w = gradpsi(S, lam), lp_lam = lam;
      int used = 0;
      if (sqp_polish(M, P.b, p, w, lp_lam, used, budget, target)) {
        out.iterations += used;
        VectorXd Sp = M.transpose() * lp_lam, valsp = M * w;
        double v0 = 0, ratio = INFINITY;
        for (int k = 0; k < K; ++k)
          if (P.b(k) > 0) ratio = std::min(ratio, valsp(k) / P.b(k));
        for (int k = 0; k < K; ++k)
          if (P.b(k) <= 0) v0 = std::max(v0, -valsp(k) / ratio);
        double lb = P.b.dot(lp_lam) / lp_norm(Sp, q), ub = lp_norm(w, p) / ratio;
        double gp = (ub - lb) / ub;
        if (ratio > 0 && gp <= target && v0 <= 1e-12) {
          out.converged = true;
          out.lambda = lp_lam;
          out.W = Eigen::Map<const MatrixXd>(w.data(), P.d, P.dc);
          return out;
        }
      } else {
        out.iterations += used;
      }
    }
    VectorXd h(D);
    const double smax = S.cwiseAbs().maxCoeff();
    for (Index j = 0; j < D; ++j) {
      double s = std::abs(S(j));
      h(j) = s > 1e-300 ? (q - 1.0) * std::pow(s, q - 2.0) : (q > 2 ? 0.0 : INFINITY);
    }
    double hcap = (q - 1.0) * std::pow(std::max(smax, 1e-300), q - 2.0) * 1e12;
    if (q < 2) h = h.cwiseMin(hcap);
    VectorXd sq = h.cwiseSqrt();
    VectorXd dir = VectorXd::Zero(K);
    if (!F.empty()) {
      if (Ms.rows() < static_cast<Index>(F.size())) Ms.resize(std::max<Index>(F.size(), 2 * Ms.rows()), D);
      for (std::size_t l = 0; l < F.size(); ++l) Ms.row(l) = M.row(F[l]).cwiseProduct(sq.transpose());
      MatrixXd H = MatrixXd::Zero(F.size(), F.size());
      H.selfadjointView<Eigen::Lower>().rankUpdate(Ms.topRows(F.size()));
      VectorXd gF(F.size());
      for (std::size_t l = 0; l < F.size(); ++l) gF(l) = g(F[l]);
      double tr = H.diagonal().maxCoeff();
      VectorXd dF;
      // Levenberg–Marquardt damping: degenerate data (dependent constraints) make H_FF singular, and an
      // undamped solve then throws λ along its null space; `damping` adapts to the accepted step length.
      for (double reg = damping; reg < 1; reg *= 100) {
        MatrixXd Hr = H.selfadjointView<Eigen::Lower>();
        Hr.diagonal().array() += reg * tr;
        Eigen::LLT<MatrixXd> llt(Hr);
        if (llt.info() == Eigen::Success) {
          dF = -llt.solve(gF);
          if (dF.allFinite()) break;
        }
        dF.resize(0);
      }
      if (dF.size() == 0) dF = -gF / std::max(tr, 1e-300);
      for (std::size_t l = 0; l < F.size(); ++l) dir(F[l]) = dF(l);
    }
    for (int k : B) {
      double hk = (M.row(k).cwiseAbs2().transpose().cwiseProduct(h)).sum();
      dir(k) = -g(k) / std::max(hk, 1e-300);
    }
    // Armijo along the projection arc. Near the optimum the decrease of f drops below its rounding
    // error; a full step whose f agrees to rounding is then accepted when it improves the certificate.
    double alpha = 1;
    bool accepted = false;
    VectorXd trial(K), St(D), valst;
    double ft = f, gapt = gap, viol0t = viol0;
    for (int ls = 0; ls < 60; ++ls, alpha *= 0.5) {
      trial = (lam + alpha * dir).cwiseMax(0.0);
      ft = objective(trial, St);
      double pred = 0;
      for (int k : F) pred += -g(k) * (trial(k) - lam(k));
      for (int k : B) pred += g(k) * (lam(k) - trial(k));
      if (!std::isfinite(ft)) continue;
      if (ft <= f - 1e-4 * pred) {
        accepted = true;
        break;
      }
      if (std::abs(ft - f) <= 1e-12 * std::abs(f) && ls < 8) {
        valst = M * gradpsi(St, trial);
        gapt = measure(trial, St, valst, viol0t);
        if (gapt < gap) {
          accepted = true;
          break;
        }
      }
    }
    if (!accepted || (trial - lam).norm() <= kEps * lam.norm()) {
      out.reason = "the ℓp Newton iteration stalled";
      break;
    }
    damping = alpha == 1 ? std::max(1e-15, damping / 10) : std::min(1e-2, damping * 10);
    lam = trial;
    S = St;
    f = ft;
    vals = M * gradpsi(S, lam);
    gap = measure(lam, S, vals, viol0);
  }
  if (!out.converged) lam = best_lam, objective(lam, S);
  out.lambda = lam;
  Wv = gradpsi(M.transpose() * lam, lam);
  out.W = Eigen::Map<const MatrixXd>(Wv.data(), P.d, P.dc);
  return out;
}

/// Relative duality gap of an ℓp pair (λ, W) after scaling W to feasibility: (‖W‖_p / r − bᵀλ / ‖Mᵀλ‖_q)
/// over the first term, r the smallest ⟨A_k, W⟩ / b_k of the b_k > 0 rows; +∞ if no scaling makes W
/// feasible (a relaxed b_k = 0 row violated). The barrier methods' certificate.
double lp_scaled_gap(const Problem& P, const RowMatrix& M, double p, const VectorXd& lam, const VectorXd& W) {
  const double q = p / (p - 1.0);
  VectorXd vals = M * W;
  double ratio = INFINITY, viol0 = 0;
  for (int k = 0; k < P.K(); ++k)
    if (P.b(k) > 0) ratio = std::min(ratio, vals(k) / P.b(k));
  if (!(ratio > 0)) return INFINITY;
  for (int k = 0; k < P.K(); ++k)
    if (P.b(k) <= 0) viol0 = std::max(viol0, -vals(k) / ratio);
  if (viol0 > 1e-12) return INFINITY;
  double ub = lp_norm(W, p) / ratio, lb = P.b.dot(lam) / lp_norm(M.transpose() * lam, q);
  return (ub - lb) / ub;
}

/// The Newton direction −H⁻¹g from the lower triangle of H, with the smallest diagonal shift
/// (0, 1e-15, 1e-13, … times max H_kk) that factorises and gives a finite direction; empty if none does.
VectorXd regularized_newton_direction(const MatrixXd& H, const VectorXd& g, Eigen::LDLT<MatrixXd>& ldlt) {
  const double tr = H.diagonal().maxCoeff();
  for (double reg = 0; reg < 1; reg = reg == 0 ? 1e-15 : reg * 100) {
    MatrixXd Hr = H.selfadjointView<Eigen::Lower>();
    Hr.diagonal().array() += reg * tr;
    ldlt.compute(Hr);
    if (ldlt.info() == Eigen::Success) {
      VectorXd dir = -ldlt.solve(g);
      if (dir.allFinite()) return dir;
    }
  }
  return {};
}

/// The robust path for ℓp when projected Newton does not settle (degenerate data: dependent or
/// nearly duplicate constraints make the dual optimum non-unique and the binding set oscillate): a
/// log-barrier interior point method on the same dual, min f(λ) − μ Σ log λ_k with μ → 0. The barrier
/// term keeps the K×K Newton systems nonsingular whatever the degeneracy; at the centre
/// ⟨A_k, W(λ)⟩ − b_k = μ / λ_k ≥ 0, so W(λ) is feasible and the gap is O(Kμ). From each centre a polish
/// is tried on the constraints with λ_k ≥ slack_k: the primal KKT Newton for p > 2, a short projected
/// Newton run for p < 2.
IterResult lp_barrier(const Problem& P, double p, const VectorXd& start, const SvmOptions& opt, int budget) {
  const double q = p / (p - 1.0);
  const int K = P.K();
  const RowMatrix M = P.dense();
  const Index D = M.cols();
  const RowMatrix Mabs = q < 2 ? RowMatrix(M.cwiseAbs()) : RowMatrix();
  auto gradpsi = [&](const VectorXd& S, const VectorXd& lam) {  // as in solve_lp
    VectorXd W = S.unaryExpr([q](double v) { return std::copysign(std::pow(std::abs(v), q - 1.0), v); });
    if (q < 2) {
      VectorXd level = 16 * kEps * (Mabs.transpose() * lam);
      for (Index j = 0; j < W.size(); ++j)
        if (std::abs(S(j)) <= level(j)) W(j) = 0;
    }
    return W;
  };
  auto psi_star = [&](const VectorXd& S) {
    double scale = S.cwiseAbs().maxCoeff();
    return scale > 0 ? std::pow(scale, q) * (S.cwiseAbs() / scale).array().pow(q).sum() / q : 0.0;
  };
  auto certificate = [&](const VectorXd& lam, const VectorXd& W) { return lp_scaled_gap(P, M, p, lam, W); };
  IterResult out;
  VectorXd lam = start.cwiseMax(0.0);
  double mean = lam.mean();
  lam = lam.cwiseMax(1e-3 * (mean > 0 ? mean : 1.0));
  double mu = 0.1 * std::abs(psi_star(M.transpose() * lam) - P.b.dot(lam)) / K;
  if (!(mu > 0)) mu = 1e-3;
  // Relaxed (b = 0) constraints can hide implicit equalities (⟨A_k, W⟩ = 0 for every feasible W): then
  // some ν ≥ 0 has Mᵀν = 0 and bᵀν = 0, and the barrier alone would push λ to infinity along ν. The
  // vanishing proximal term μ·c/2 ‖λ‖² keeps every centre finite.
  const double c_prox = 1e-6 / std::pow(lam.maxCoeff(), 2);
  auto phi = [&](const VectorXd& l) -> double {
    if ((l.array() <= 0).any()) return INFINITY;
    return psi_star(M.transpose() * l) - P.b.dot(l) - mu * l.array().log().sum() + 0.5 * mu * c_prox * l.squaredNorm();
  };
  const double target = std::max(opt.tol, 1e-14);
  double best_gap = INFINITY;
  VectorXd best_lam = lam, best_W;
  MatrixXd H(K, K);
  RowMatrix Ms(K, D);
  Eigen::LDLT<MatrixXd> llt(K);  // pivoted: degenerate data make H nearly singular
  int failed_polishes = 0;
  double last_failure = INFINITY;
  auto consider = [&](const VectorXd& l, const VectorXd& W) {
    double g = certificate(l, W);
    if (g < best_gap) best_gap = g, best_lam = l, best_W = W;
  };
  for (int outer = 0; outer < 40 && out.iterations < budget && best_gap > target; ++outer) {
    for (int step = 0; step < 100 && out.iterations < budget; ++step) {  // centring
      ++out.iterations;
      VectorXd S = M.transpose() * lam;
      VectorXd g = M * gradpsi(S, lam) - P.b - mu * lam.cwiseInverse() + mu * c_prox * lam;
      const double smax = S.cwiseAbs().maxCoeff();
      VectorXd h = S.unaryExpr([q, smax](double v) {
        double a = std::abs(v);
        if (q < 2) return (q - 1.0) * std::pow(std::max(a, 1e-12 * smax + 1e-300), q - 2.0);
        return (q - 1.0) * std::pow(a, q - 2.0);
      });
      Ms = M * h.cwiseSqrt().asDiagonal();
      H.setZero();
      H.selfadjointView<Eigen::Lower>().rankUpdate(Ms);
      H.diagonal() += mu * lam.cwiseInverse().cwiseAbs2();
      H.diagonal().array() += mu * c_prox;
      VectorXd dir = regularized_newton_direction(H, g, llt);
      if (dir.size() == 0) break;
      const double dec2 = -g.dot(dir);
      if (!(dec2 > 1e-12)) break;
      double s = 1;
      for (int k = 0; k < K; ++k)
        if (dir(k) < 0) s = std::min(s, -0.99 * lam(k) / dir(k));
      const double phi0 = phi(lam);
      bool moved = false;
      for (int ls = 0; ls < 50; ++ls, s *= 0.5) {
        VectorXd trial = lam + s * dir;
        double ph = phi(trial);
        if (ph <= phi0 - 0.25 * s * dec2 + 1e-14 * std::abs(phi0)) {
          lam = trial;
          moved = true;
          break;
        }
      }
      if (!moved || dec2 < 1e-10) break;
    }
    VectorXd S = M.transpose() * lam, W = gradpsi(S, lam);
    consider(lam, W);
    // polish from the constraints that look active at this centre: λ_k ≥ slack_k = ⟨A_k, W⟩ − b_k
    VectorXd slack = M * W - P.b;
    VectorXd trimmed = VectorXd::Zero(K);
    for (int k = 0; k < K; ++k)
      if (lam(k) >= slack(k)) trimmed(k) = lam(k);
    // Polish when close enough for the active set to be right; after two failures (degenerate data)
    // only once the barrier has gained another factor 100.
    const double here = certificate(lam, W);
    if (here <= 1e-2 && (failed_polishes < 2 || here <= 1e-2 * last_failure)) {
      if (p > 2) {
        VectorXd w = W, lp_lam = lam;
        int used = 0;
        if (sqp_polish(M, P.b, p, w, lp_lam, used, budget, target)) consider(lp_lam, w);
        out.iterations += used;
      } else {
        IterResult pn = solve_lp(P, p, trimmed, opt, budget, 30);
        out.iterations += pn.iterations;
        consider(pn.lambda, Eigen::Map<const VectorXd>(pn.W.data(), D));
      }
      if (best_gap > target) ++failed_polishes, last_failure = here;
    }
    mu /= 10;
  }
  out.converged = best_gap <= target;
  if (!out.converged) {
    std::ostringstream os;
    os << "the ℓp interior-point method stopped at relative gap " << best_gap;
    out.reason = os.str();
  }
  if (best_W.size() == 0) best_W = gradpsi(M.transpose() * best_lam, best_lam);
  out.lambda = best_lam;
  out.W = Eigen::Map<const MatrixXd>(best_W.data(), P.d, P.dc);
  return out;
}

/// For p > 2 the smooth side is the primal (ψ = |w|^p / p is C², while ψ* = |s|^q / q with q < 2 bends
/// sharply where s ≈ 0, which stalls dual Newton steps): a primal log-barrier method,
/// min ψ(w) − μ Σ log(⟨A_k, W⟩ − b_k), from the strictly feasible 1.1 · W_ℓ2. Its centre gives the dual
/// λ_k = μ / slack_k with ∇ψ(w) = Σ λ_k A_k, and the gap is O(Kμ); from each centre the KKT polish runs
/// on the constraints with λ_k ≥ slack_k. Newton systems are D×D (D = d·dc).
IterResult lp_primal_barrier(const Problem& P, double p, const VectorXd& w_start, const SvmOptions& opt, int budget) {
  const int K = P.K();
  const RowMatrix M = P.dense();
  const Index D = M.cols();
  IterResult out;
  VectorXd w = w_start;
  auto psi = [&](const VectorXd& x) {
    double scale = x.cwiseAbs().maxCoeff();
    return scale > 0 ? std::pow(scale, p) * (x.cwiseAbs() / scale).array().pow(p).sum() / p : 0.0;
  };
  VectorXd slack = M * w - P.b;
  if (!(slack.minCoeff() > 0)) {
    out.reason = "no strictly feasible start for the primal barrier";
    return out;
  }
  double mu = 0.1 * psi(w) / K;
  auto phi = [&](const VectorXd& x) -> double {
    VectorXd sl = M * x - P.b;
    if (!(sl.minCoeff() > 0)) return INFINITY;
    return psi(x) - mu * sl.array().log().sum();
  };
  auto certificate = [&](const VectorXd& lam, const VectorXd& W) { return lp_scaled_gap(P, M, p, lam, W); };
  const double target = std::max(opt.tol, 1e-14);
  double best_gap = INFINITY;
  VectorXd best_lam, best_W;
  auto consider = [&](const VectorXd& l, const VectorXd& W) {
    double g = certificate(l, W);
    if (g < best_gap) best_gap = g, best_lam = l, best_W = W;
  };
  MatrixXd H(D, D);
  RowMatrix Ms(K, D);
  Eigen::LDLT<MatrixXd> llt(D);  // pivoted, as in lp_barrier
  int failed_polishes = 0;
  double last_failure = INFINITY;
  for (int outer = 0; outer < 40 && out.iterations < budget && best_gap > target; ++outer) {
    for (int step = 0; step < 100 && out.iterations < budget; ++step) {  // centring
      ++out.iterations;
      slack = M * w - P.b;
      VectorXd inv = slack.cwiseInverse();
      VectorXd grad = w.unaryExpr([p](double v) { return std::copysign(std::pow(std::abs(v), p - 1.0), v); }) -
                      mu * (M.transpose() * inv);
      Ms = inv.asDiagonal() * M;
      H.setZero();
      H.selfadjointView<Eigen::Lower>().rankUpdate(Ms.transpose(), mu);
      H.diagonal() += w.unaryExpr([p](double v) { return (p - 1.0) * std::pow(std::abs(v), p - 2.0); });
      VectorXd dir = regularized_newton_direction(H, grad, llt);
      if (dir.size() == 0) break;
      const double dec2 = -grad.dot(dir);
      if (!(dec2 > 1e-12)) break;
      VectorXd ds = M * dir;
      double s = 1;
      for (int k = 0; k < K; ++k)
        if (ds(k) < 0) s = std::min(s, -0.99 * slack(k) / ds(k));
      const double phi0 = phi(w);
      bool moved = false;
      for (int ls = 0; ls < 50; ++ls, s *= 0.5) {
        VectorXd trial = w + s * dir;
        if (phi(trial) <= phi0 - 0.25 * s * dec2 + 1e-14 * std::abs(phi0)) {
          w = trial;
          moved = true;
          break;
        }
      }
      if (!moved || dec2 < 1e-10) break;
    }
    slack = M * w - P.b;
    VectorXd lam = mu * slack.cwiseInverse();
    consider(lam, w);
    const double here = certificate(lam, w);
    if (here <= 1e-2 && (failed_polishes < 2 || here <= 1e-2 * last_failure)) {
      VectorXd wp = w, lp_lam = lam;
      int used = 0;
      if (sqp_polish(M, P.b, p, wp, lp_lam, used, budget, target)) consider(lp_lam, wp);
      out.iterations += used;
      if (best_gap > target) ++failed_polishes, last_failure = here;
    }
    mu /= 10;
  }
  out.converged = best_gap <= target;
  if (!out.converged) {
    std::ostringstream os;
    os << "the ℓp primal interior-point method stopped at relative gap " << best_gap;
    out.reason = os.str();
  }
  if (best_W.size() == 0) return out;
  out.lambda = best_lam;
  out.W = Eigen::Map<const MatrixXd>(best_W.data(), P.d, P.dc);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Nuclear norm: log-barrier method on the dual
//   max bᵀλ  s.t.  X(λ) = [[I, S], [Sᵀ, I]] ⪰ 0 (⇔ ‖S‖_op ≤ 1),  λ ≥ 0,  S = Σ λ_k a_k c_kᵀ,
// minimising φ_t(λ) = −t bᵀλ − log det X(λ) − Σ log λ_k. With Y = X⁻¹ and B_k = [[0, A_k], [A_kᵀ, 0]]:
//   ∇_k(−log det X) = −⟨Y, B_k⟩ = −2 a_kᵀ Y₁₂ c_k,
//   ∇²_kl(−log det X) = tr(Y B_k Y B_l) = 2 (R_kl R_lk + P_kl Q_kl),
// P = A Y₁₁ Aᵀ, Q = C Y₂₂ Cᵀ, R = A Y₁₂ Cᵀ (rows a_k, c_k). On the central path the matrix dual is Y/t,
// whose off-diagonal block gives the primal W = −(2/t) Y₁₂ with ⟨A_k, W⟩ = b_k + 1/(tλ_k) ≥ b_k and
// ‖W‖_* − bᵀλ ≤ (d + dc + K)/t.
// ------------------------------------------------------------------------------------------------
/// Primal recovery on the active singular subspace (the "polish"): at the optimum S = Σλ_k A_k has r
/// singular values equal to 1 with vectors U_r, V_r, and W = U_r M V_rᵀ with M symmetric PSD, so
/// ‖W‖_* = tr M. U_r, V_r are well conditioned (the singular-value gap of S), unlike the barrier's
/// W = (2/t)(I − SSᵀ)⁻¹S whose 1 − σ² ~ 1/t loses digits; M solves the tight constraints
/// (U_rᵀa_k)ᵀ M (V_rᵀc_k) = b_k (λ_k not negligible) in the least-squares sense.
MatrixXd subspace_polish(const Problem& P, const VectorXd& lam) {
  MatrixXd S = P.combine(lam);
  Eigen::JacobiSVD<MatrixXd> svd(S, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const VectorXd& sv = svd.singularValues();
  int r = 0;
  while (r < sv.size() && 1 - sv(r) / sv(0) < 1e-3) ++r;
  std::vector<int> act;
  for (int k = 0; k < P.K(); ++k)
    if (lam(k) > 1e-4 * lam.maxCoeff()) act.push_back(k);
  const int unknowns = r * (r + 1) / 2;
  if (r == 0 || static_cast<int>(act.size()) < unknowns) return {};
  MatrixXd U = svd.matrixU().leftCols(r), V = svd.matrixV().leftCols(r);
  MatrixXd G(act.size(), unknowns);
  VectorXd rhs(act.size());
  for (std::size_t l = 0; l < act.size(); ++l) {
    int k = act[l];
    VectorXd u = U.transpose() * P.a.row(k).transpose(), v = V.transpose() * P.c.row(P.group[k]).transpose();
    int col = 0;
    for (int i = 0; i < r; ++i)
      for (int j = i; j < r; ++j) G(l, col++) = i == j ? u(i) * v(i) : u(i) * v(j) + u(j) * v(i);
    rhs(l) = P.b(k);
  }
  VectorXd m = G.colPivHouseholderQr().solve(rhs);
  MatrixXd M(r, r);
  int col = 0;
  for (int i = 0; i < r; ++i)
    for (int j = i; j < r; ++j) M(i, j) = M(j, i) = m(col++);
  return U * M * V.transpose();
}

constexpr double kMu = 10;     // barrier parameter growth per outer iteration
constexpr double kDec = 1e-6;  // centring stops at this squared Newton decrement (measured: fewer steps, same gap)
IterResult solve_nuc(const Problem& P, const VectorXd& lambda2, const SvmOptions& opt, int budget, double t_start = 0) {
  const int K = P.K(), d = P.d, dc = P.dc, n2 = d + dc;
  const double m = n2 + K;
  MatrixXd C(K, dc);
  for (int k = 0; k < K; ++k) C.row(k) = P.c.row(P.group[k]);
  const MatrixXd& A = P.a;
  auto build_X = [&](const VectorXd& lam) {
    MatrixXd X = MatrixXd::Identity(n2, n2);
    MatrixXd S = P.combine(lam);
    X.topRightCorner(d, dc) = S;
    X.bottomLeftCorner(dc, d) = S.transpose();
    return X;
  };
  double c_prox = 0;
  // φ_t, or +∞ outside the domain.
  auto phi = [&](const VectorXd& lam, double t) -> double {
    if ((lam.array() <= 0).any()) return INFINITY;
    Eigen::LLT<MatrixXd> llt(build_X(lam));
    if (llt.info() != Eigen::Success) return INFINITY;
    double logdet = 2 * llt.matrixLLT().diagonal().array().log().sum();
    if (!std::isfinite(logdet)) return INFINITY;
    return -t * P.b.dot(lam) - logdet - lam.array().log().sum() + 0.5 * c_prox * lam.squaredNorm();
  };
  // Cold start strictly inside: ℓ2 dual plus a small positive floor, scaled to ‖S‖_op = 1/2. Warm start
  // (t_start > 0): the given point, pulled inside if needed, at the given t.
  VectorXd lam = lambda2.cwiseMax(0.0);
  double t;
  if (t_start > 0) {
    lam = lam.cwiseMax(1e-12 * lam.maxCoeff());
    double sn = dual_norm(SvmNorm::Nuc, 2, P.combine(lam));
    if (sn >= 1 - 1e-9) lam *= (1 - 1e-9) / sn;
    t = t_start;
  } else {
    lam.array() += 1e-2 * std::max(lam.mean(), 1e-300) + 1e-300;
    lam *= 0.5 / dual_norm(SvmNorm::Nuc, 2, P.combine(lam));
    t = m / std::max(P.b.dot(lam), 1e-300);
  }
  double best_t = t;
  // As in lp_barrier: implicit equalities among relaxed (b = 0) constraints leave directions ν ≥ 0 with
  // Σ ν_k A_k = 0, bᵀν = 0 along which −Σ log λ_k is unbounded; a fixed proximal term c/2 ‖λ‖² (relative
  // weight c/t → 0) keeps the centres finite.
  c_prox = 1e-6 / std::pow(lam.maxCoeff(), 2);
  const double target = std::max(opt.tol, 1e-8);  // the polish makes the gap track m/t; 1e-8 costs ~10 outer steps
  IterResult out;
  double best_gap = INFINITY;
  VectorXd best_lam = lam;
  MatrixXd best_W;
  int stall = 0;
  Eigen::LLT<MatrixXd> llt(n2);
  Eigen::LDLT<MatrixXd> hl(K);  // pivoted: on near-duplicate constraints H is nearly singular
  MatrixXd Y(n2, n2), AY(K, d), CY(K, dc), AY2(K, dc), Pm(K, K), Qm(K, K), Rm(K, K), H(K, K);
  VectorXd grad(K), dir(K);
  for (int outer = 0; outer < 60 && out.iterations < budget; ++outer) {
    // centring
    // Centring may need many damped steps on degenerate data (nearly parallel constraints); truncating it
    // leaves a badly centred point whose primal is useless, so the cap is generous and a step that
    // gains less than rounding ends it instead.
    for (int step = 0; step < 300 && out.iterations < budget; ++step) {  // rounding can stall centring at large t
      ++out.iterations;
      // (buffers are reused: on this VM fresh pages cost more than the arithmetic)
      llt.compute(build_X(lam));
      Y = llt.solve(MatrixXd::Identity(n2, n2));
      AY.noalias() = A * Y.topLeftCorner(d, d);
      Pm.noalias() = AY * A.transpose();
      CY.noalias() = C * Y.bottomRightCorner(dc, dc);
      Qm.noalias() = CY * C.transpose();
      AY2.noalias() = A * Y.topRightCorner(d, dc);
      Rm.noalias() = AY2 * C.transpose();
      grad = -t * P.b - 2 * Rm.diagonal() - lam.cwiseInverse() + c_prox * lam;
      H = Rm.cwiseProduct(Rm.transpose());
      H += Pm.cwiseProduct(Qm);
      H *= 2;
      H.diagonal() += lam.cwiseInverse().cwiseAbs2();
      H.diagonal().array() += c_prox;
      hl.compute(H);
      dir = -hl.solve(grad);
      if (!dir.allFinite()) break;
      double dec2 = -grad.dot(dir);
      if (!(dec2 > 1e-10)) break;
      double phi0 = phi(lam, t), s = 1;
      for (int k = 0; k < K; ++k)
        if (dir(k) < 0) s = std::min(s, -0.99 * lam(k) / dir(k));
      bool moved = false, negligible = false;
      for (int ls = 0; ls < 60; ++ls, s *= 0.5) {
        VectorXd trial = lam + s * dir;
        double ph = phi(trial, t);
        if (ph <= phi0 - 0.25 * s * dec2) {
          negligible = phi0 - ph <= 1e-13 * std::abs(phi0);
          lam = trial;
          moved = true;
          break;
        }
      }
      if (!moved || negligible || dec2 < kDec) break;
    }
    // primal from the matrix dual, and the certificate
    Eigen::LLT<MatrixXd> llt(build_X(lam));
    MatrixXd Y = llt.solve(MatrixXd::Identity(n2, n2));
    MatrixXd W = -(2.0 / t) * Y.topRightCorner(d, dc);
    Certificate cert = certify(P, SvmNorm::Nuc, 2, W, lam);
    if (m / t < 1e-3 * cert.lower) {  // close enough for the active subspace to be identified
      MatrixXd Wp = subspace_polish(P, lam);
      if (Wp.size() && Wp.allFinite()) {
        Certificate polished = certify(P, SvmNorm::Nuc, 2, Wp, lam);
        if (polished.violation <= 1e-9 && polished.gap < cert.gap) cert = polished;
      }
    }
    if (cert.gap < best_gap && cert.violation <= 1e-9) {
      best_gap = cert.gap, best_lam = lam, best_W = cert.W, best_t = t, stall = 0;
    } else if (cert.violation <= 1e-9 || t > 1e14) {
      ++stall;  // (a violation of relaxed constraints shrinks like 1/t: not a stall)
    }
    if (best_gap <= target || stall >= 2) break;  // past t ≈ 1e8 / ‖W‖ rounding in X⁻¹ takes over
    if (m / t < 1e-3 * target * cert.lower && stall >= 1) break;
    t *= kMu;
  }
  if (best_W.size() == 0) {  // never certified: return the last iterate
    Eigen::LLT<MatrixXd> llt(build_X(lam));
    best_W = -(2.0 / t) * llt.solve(MatrixXd::Identity(n2, n2)).topRightCorner(d, dc);
    best_lam = lam;
  }
  out.converged = best_gap <= std::max(opt.tol, 1e-6);
  out.t = best_t;
  if (!out.converged) {
    std::ostringstream os;
    os << "the nuclear-norm barrier method stopped at relative gap " << best_gap;
    out.reason = os.str();
  }
  out.lambda = best_lam / dual_norm(SvmNorm::Nuc, 2, P.combine(best_lam));  // ‖Σλ A‖_op = 1
  out.W = best_W;
  return out;
}

// ------------------------------------------------------------------------------------------------
// ℓ1 of the diagonal: min Σ|w_j| s.t. m_kᵀ w ≥ b_k, m_k = a_k ⊙ c_k. Its dual LP
//   max bᵀλ  s.t.  Mᵀλ ≤ 1, −Mᵀλ ≤ 1, λ ≥ 0
// starts feasible at λ = 0 with the slack basis (no phase 1); an unbounded dual means an infeasible
// primal. Dense tableau, Dantzig's rule with Bland's rule after a run of degenerate pivots; the final
// basis is re-solved with an LU factorisation for λ and the primal w (the simplex multipliers).
// ------------------------------------------------------------------------------------------------
struct LpResult {
  VectorXd lambda, w;
  bool unbounded = false, exhausted = false;
  int iterations = 0, unbounded_column = -1;
};

LpResult solve_l1diag(const MatrixXd& Mk, const VectorXd& b, int budget) {
  const int K = static_cast<int>(Mk.rows()), d = static_cast<int>(Mk.cols()), rows = 2 * d, cols = K + 2 * d;
  MatrixXd T = MatrixXd::Zero(rows + 1, cols + 1);
  T.topLeftCorner(d, K) = Mk.transpose();
  T.block(d, 0, d, K) = -Mk.transpose();
  T.block(0, K, rows, rows).setIdentity();
  T.topRightCorner(rows, 1).setOnes();
  T.bottomLeftCorner(1, K) = b.transpose();  // reduced costs r_j = c_j − c_Bᵀ B⁻¹ a_j
  std::vector<int> basis(rows);
  std::iota(basis.begin(), basis.end(), K);
  const double rtol = 1e-12 * std::max(1.0, b.cwiseAbs().maxCoeff());
  LpResult out;
  int degenerate = 0;
  while (true) {
    bool bland = degenerate > 20;
    int enter = -1;
    double best = rtol;
    for (int j = 0; j < cols; ++j) {
      double r = T(rows, j);
      if (r > best || (bland && r > rtol)) {
        enter = j;
        best = r;
        if (bland) break;
      }
    }
    if (enter < 0) break;
    if (++out.iterations > budget) {
      out.exhausted = true;
      break;
    }
    double colmax = T.col(enter).head(rows).cwiseAbs().maxCoeff();
    int leave = -1;
    double ratio = INFINITY;
    for (int i = 0; i < rows; ++i) {
      double a = T(i, enter);
      if (a > 1e-11 * colmax) {
        double r = std::max(T(i, cols), 0.0) / a;
        if (r < ratio - 1e-14 || (r <= ratio + 1e-14 && leave >= 0 && basis[i] < basis[leave]))
          ratio = std::min(ratio, r), leave = i;
      }
    }
    if (leave < 0) {
      out.unbounded = true;
      out.unbounded_column = enter;
      break;
    }
    degenerate = ratio <= 1e-14 ? degenerate + 1 : 0;
    T.row(leave) /= T(leave, enter);
    for (int i = 0; i <= rows; ++i)
      if (i != leave && T(i, enter) != 0) T.row(i) -= T(i, enter) * T.row(leave);
    basis[leave] = enter;
  }
  // Re-solve the final basis exactly: B x_B = 1, Bᵀ y = c_B.
  MatrixXd Bm(rows, rows);
  VectorXd cB(rows);
  for (int i = 0; i < rows; ++i) {
    int j = basis[i];
    VectorXd col = VectorXd::Zero(rows);
    if (j < K) {
      col.head(d) = Mk.row(j).transpose();
      col.tail(d) = -Mk.row(j).transpose();
      cB(i) = b(j);
    } else {
      col(j - K) = 1;
      cB(i) = 0;
    }
    Bm.col(i) = col;
  }
  Eigen::PartialPivLU<MatrixXd> lu(Bm);
  VectorXd xB = lu.solve(VectorXd::Ones(rows));
  VectorXd y = lu.transpose().solve(cB);
  out.lambda = VectorXd::Zero(K);
  for (int i = 0; i < rows; ++i)
    if (basis[i] < K) out.lambda(basis[i]) = std::max(xB(i), 0.0);
  out.w = y.head(d) - y.tail(d);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Building the problems, with the up-front infeasibility checks.
// ------------------------------------------------------------------------------------------------
enum class Kind { Att, Prompt, Decoder };

void check_inputs(const Sequences& seq, const Eigen::VectorXi& alpha) {
  if (alpha.size() != seq.n)
    throw InputError("alpha: has " + std::to_string(alpha.size()) + " entries for " + std::to_string(seq.n) +
                     " sequences");
  if (!seq.X.allFinite() || !seq.Z.allFinite() || !seq.y.allFinite()) throw InputError("dataset: non-finite values");
}

/// Builds the constraints; returns a non-empty reason when the problem is infeasible on its face.
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

/// The problem restricted to the constraints `keep`.
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

/// Nuclear norm on many constraints: the barrier's K×K Newton systems are solved on a working set only —
/// the ℓ2 support and the constraints tightest at the ℓ2 solution — and constraints that the working
/// solution violates join it until none does (then λ, zero off the set, certifies the full problem).
IterResult solve_nuc_working_set(const Problem& P, const LdpResult& ldp, const SvmOptions& opt, int budget) {
  const int K = P.K();
  VectorXd slack = P.apply(ldp.W) - P.b;
  std::vector<int> order(K);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return slack(x) < slack(y); });
  int supp = 0;
  for (int k = 0; k < K; ++k) supp += ldp.lambda(k) > 0;
  std::vector<char> in(K, 0);
  std::vector<int> work;
  for (int l = 0; l < std::min(K, 2 * supp + 20); ++l) in[order[l]] = 1, work.push_back(order[l]);
  IterResult out;
  for (int round = 0; round < 20; ++round) {
    Problem R = subset(P, work);
    VectorXd start(work.size());
    for (std::size_t l = 0; l < work.size(); ++l) start(l) = ldp.lambda(work[l]);
    IterResult r = solve_nuc(R, start, opt, std::max(1, budget - out.iterations));
    out.iterations += r.iterations;
    out.W = r.W, out.t = r.t, out.converged = r.converged, out.reason = r.reason;
    out.lambda = VectorXd::Zero(K);
    for (std::size_t l = 0; l < work.size(); ++l) out.lambda(work[l]) = r.lambda(l);
    VectorXd vals = P.apply(r.W);
    std::vector<std::pair<double, int>> violated;
    for (int k = 0; k < K; ++k)
      if (!in[k] && vals(k) < P.b(k)) violated.emplace_back(P.b(k) - vals(k), k);
    if (violated.empty() || static_cast<int>(work.size()) == K) break;
    std::sort(violated.begin(), violated.end(), std::greater<>());
    for (std::size_t l = 0; l < std::min<std::size_t>(violated.size(), 50); ++l)
      in[violated[l].second] = 1, work.push_back(violated[l].second);
  }
  return out;
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

/// Solves a built problem in the given norm.
SvmSolution solve(const Problem& P0, SvmNorm norm, double p, const Eigen::VectorXi& alpha, const SvmOptions& opt) {
  if (norm == SvmNorm::Lp && !(p > 1 && std::isfinite(p)))
    throw InputError("p: must satisfy 1 < p < ∞, got " + std::to_string(p));
  if (norm == SvmNorm::Lp && p == 2.0) {
    SvmSolution s = solve(P0, SvmNorm::Fro, 2.0, alpha, opt);
    s.norm_kind = SvmNorm::Lp;
    s.p = 2.0;
    return s;
  }
  SvmSolution sol = base_solution(norm, p, alpha, P0);
  const int K = P0.K();
  const int dc = P0.dc, d = P0.d;
  // No binding constraint (T = 1, or every bound relaxed to 0): W = 0 is optimal with norm 0 and the
  // margin 1/‖W‖ is unbounded (+∞).
  if (K == 0 || P0.b.maxCoeff() <= 0) {
    sol.status = SvmStatus::Optimal;
    sol.W = MatrixXd::Zero(d, dc);
    sol.norm = 0, sol.margin = INFINITY, sol.gap = 0, sol.violation = 0;
    sol.reason =
        K == 0 ? "no constraints (every sequence has a single token): W = 0 is optimal and the margin is unbounded"
               : "every constraint is relaxed to >= 0: W = 0 is optimal and the margin is unbounded";
    return sol;
  }
  // Scale to max ‖A_k‖_F = 1.
  double amax = 0;
  for (int k = 0; k < K; ++k) amax = std::max(amax, P0.constraint_norm(k));
  const double sigma = 1.0 / amax;
  Problem P = P0;
  P.a *= sigma;

  if (norm == SvmNorm::L1Diag) {
    MatrixXd Mk(K, d);
    for (int k = 0; k < K; ++k) Mk.row(k) = P.a.row(k).cwiseProduct(P.c.row(P.group[k]));
    LpResult r = solve_l1diag(Mk, P.b, opt.max_iterations);
    sol.iterations = r.iterations;
    if (r.unbounded) {
      std::string why = "no diagonal W satisfies the constraints (the dual LP is unbounded";
      if (r.unbounded_column >= 0 && r.unbounded_column < K)
        why += ", along constraint " + describe(P.cons[r.unbounded_column]);
      return infeasible(sol, why + ")");
    }
    MatrixXd W = MatrixXd(r.w.asDiagonal()) * sigma;
    fill(sol, P0, norm, p, W, r.lambda * sigma);
    sol.status = r.exhausted ? SvmStatus::MaxIterations : SvmStatus::Optimal;
    if (r.exhausted) sol.reason = "the simplex method ran out of iterations";
    return sol;
  }

  LdpResult ldp = solve_ldp(P, opt.max_iterations);
  sol.iterations = ldp.iterations;
  if (ldp.infeasible) return infeasible(sol, farkas_reason(P, ldp.u));
  if (ldp.exhausted) {
    fill(sol, P0, SvmNorm::Fro == norm ? norm : SvmNorm::Fro, 2, ldp.W * sigma, ldp.lambda * sigma * sigma);
    sol.norm_kind = norm;
    sol.status = SvmStatus::MaxIterations;
    sol.reason = "the active-set method ran out of iterations";
    return sol;
  }
  if (norm == SvmNorm::Fro) {
    fill(sol, P0, norm, 2, ldp.W * sigma, ldp.lambda * sigma * sigma);
    sol.status = SvmStatus::Optimal;
    return sol;
  }
  const int budget = std::max(1, opt.max_iterations - sol.iterations);
  IterResult r;
  if (norm == SvmNorm::Lp) {
    // Projected Newton settles in ~10–40 steps on non-degenerate data; otherwise the interior point
    // method takes over from its best point (for K ≤ 2000, where its K×K systems are affordable).
    r = solve_lp(P, p, ldp.lambda, opt, budget, K <= 2000 ? 60 : budget);
    // For p > 2 the primal barrier (D×D systems) is the better fallback when it has a strictly feasible
    // start (relaxed b = 0 constraints can be tight at the ℓ2 solution); otherwise the dual barrier.
    const long D = static_cast<long>(P.d) * P.dc;
    if (!r.converged && K <= 2000) {
      auto score = [&](const IterResult& x) -> double {  // the certified gap of a feasible W, else +∞
        if (x.W.size() == 0) return INFINITY;
        Certificate c = certify(P, norm, p, x.W, x.lambda);
        return c.violation <= 1e-9 && c.gap == c.gap ? c.gap : INFINITY;
      };
      IterResult rb;
      if (p > 2 && D <= 1024) {
        VectorXd start = Eigen::Map<const VectorXd>(ldp.W.data(), ldp.W.size()) * 1.1;
        rb = lp_primal_barrier(P, p, start, opt, std::max(1, budget - r.iterations));
      }
      if (!rb.converged) {
        IterResult rd = lp_barrier(P, p, r.lambda, opt, std::max(1, budget - r.iterations - rb.iterations));
        rd.iterations += rb.iterations;
        if (score(rd) <= score(rb))
          rb = rd;
        else
          rb.iterations = rd.iterations;
      }
      rb.iterations += r.iterations;
      if (score(rb) < score(r))
        r = rb;
      else
        r.iterations = rb.iterations;
    }
  } else {
    r = K > 100 ? solve_nuc_working_set(P, ldp, opt, budget) : solve_nuc(P, ldp.lambda, opt, budget);
  }
  sol.iterations += r.iterations;
  if (norm == SvmNorm::Nuc) {
    // The barrier keeps every λ_k > 0 (λ_k ≈ 1/(t · slack_k)), so its support would be every constraint.
    // Solve again, warm, on the (nearly) tight constraints only; keep that solution when its certificate
    // on the full problem is as good (then λ vanishes exactly off the active set).
    std::vector<int> keep;
    VectorXd vals = P.apply(certify(P, norm, p, r.W, r.lambda).W);
    for (int k = 0; k < K; ++k)
      if (vals(k) - P.b(k) <= 1e-4 * std::max(P.b(k), 1.0)) keep.push_back(k);
    if (static_cast<int>(keep.size()) < K) {
      Problem R = subset(P, keep);
      VectorXd start(keep.size());
      for (std::size_t l = 0; l < keep.size(); ++l) start(l) = r.lambda(keep[l]);
      IterResult rr = solve_nuc(R, start, opt, budget, r.t / 10);
      sol.iterations += rr.iterations;
      VectorXd full = VectorXd::Zero(K);
      for (std::size_t l = 0; l < keep.size(); ++l) full(keep[l]) = rr.lambda(l);
      Certificate a = certify(P, norm, p, r.W, r.lambda), c = certify(P, norm, p, rr.W, full);
      if (c.violation <= 1e-9 && c.gap <= std::max(a.gap, 1e-7)) {
        r.lambda = full, r.W = rr.W, r.converged = c.gap <= std::max(opt.tol, 1e-6);
        r.reason = rr.reason;
      }
    }
  }
  // λ back to the original scale: ℓp dual of ‖·‖^p/p scales like σ^p, the nuclear norm-dual like σ.
  const double lscale = norm == SvmNorm::Lp ? std::pow(sigma, p) : sigma;
  fill(sol, P0, norm, p, r.W * sigma, r.lambda * lscale);
  const double accept = norm == SvmNorm::Nuc ? std::max(opt.tol, 1e-6) : std::max(opt.tol, 1e-12);
  if (r.converged || (sol.gap <= accept && sol.violation <= 1e-9)) {
    sol.status = SvmStatus::Optimal;
  } else {
    sol.status = SvmStatus::MaxIterations;
    sol.reason = r.reason.empty() ? "ran out of iterations" : r.reason;
  }
  return sol;
}

}  // namespace

SvmSolution att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p,
                    const SvmOptions& options) {
  Problem P;
  std::string why = build(seq, alpha, Kind::Att, norm == SvmNorm::L1Diag, {}, P);
  if (!why.empty()) return infeasible(base_solution(norm, p, alpha, P), why);
  return solve(P, norm, p, alpha, options);
}

SvmSolution prompt_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p,
                       const SvmOptions& options) {
  if (norm != SvmNorm::Fro && norm != SvmNorm::Lp)
    throw InputError("norm: the prompt SVM supports fro (ℓ2) and lp only");
  Problem P;
  std::string why = build(seq, alpha, Kind::Prompt, false, {}, P);
  if (!why.empty()) return infeasible(base_solution(norm, p, alpha, P), why);
  return solve(P, norm, p, alpha, options);
}

SvmSolution decoder_svm(const Sequences& seq, const Eigen::VectorXi& alpha, double p, const SvmOptions& options) {
  SvmNorm norm = p == 2.0 ? SvmNorm::Fro : SvmNorm::Lp;
  Problem P;
  std::string why = build(seq, alpha, Kind::Decoder, false, {}, P);
  if (!why.empty()) return infeasible(base_solution(norm, p, alpha, P), why);
  return solve(P, norm, p, alpha, options);
}

SvmSolution joint_att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                          SvmNorm norm, double p, const SvmOptions& options) {
  check_inputs(seq, alpha);
  if (decoder_solution.status == SvmStatus::Infeasible) {
    Problem P;
    return infeasible(base_solution(norm, p, alpha, P), "the decoder SVM is infeasible: " + decoder_solution.reason);
  }
  std::vector<double> bounds(seq.n, 0.0);
  for (int k : decoder_solution.support) {
    int i = decoder_solution.constraints.at(k).sequence;
    if (i >= 0 && i < seq.n) bounds[i] = 1.0;
  }
  Problem P;
  std::string why = build(seq, alpha, Kind::Att, norm == SvmNorm::L1Diag, bounds, P);
  if (!why.empty()) return infeasible(base_solution(norm, p, alpha, P), why);
  return solve(P, norm, p, alpha, options);
}

LocalOptimality local_optimality(const Sequences& seq, const SvmSolution& solution, const Eigen::VectorXd& v) {
  LocalOptimality out;
  out.feasible = solution.status != SvmStatus::Infeasible;
  if (!out.feasible) {
    out.explanation = "the SVM is infeasible: " + solution.reason;
    return out;
  }
  if (v.size() != seq.d)
    throw InputError("v: has " + std::to_string(v.size()) + " entries, expected " + std::to_string(seq.d));
  out.locally_optimal = true;
  std::ostringstream os;
  for (int k : solution.support) {
    const SvmConstraint& c = solution.constraints.at(k);
    int i = c.sequence, t = c.token, a = solution.alpha(i);
    if (t == a) continue;
    double ga = seq.y(i) * seq.X.row(static_cast<Index>(i) * seq.T + a).dot(v);
    double gt = seq.y(i) * seq.X.row(static_cast<Index>(i) * seq.T + t).dot(v);
    if (!(ga > gt)) {
      if (out.locally_optimal)
        os << "not locally optimal: ";
      else
        os << "; ";
      os << "sequence " << i << ": support token " << t << " scores " << gt << " >= " << ga << " of the selected token "
         << a;
      out.locally_optimal = false;
    }
  }
  out.explanation = out.locally_optimal
                        ? "locally optimal: every support token scores below its sequence's selected token"
                        : os.str();
  return out;
}

Eigen::VectorXi selected_tokens(const Eigen::MatrixXd& scores) {
  Eigen::VectorXi alpha(scores.rows());
  for (Index i = 0; i < scores.rows(); ++i) {
    Index best = 0;
    for (Index t = 1; t < scores.cols(); ++t)
      if (scores(i, t) > scores(i, best)) best = t;
    alpha(i) = static_cast<int>(best);
  }
  return alpha;
}

}  // namespace attnsvm
