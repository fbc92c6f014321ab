// ℓ1 of the diagonal (map: solvers.hpp): min Σ|w_j| s.t. m_kᵀ w ≥ b_k, m_k = a_k ⊙ c_k. Its dual LP
//   max bᵀλ  s.t.  Mᵀλ ≤ 1, −Mᵀλ ≤ 1, λ ≥ 0
// starts feasible at λ = 0 with the slack basis (no phase 1); an unbounded dual means an infeasible
// primal. Dense tableau, Dantzig's rule with Bland's rule after a run of degenerate pivots; the final
// basis is re-solved with an LU factorisation for λ and the primal w (the simplex multipliers).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "solvers.hpp"

namespace attnsvm::svm_detail {

LpResult solve_l1diag(const Problem& P, int budget) {
  MatrixXd Mk(P.K(), P.d);
  for (int k = 0; k < P.K(); ++k) Mk.row(k) = P.a.row(k).cwiseProduct(P.c.row(P.group[k]));
  const VectorXd& b = P.b;
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

}  // namespace attnsvm::svm_detail
