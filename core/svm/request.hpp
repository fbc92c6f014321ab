#pragma once
// One request type for every SVM the project solves (docs/design.md §5, §9.4, §9.5): which problem, which
// norm, which tokens, which head. Its one dispatch, `solve`, picks the solver of core/svm.hpp; its one JSON
// form is written by `write_fields` (the JSON of `attnsvm svm --out` and the objects of the wasm module's
// solveSvm and snapshot references). Session, the CLI and the wasm bindings build requests; none of them
// picks a solver.
#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../dataset.hpp"
#include "../metrics.hpp"
#include "../svm.hpp"

namespace attnsvm {

/// Which SVM: the Att-SVM on a key–query matrix W, the prompt vector p, or the decoder v.
enum class SvmProblem { Attention, Prompt, Decoder };
const char* name(SvmProblem problem);

/// Where the token selection α comes from: the optimal tokens (argmax_t y_i x_itᵀ v), the selected ones
/// (argmax_t of the current attention scores), or an explicit list.
enum class SvmTokens { Optimal, Selected, Explicit };
const char* name(SvmTokens tokens);

struct SvmRequest {
  SvmProblem problem = SvmProblem::Attention;
  /// Attention and prompt only: the relaxed joint SVM, whose constraints of sequences that are not support
  /// vectors of the ℓ2 decoder SVM are relaxed to ≥ 0 (joint training of W or p with the decoder).
  bool joint = false;
  SvmNorm norm = SvmNorm::Fro;  ///< prompt and decoder: fro (ℓ2) or lp
  double p = 2.0;               ///< the exponent of lp (1 < p < ∞)
  SvmTokens tokens = SvmTokens::Optimal;
  Eigen::VectorXi alpha;  ///< tokens Explicit: one token index per sequence
  int head = 0;           ///< the head whose decoder and attention the token rule reads
  SvmOptions options;
};

/// Reads a request from JSON {problem, joint, norm, p, tokens ("optimal" | "selected" | [α_1, ..., α_n]), head,
/// tol, maxIterations}; every field is optional and taken from `defaults` when absent (p too, when the norm
/// is lp). Throws InputError naming the field ("p: must be a number > 1, got 1").
SvmRequest svm_request_from_json(const Json& json, const SvmRequest& defaults);

/// What the token rules read, for the request's head: the decoder v (optimal tokens, and the local
/// optimality of the result) and the n×T attention scores (selected tokens). A rule whose input is absent
/// is an InputError.
struct SvmTokenSource {
  std::optional<Eigen::VectorXd> decoder;
  std::optional<Eigen::MatrixXd> scores;
};

/// The token selection α of a request.
Eigen::VectorXi svm_tokens(const SvmRequest& request, const Sequences& seq, const SvmTokenSource& source);

/// The one dispatch: the solver of the request's problem, norm and joint flag, on α (core/svm.hpp).
SvmSolution solve(const SvmRequest& request, const Sequences& seq, const Eigen::VectorXi& alpha);

/// A solved request: what was asked, the solution, and the local optimality of α when the decoder is known.
struct SvmResult {
  SvmRequest request;
  SvmSolution solution;
  std::optional<LocalOptimality> local;
};

/// The local-optimality verdict in the words of the page's SVM panel (web/src/views/svmpanel.ts): the
/// explanation capitalised, as a sentence ("Locally optimal: every support token scores below its
/// sequence's selected token.", "Not locally optimal: sequence 2: support token 5 scores ...").
std::string local_optimality_verdict(const LocalOptimality& local);

/// Tokens, solve and local optimality in one.
SvmResult solve(const SvmRequest& request, const Sequences& seq, const SvmTokenSource& source);

/// The fields of a result's JSON form, in order, for any writer `w` with text(key, string),
/// boolean(key, bool), integer(key, int), number(key, double), integers(key, vector<int>),
/// numbers(key, VectorXd), matrix(key, MatrixXd; empty: null) and object(key, f), f filling the nested
/// object through a writer of the same kind: to_json below, and the wasm module's JS objects (typed arrays).
template <class Writer>
void write_fields(const SvmResult& r, Writer& w) {
  const SvmSolution& s = r.solution;
  w.text("problem", name(r.request.problem));
  w.boolean("joint", r.request.joint);
  w.text("norm", name(s.norm_kind));
  w.number("p", s.p);  // 2 unless the norm is lp
  w.text("tokens", name(r.request.tokens));
  w.integer("head", r.request.head);
  w.text("status", name(s.status));
  w.text("reason", s.reason);
  w.matrix("W", s.W);  // d×d, or d×1 for the prompt and decoder problems
  w.number("normValue", s.norm);
  // the solution's singular values, and its rank at the tolerance of the rank_<norm> columns (docs/design.md §6)
  w.numbers("singularValues", s.W.size() ? singular_values(s.W) : Eigen::VectorXd());
  w.integer("rank", matrix_rank(s.W, kRankTolerance));
  w.number("margin", s.margin);
  w.number("gap", s.gap);
  w.number("violation", s.violation);
  w.numbers("lambda", s.lambda);
  w.integers("support", s.support);
  w.integers("alpha", std::vector<int>(s.alpha.begin(), s.alpha.end()));
  w.object("constraints", [&](Writer& c) {
    std::vector<int> sequence, token;
    Eigen::VectorXd bound(static_cast<Eigen::Index>(s.constraints.size()));
    for (std::size_t k = 0; k < s.constraints.size(); ++k) {
      sequence.push_back(s.constraints[k].sequence), token.push_back(s.constraints[k].token);
      bound(static_cast<Eigen::Index>(k)) = s.constraints[k].bound;
    }
    c.integers("sequence", sequence);
    c.integers("token", token);
    c.numbers("bound", bound);
  });
  w.integer("iterations", s.iterations);
  if (r.local)
    w.object("localOptimality", [&](Writer& l) {
      l.boolean("feasible", r.local->feasible);
      l.boolean("locallyOptimal", r.local->locally_optimal);
      l.text("explanation", r.local->explanation);
    });
}

/// The JSON form (non-finite numbers, such as the +∞ margin of a problem without constraints, as null).
Json to_json(const SvmResult& result);

}  // namespace attnsvm
