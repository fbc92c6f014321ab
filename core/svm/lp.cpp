// Entrywise ℓp (map: solvers.hpp): projected Newton on the dual of min ‖W‖_p^p / p:
//   min_λ≥0 f(λ) = ψ*(Mᵀλ) − bᵀλ,  ψ*(S) = ‖S‖_q^q / q,  ∇f = M W(λ) − b,  W(λ) = ∇ψ*(S) = sign(S) |S|^{q−1},
//   ∇²f = M diag((q−1)|S|^{q−2}) Mᵀ,
// with a primal SQP / KKT polish for p > 2 and log-barrier fallbacks on degenerate data.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "../optimizer.hpp"
#include "solvers.hpp"

namespace attnsvm::svm_detail {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

/// ‖x‖_r^r / r, computed relative to max_j |x_j| (no overflow): the potential ψ (r = p) and its
/// conjugate ψ* (r = q = p / (p − 1)).
double potential(const VectorXd& x, double r) {
  double scale = x.cwiseAbs().maxCoeff();
  return scale > 0 ? std::pow(scale, r) * (x.cwiseAbs() / scale).array().pow(r).sum() / r : 0.0;
}

/// The diagonal of ∇²ψ(w) = diag((p−1)|w|^{p−2}); ∇ψ itself is mirror_map(w, p) (core/optimizer.hpp).
VectorXd curvature(const VectorXd& w, double p) {
  return w.unaryExpr([p](double v) { return (p - 1.0) * std::pow(std::abs(v), p - 2.0); });
}

/// The primal point W(λ) = ∇ψ*(S) = sign(S)|S|^{q−1} of a dual point S = Mᵀλ (mirror_map with exponent q).
/// For q < 2 (p > 2) the map amplifies rounding: an entry of S that is 0 in exact arithmetic but ±1e-16 in
/// floating point would give |W_j| ~ 1e-16^{q−1}; entries below the rounding level of S = Mᵀλ,
/// 16 eps (|M|ᵀλ)_j, are therefore taken as 0.
class DualToPrimal {
 public:
  DualToPrimal(const RowMatrix& M, double q) : q_(q), Mabs_(q < 2 ? RowMatrix(M.cwiseAbs()) : RowMatrix()) {}
  VectorXd operator()(const VectorXd& S, const VectorXd& lam) const {
    VectorXd W = mirror_map(S, q_);
    if (q_ < 2) {
      VectorXd level = 16 * kEps * (Mabs_.transpose() * lam);
      for (Index j = 0; j < W.size(); ++j)
        if (std::abs(S(j)) <= level(j)) W(j) = 0;
    }
    return W;
  }

 private:
  double q_;
  RowMatrix Mabs_;
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
  for (int round = 0; round < rounds; ++round) {
    const Index s = static_cast<Index>(A.size());
    MatrixXd MA(s, D);
    VectorXd bA(s);
    for (Index l = 0; l < s; ++l) MA.row(l) = M.row(A[l]), bA(l) = b(A[l]);
    auto residual = [&](const VectorXd& x, const VectorXd& m) {
      VectorXd r(D + s);
      r.head(D) = mirror_map(x, p) - MA.transpose() * m;
      r.tail(s) = MA * x - bA;
      return r;
    };
    VectorXd r = residual(w, mu);
    for (int it = 0; it < 200 && r.norm() > 1e-15 * (1 + w.norm()); ++it) {
      if (++iterations > budget) return false;
      // Newton step on [[H, −M_Aᵀ], [M_A, 0]] by its Schur complement M_A H⁻¹ M_Aᵀ (H = (p−1)|w|^{p−2}).
      VectorXd h = curvature(w, p);
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
    VectorXd h = curvature(w, p);
    h = h.cwiseMax(1e-12 * h.maxCoeff());
    VectorXd g = mirror_map(w, p);
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
    const ScaledGap s =
        scaled_gap(b, M * w, lp_norm(w, p), b.dot(lambda) / lp_norm(M.transpose() * lambda, p / (p - 1)));
    if (s.ratio > 0 && s.violation <= 1e-12) {
      if (s.gap <= target) return true;
      stalled = s.gap < best ? 0 : stalled + 1;
      best = std::min(best, s.gap);
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
  const DualToPrimal gradpsi(M, q);
  auto objective = [&](const VectorXd& lam, VectorXd& S) {
    S.noalias() = M.transpose() * lam;
    return potential(S, q) - P.b.dot(lam);
  };
  // Start: the ℓ2 dual scaled optimally along its ray, s = (bᵀμ / ‖Mᵀμ‖_q^q)^{1/(q−1)}.
  VectorXd lam = lambda2, S(D);
  {
    VectorXd S0 = M.transpose() * lam;
    double nq = lp_norm(S0, q);
    lam *= std::pow(P.b.dot(lam) / std::pow(nq, q), 1.0 / (q - 1.0));
  }
  // The certificate of a dual point: relative gap, and the violation of the relaxed (b = 0) constraints
  // after scaling; +∞ when no scaling makes W feasible.
  auto measure = [&](const VectorXd& lam, const VectorXd& S, const VectorXd& vals, double& viol0) {
    const ScaledGap s = scaled_gap(P.b, vals, lp_norm(gradpsi(S, lam), p), P.b.dot(lam) / lp_norm(S, q));
    viol0 = s.violation;
    return s.gap;
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
        const ScaledGap s = scaled_gap(P.b, M * w, lp_norm(w, p), P.b.dot(lp_lam) / lp_norm(M.transpose() * lp_lam, q));
        if (s.gap <= target && s.violation <= 1e-12) {
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

/// The barrier methods' bookkeeping: the best certified pair (λ, W) so far, and when to polish.
class BarrierBest {
 public:
  BarrierBest(const Problem& P, const RowMatrix& M, double p, double target, VectorXd start = {})
      : P_(P), M_(M), p_(p), target_(target), lam(std::move(start)) {}

  /// The certificate of an ℓp pair (λ, W): the relative duality gap after scaling W to feasibility,
  /// (‖W‖_p / r − bᵀλ / ‖Mᵀλ‖_q) over the first term, r the smallest ⟨A_k, W⟩ / b_k of the b_k > 0 rows;
  /// +∞ if no scaling makes W feasible (a relaxed b_k = 0 row violated).
  double certificate(const VectorXd& l, const VectorXd& W) const {
    const double q = p_ / (p_ - 1.0);
    const ScaledGap s = scaled_gap(P_.b, M_ * W, lp_norm(W, p_), P_.b.dot(l) / lp_norm(M_.transpose() * l, q));
    return s.violation > 1e-12 ? INFINITY : s.gap;
  }
  void consider(const VectorXd& l, const VectorXd& W) {
    double g = certificate(l, W);
    if (g < gap) gap = g, lam = l, this->W = W;
  }
  bool done() const { return gap <= target_; }
  /// Polish when a centre certifies within 1e-2 (close enough for the active set to be right); after two
  /// failures (degenerate data) only once the barrier has gained another factor 100.
  bool polish_now(double here) const { return here <= 1e-2 && (failures_ < 2 || here <= 1e-2 * last_failure_); }
  void polished(double here) {
    if (!done()) ++failures_, last_failure_ = here;
  }
  /// Sets `converged`, and the reason naming `method` when not.
  void finish(IterResult& out, const char* method) const {
    out.converged = done();
    if (!out.converged) {
      std::ostringstream os;
      os << "the ℓp " << method << " stopped at relative gap " << gap;
      out.reason = os.str();
    }
  }

 private:
  const Problem& P_;
  const RowMatrix& M_;
  double p_, target_;
  int failures_ = 0;
  double last_failure_ = INFINITY;

 public:
  double gap = INFINITY;
  VectorXd lam, W;  ///< the best pair
};

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
  const DualToPrimal gradpsi(M, q);
  auto psi_star = [q](const VectorXd& S) { return potential(S, q); };
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
  BarrierBest best(P, M, p, target, lam);
  MatrixXd H(K, K);
  RowMatrix Ms(K, D);
  Eigen::LDLT<MatrixXd> llt(K);  // pivoted: degenerate data make H nearly singular
  for (int outer = 0; outer < 40 && out.iterations < budget && !best.done(); ++outer) {
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
    best.consider(lam, W);
    // polish from the constraints that look active at this centre: λ_k ≥ slack_k = ⟨A_k, W⟩ − b_k
    VectorXd slack = M * W - P.b;
    VectorXd trimmed = VectorXd::Zero(K);
    for (int k = 0; k < K; ++k)
      if (lam(k) >= slack(k)) trimmed(k) = lam(k);
    const double here = best.certificate(lam, W);
    if (best.polish_now(here)) {
      if (p > 2) {
        VectorXd w = W, lp_lam = lam;
        int used = 0;
        if (sqp_polish(M, P.b, p, w, lp_lam, used, budget, target)) best.consider(lp_lam, w);
        out.iterations += used;
      } else {
        IterResult pn = solve_lp(P, p, trimmed, opt, budget, 30);
        out.iterations += pn.iterations;
        best.consider(pn.lambda, Eigen::Map<const VectorXd>(pn.W.data(), D));
      }
      best.polished(here);
    }
    mu /= 10;
  }
  best.finish(out, "interior-point method");
  if (best.W.size() == 0) best.W = gradpsi(M.transpose() * best.lam, best.lam);
  out.lambda = best.lam;
  out.W = Eigen::Map<const MatrixXd>(best.W.data(), P.d, P.dc);
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
  auto psi = [p](const VectorXd& x) { return potential(x, p); };
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
  const double target = std::max(opt.tol, 1e-14);
  BarrierBest best(P, M, p, target);
  MatrixXd H(D, D);
  RowMatrix Ms(K, D);
  Eigen::LDLT<MatrixXd> llt(D);  // pivoted, as in lp_barrier
  for (int outer = 0; outer < 40 && out.iterations < budget && !best.done(); ++outer) {
    for (int step = 0; step < 100 && out.iterations < budget; ++step) {  // centring
      ++out.iterations;
      slack = M * w - P.b;
      VectorXd inv = slack.cwiseInverse();
      VectorXd grad = mirror_map(w, p) - mu * (M.transpose() * inv);
      Ms = inv.asDiagonal() * M;
      H.setZero();
      H.selfadjointView<Eigen::Lower>().rankUpdate(Ms.transpose(), mu);
      H.diagonal() += curvature(w, p);
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
    best.consider(lam, w);
    const double here = best.certificate(lam, w);
    if (best.polish_now(here)) {
      VectorXd wp = w, lp_lam = lam;
      int used = 0;
      if (sqp_polish(M, P.b, p, wp, lp_lam, used, budget, target)) best.consider(lp_lam, wp);
      out.iterations += used;
      best.polished(here);
    }
    mu /= 10;
  }
  best.finish(out, "primal interior-point method");
  if (best.W.size() == 0) return out;
  out.lambda = best.lam;
  out.W = Eigen::Map<const MatrixXd>(best.W.data(), P.d, P.dc);
  return out;
}

}  // namespace

IterResult solve_lp_norm(const Problem& P, double p, const LdpResult& ldp, const SvmOptions& opt, int budget) {
  const int K = P.K();
  // Projected Newton settles in ~10–40 steps on non-degenerate data; otherwise the interior point
  // method takes over from its best point (for K ≤ 2000, where its K×K systems are affordable).
  IterResult r = solve_lp(P, p, ldp.lambda, opt, budget, K <= 2000 ? 60 : budget);
  if (r.converged || K > 2000) return r;
  // For p > 2 the primal barrier (D×D systems) is the better fallback when it has a strictly feasible
  // start (relaxed b = 0 constraints can be tight at the ℓ2 solution); otherwise the dual barrier.
  const long D = static_cast<long>(P.d) * P.dc;
  auto score = [&](const IterResult& x) -> double {  // the certified gap of a feasible W, else +∞
    if (x.W.size() == 0) return INFINITY;
    Certificate c = certify(P, SvmNorm::Lp, p, x.W, x.lambda);
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
  return r;
}

}  // namespace attnsvm::svm_detail
