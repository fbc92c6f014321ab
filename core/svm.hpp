#pragma once
// Max-margin SVMs over tokens (docs/design.md §5) with their certificates: Frobenius, entrywise ℓp, nuclear,
// ℓ1 of the diagonal; the prompt-vector and decoder variants; the joint variants. One request type for all of
// them, with its dispatch and JSON form: core/svm/request.hpp.
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"

namespace attnsvm {

enum class SvmStatus { Optimal, Infeasible, MaxIterations };
const char* name(SvmStatus status);

struct SvmOptions {
  double tol = 1e-10;          ///< target relative duality gap (nuclear: 1e-7 is enough)
  int max_iterations = 50000;  ///< budget; exhausted → status max-iterations, never a hang
};

/// One constraint ⟨A_k, W⟩ ≥ b_k with A_k = a_k c_kᵀ: a_k = x_iα_i − x_it, c_k = z_i (W problems) or
/// c_k = [1] (vector problems: prompt p, decoder v with a_k = y_i x_iα_i).
struct SvmConstraint {
  int sequence = 0;  ///< i
  int token = 0;     ///< t (decoder SVM: α_i)
  double bound = 1;  ///< b_k: 1, or 0 for a relaxed constraint of the joint SVM
};

/// The solution of an SVM with its certificate.
///
/// Conventions of the solvers (core/svm/, map in core/svm/solvers.hpp):
/// - `W` is scaled so that min_{b_k > 0} ⟨A_k, W⟩ / b_k = 1 (exactly feasible); `violation` is then only
///   that of relaxed (b_k = 0) constraints, reported as measured.
/// - `gap` = (‖W‖ − Σ b_kλ_k / ‖Σ λ_k A_k‖_*) / ‖W‖ with the dual norm (Frobenius, ℓq, operator, ℓ∞ of
///   the diagonal): a certificate valid for any λ ≥ 0. Targets: Frobenius, ℓp, ℓ1-diagonal ≤ `tol`;
///   nuclear ≤ max(tol, 1e-8) (status optimal up to 1e-6).
/// - `lambda` normalisation: Frobenius and ℓp are duals of min ‖W‖^p / p, so that
///   W = ∇ψ*(Σ λ_k A_k) (Frobenius: W = Σ λ_k A_k) and Σ b_kλ_k = ‖W‖^p; nuclear and ℓ1-diagonal are
///   duals of min ‖W‖ itself, so that ‖Σ λ_k A_k‖_* = 1 and Σ b_kλ_k = ‖W‖.
/// - No binding constraint (T = 1, or every bound relaxed to 0): status optimal, W = 0, norm 0,
///   margin +∞, gap 0, an explanatory `reason`.
/// - Infeasible: detected up front (α out of range, a zero query, a token equal to the selected one,
///   a zero selected token for the decoder, (x_α − x_t) ⊙ z = 0 for the diagonal) or by the solver (a
///   Farkas combination from the least-distance problem; an unbounded dual LP for the diagonal).
/// - `iterations` counts active-set steps, Newton steps and simplex pivots together; when
///   `max_iterations` runs out the status is max-iterations with the best certified iterate.
struct SvmSolution {
  SvmStatus status = SvmStatus::Infeasible;
  std::string reason;  ///< why infeasible or unfinished; empty when optimal
  SvmNorm norm_kind = SvmNorm::Fro;
  double p = 2;                            ///< the ℓp exponent (norm_kind Lp)
  Eigen::MatrixXd W;                       ///< the minimiser: d×d, or d×1 for prompt / decoder problems
  double norm = NAN;                       ///< ‖W‖ in the problem's norm
  double margin = NAN;                     ///< 1 / ‖W‖
  double gap = NAN;                        ///< relative duality gap (‖W‖ − lower bound) / ‖W‖
  double violation = NAN;                  ///< max_k (b_k − ⟨A_k, W⟩)_+
  Eigen::VectorXd lambda;                  ///< dual variables, one per constraint
  std::vector<int> support;                ///< indices k with λ_k > 0 (relative threshold)
  std::vector<SvmConstraint> constraints;  ///< what each row of lambda refers to
  Eigen::VectorXi alpha;                   ///< the token selection the problem was built from
  int iterations = 0;
};

/// Att-SVM: minimise ‖W‖ subject to (x_iα_i − x_it)ᵀ W z_i ≥ 1 for all i and t ≠ α_i.
/// `norm` ∈ {Fro, Lp (1 < p < ∞; p = 2 is Frobenius), Nuc, L1Diag (W diagonal, ℓ1 of the diagonal)}.
SvmSolution att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p = 2.0,
                    const SvmOptions& options = {});

/// Prompt variant: minimise ‖p‖ (Fro = ℓ2, or Lp) subject to (x_iα_i − x_it)ᵀ p ≥ 1.
SvmSolution prompt_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p = 2.0,
                       const SvmOptions& options = {});

/// Decoder SVM (no bias): minimise ‖v‖_p subject to y_i x_iα_iᵀ v ≥ 1.
SvmSolution decoder_svm(const Sequences& seq, const Eigen::VectorXi& alpha, double p = 2.0,
                        const SvmOptions& options = {});

/// Joint variant: the Att-SVM whose constraints of samples that are not support vectors of
/// `decoder_solution` are relaxed to ≥ 0.
SvmSolution joint_att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                          SvmNorm norm, double p = 2.0, const SvmOptions& options = {});
/// The same relaxation of the prompt SVM (Fro = ℓ2, or Lp).
SvmSolution joint_prompt_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                             SvmNorm norm, double p = 2.0, const SvmOptions& options = {});

/// Local optimality of α (Tarzanagh et al.): the SVM is feasible and γ_iα_i > γ_it for every support
/// token t of sequence i, with γ_it = y_i x_itᵀ v.
struct LocalOptimality {
  bool feasible = false;
  bool locally_optimal = false;
  std::string explanation;  ///< in words, e.g. "sequence 3: support token 5 scores 0.41 > 0.38 of token 2"
};
LocalOptimality local_optimality(const Sequences& seq, const SvmSolution& solution, const Eigen::VectorXd& v);

/// The token selection read off the current attention: α_i = argmax_t a_it for an n×T score matrix.
Eigen::VectorXi selected_tokens(const Eigen::MatrixXd& scores);

}  // namespace attnsvm
