// The public entry points of core/svm.hpp (map: solvers.hpp): build the problem and check it on its face,
// scale it, run the solver of its norm, and certify the result on the original problem.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "../errors.hpp"
#include "solvers.hpp"

namespace attnsvm {

const char* name(SvmStatus status) {
  switch (status) {
    case SvmStatus::Optimal: return "optimal";
    case SvmStatus::Infeasible: return "infeasible";
    case SvmStatus::MaxIterations: return "max-iterations";
  }
  return "?";
}

namespace svm_detail {

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
    LpResult r = solve_l1diag(P, opt.max_iterations);
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
  if (ldp.exhausted) {  // the best ℓ2 iterate, certified in the Frobenius norm whatever norm was asked for
    fill(sol, P0, SvmNorm::Fro, 2, ldp.W * sigma, ldp.lambda * sigma * sigma);
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
  IterResult r = norm == SvmNorm::Lp ? solve_lp_norm(P, p, ldp, opt, budget) : solve_nuclear(P, ldp, opt, budget);
  sol.iterations += r.iterations;
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

}  // namespace svm_detail

using namespace svm_detail;

namespace {

/// Builds the problem of `kind` with the bounds b_i (empty: all 1) and solves it, or says why it is
/// infeasible on its face.
SvmSolution build_and_solve(const Sequences& seq, const Eigen::VectorXi& alpha, Kind kind, SvmNorm norm, double p,
                            const SvmOptions& options, const std::vector<double>& bounds = {}) {
  Problem P;
  std::string why = build(seq, alpha, kind, norm == SvmNorm::L1Diag, bounds, P);
  if (!why.empty()) return infeasible(base_solution(norm, p, alpha, P), why);
  return solve(P, norm, p, alpha, options);
}

void check_prompt_norm(SvmNorm norm) {
  if (norm != SvmNorm::Fro && norm != SvmNorm::Lp)
    throw InputError("norm: the prompt SVM supports fro (ℓ2) and lp only");
}

/// The joint variants: bound 1 for the sequences with a support constraint in the decoder SVM, else 0.
SvmSolution joint_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                      Kind kind, SvmNorm norm, double p, const SvmOptions& options) {
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
  return build_and_solve(seq, alpha, kind, norm, p, options, bounds);
}

}  // namespace

SvmSolution att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p,
                    const SvmOptions& options) {
  return build_and_solve(seq, alpha, Kind::Att, norm, p, options);
}

SvmSolution prompt_svm(const Sequences& seq, const Eigen::VectorXi& alpha, SvmNorm norm, double p,
                       const SvmOptions& options) {
  check_prompt_norm(norm);
  return build_and_solve(seq, alpha, Kind::Prompt, norm, p, options);
}

SvmSolution decoder_svm(const Sequences& seq, const Eigen::VectorXi& alpha, double p, const SvmOptions& options) {
  return build_and_solve(seq, alpha, Kind::Decoder, p == 2.0 ? SvmNorm::Fro : SvmNorm::Lp, p, options);
}

SvmSolution joint_att_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                          SvmNorm norm, double p, const SvmOptions& options) {
  return joint_svm(seq, alpha, decoder_solution, Kind::Att, norm, p, options);
}

SvmSolution joint_prompt_svm(const Sequences& seq, const Eigen::VectorXi& alpha, const SvmSolution& decoder_solution,
                             SvmNorm norm, double p, const SvmOptions& options) {
  check_prompt_norm(norm);
  return joint_svm(seq, alpha, decoder_solution, Kind::Prompt, norm, p, options);
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
