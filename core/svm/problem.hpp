#pragma once
// The problem every SVM solver works on, built from the data, and its certificate (docs/design.md §5).
// Internal to core/svm/ (solvers.hpp has the map of the solvers); the public interface is core/svm.hpp.
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "../dataset.hpp"
#include "../svm.hpp"

namespace attnsvm::svm_detail {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

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

  /// Σ λ_k A_k.
  MatrixXd combine(const VectorXd& lambda) const;
  /// Σ over a subset: indices idx with coefficients z.
  MatrixXd combine(const std::vector<int>& idx, const VectorXd& z) const;
  /// The values ⟨A_k, W⟩.
  VectorXd apply(const MatrixXd& W) const;
  /// ⟨A_k, A_l⟩.
  double inner(int k, int l) const { return a.row(k).dot(a.row(l)) * gc(group[k], group[l]); }
  double constraint_norm(int k) const { return a.row(k).norm() * std::sqrt(gc(group[k], group[k])); }
  /// Dense K×(d·dc) matrix of vec(A_k) (column-major vec), stored by rows.
  RowMatrix dense() const;
};

/// Which SVM the rows of a Problem come from: the Att-SVM on W, the prompt vector p, the decoder v.
enum class Kind { Att, Prompt, Decoder };

/// Checks α against the data (sizes, finite values); throws InputError.
void check_inputs(const Sequences& seq, const Eigen::VectorXi& alpha);
/// Builds the constraints, with bounds b_i per sequence (empty: all 1); returns a non-empty reason when
/// the problem is infeasible on its face.
std::string build(const Sequences& seq, const Eigen::VectorXi& alpha, Kind kind, bool diagonal,
                  const std::vector<double>& bounds, Problem& P);
/// The problem restricted to the constraints `keep`.
Problem subset(const Problem& P, const std::vector<int>& keep);
/// "(sequence i, token t)".
std::string describe(const SvmConstraint& c);

// ------------------------------------------------------------------------------------------------
// Norms and the certificate.
// ------------------------------------------------------------------------------------------------
VectorXd singular_values(const MatrixXd& M);
double primal_norm(SvmNorm kind, double p, const MatrixXd& W);
/// The dual norm: Frobenius, ℓq (q = p/(p−1)), operator norm, ℓ∞ of the diagonal.
double dual_norm(SvmNorm kind, double p, const MatrixXd& S);

/// Scaling a candidate to feasibility: r = min over b_k > 0 of ⟨A_k, W⟩ / b_k (+∞ if there is no such
/// row), so that W / r meets every constraint with b_k > 0 and the tightest with equality.
double feasibility_ratio(const VectorXd& b, const VectorXd& values);
/// (upper − lower) / upper: how far a feasible W of norm `upper` may be from the optimum ≥ `lower`.
double relative_gap(double upper, double lower);

/// The certificate of a candidate given by its values ⟨A_k, W⟩, its norm ‖W‖ (unscaled) and a lower
/// bound from a dual point: W / r with r = feasibility_ratio(b, values).
struct ScaledGap {
  double ratio = NAN;      ///< r
  double violation = NAN;  ///< max over the relaxed (b_k ≤ 0) rows of −⟨A_k, W⟩ / r
  double gap = INFINITY;   ///< relative_gap(‖W‖ / r, lower); +∞ unless r > 0
};
ScaledGap scaled_gap(const VectorXd& b, const VectorXd& values, double norm, double lower);

struct Certificate {
  MatrixXd W;  ///< scaled so that min_{b_k>0} ⟨A_k, W⟩ / b_k = 1
  double norm = NAN, lower = NAN, gap = NAN, violation = NAN;
};

/// Scales W to be feasible for the constraints with b_k > 0 and bounds the optimum from below with λ.
Certificate certify(const Problem& P, SvmNorm kind, double p, MatrixXd W, const VectorXd& lambda);
/// Writes the certificate of (W, λ) on P into `sol` (W, norm, margin, gap, violation, λ, support).
void fill(SvmSolution& sol, const Problem& P, SvmNorm kind, double p, const MatrixXd& W, const VectorXd& lambda);

/// A solution carrying the problem's description (norm, p, α, constraints) and λ = 0, status unset.
SvmSolution base_solution(SvmNorm norm, double p, const Eigen::VectorXi& alpha, const Problem& P);
SvmSolution infeasible(SvmSolution sol, std::string reason);

}  // namespace attnsvm::svm_detail
