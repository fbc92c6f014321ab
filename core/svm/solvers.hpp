#pragma once
// core/svm/: the SVM solvers of docs/design.md §5. Every problem is "minimise ‖W‖ subject to ⟨A_k, W⟩ ≥ b_k"
// with rank-one constraint matrices A_k = a_k c_kᵀ (c_k is the query z_i of the constraint's sequence, or
// [1] for the vector problems). The solvers work on a copy of the problem scaled so that max_k ‖A_k‖_F = 1
// and map W and λ back at the end; the certificate is always computed on the original problem.
//
//   problem.*        the Problem built from the data (and its up-front infeasibility checks), the norms,
//                    and the certificate: W scaled to feasibility, then the relative duality gap
//   fro_ldp.cpp      Frobenius / ℓ2: exact Lawson–Hanson active set on the least-distance problem (LDP),
//                    which also decides feasibility for every norm (feasibility does not depend on the norm)
//   lp.cpp           entrywise ℓp: projected Newton (Bertsekas) on the dual of min ‖W‖_p^p / p, warm-started
//                    from ℓ2; for p > 2 finished on the primal by SQP (LDP subproblems) + Newton on the
//                    active set. Degenerate data (dependent constraints, non-unique dual) falls back to
//                    interior point methods: primal log-barrier for p > 2, dual log-barrier otherwise, each
//                    with a polish
//   nuclear.cpp      log-barrier interior point on the dual max bᵀλ s.t. ‖Σλ_k A_k‖_op ≤ 1, λ ≥ 0; the
//                    primal is recovered on the active singular subspace of Σλ_k A_k (least squares for a
//                    PSD core), then re-solved warm on the tight constraints so that λ has exact zeros
//   l1diag.cpp       ℓ1 of the diagonal: dense tableau simplex on the dual LP max bᵀλ s.t.
//                    ‖diag(Σλ_k A_k)‖_∞ ≤ 1, λ ≥ 0
//   solve.cpp        the public entry points of core/svm.hpp: build, check, scale, pick the solver, certify
//   request.*        SvmRequest (which SVM, norm, tokens, head), its one dispatch and its one JSON form
#include <string>
#include <vector>

#include "problem.hpp"

namespace attnsvm::svm_detail {

/// The least-distance problem min ½‖W‖² s.t. ⟨A_k, W⟩ ≥ b_k (fro_ldp.cpp).
struct LdpResult {
  VectorXd lambda;  ///< QP dual (valid when feasible)
  MatrixXd W;       ///< Σ λ_k A_k
  VectorXd u;       ///< NNLS solution (the Farkas combination when infeasible)
  bool infeasible = false, exhausted = false;
  int iterations = 0;
};
LdpResult solve_ldp(const Problem& P, int max_iterations);
/// Why an infeasible LDP is infeasible, from its Farkas combination u.
std::string farkas_reason(const Problem& P, const VectorXd& u);

/// The result of the iterative solvers (ℓp, nuclear).
struct IterResult {
  VectorXd lambda;
  MatrixXd W;
  int iterations = 0;
  bool converged = false;
  std::string reason;
  double t = 0;           ///< nuclear: the barrier parameter of the returned point
  bool polished = false;  ///< nuclear: W is the subspace polish (exactly the active rank), not the barrier's
};

/// Entrywise ℓp (lp.cpp) on the scaled problem P, from the LDP's solution: projected Newton, with the
/// interior point fallbacks when it does not settle. λ is the dual of min ‖W‖_p^p / p.
IterResult solve_lp_norm(const Problem& P, double p, const LdpResult& ldp, const SvmOptions& opt, int budget);

/// Nuclear norm (nuclear.cpp) on the scaled problem P, from the LDP's solution; λ is normalised to
/// ‖Σλ_k A_k‖_op = 1 and vanishes off the (nearly) tight constraints when that certifies as well.
IterResult solve_nuclear(const Problem& P, const LdpResult& ldp, const SvmOptions& opt, int budget);

/// ℓ1 of the diagonal (l1diag.cpp): the dual LP's λ and the primal diagonal w.
struct LpResult {
  VectorXd lambda, w;
  bool unbounded = false, exhausted = false;
  int iterations = 0, unbounded_column = -1;
};
LpResult solve_l1diag(const Problem& P, int budget);

/// Solves a built problem in the given norm (solve.cpp): the whole pipeline behind core/svm.hpp.
SvmSolution solve(const Problem& P0, SvmNorm norm, double p, const Eigen::VectorXi& alpha, const SvmOptions& opt);

}  // namespace attnsvm::svm_detail
