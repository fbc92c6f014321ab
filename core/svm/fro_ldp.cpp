// Frobenius / ℓ2 (map: solvers.hpp): Lawson–Hanson NNLS for the least-distance problem.
// min ½‖W‖² s.t. ⟨A_k, W⟩ ≥ b_k  ⇔  NNLS min ‖E u − f‖² (u ≥ 0) with columns e_k = (vec A_k, b_k),
// f = (0, 1). With ρ = 1 − bᵀu at the NNLS optimum: ρ > 0 ⇒ W = Σ u_k A_k / ρ, λ = u / ρ (the QP
// dual), and ρ = 1 / (1 + ‖W‖²); ρ = 0 ⇒ Σ u_k A_k = 0 with bᵀu = 1: a Farkas certificate of
// infeasibility. The active columns stay linearly independent, so a singular Gram matrix is harmless.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "solvers.hpp"

namespace attnsvm::svm_detail {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

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

}  // namespace

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

}  // namespace attnsvm::svm_detail
