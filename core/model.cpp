#include "model.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"
#include "kernels.hpp"
#include "loss.hpp"
#include "rng.hpp"
#include "vector_exp.hpp"

// Quads pass between always-inlined AVX2 functions only (lanes.hpp): no ABI warning in this file.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace attnsvm {

bool Params::all_finite() const {
  for (const auto& b : blocks)
    if (!b.allFinite()) return false;
  return true;
}

double ScaledGradient::log_norm(const std::vector<int>& blocks) const {
  double out = -INFINITY;
  for (int b : blocks) out = log_add_exp(out, 2.0 * log_scale[b]);  // ‖M_b‖ = 1
  return 0.5 * out;
}

Eigen::MatrixXd ScaledGradient::value(int b) const { return std::exp(log_scale[b]) * M[b]; }

namespace {

/// e^x for x ≤ 0, short-circuiting arguments whose result underflows (most of them once scores separate).
inline double exp_or_zero(double x) { return x < kExpFlushBelow ? 0.0 : exp_nonpositive(x); }

/// softmax_jacobian_apply on raw arrays, V lanes at a time (lanes.hpp): the exponentials and the sums are
/// most of a training step at T ≥ 32. Sums run in the Pair order at either width.
template <class V>
inline SoftmaxProduct softmax_lanes(const double* ap, const double* up, double* sp, double* rp, Eigen::Index T) {
  SoftmaxProduct out;
  // a1 = a_top (the first maximum), a2 = the largest of the other scores.
  Eigen::Index top = 0, second = -1;
  double a1 = ap[0], a2 = -INFINITY;
  for (Eigen::Index t = 1; t < T; ++t) {
    if (ap[t] > a1)
      a2 = a1, second = top, a1 = ap[t], top = t;
    else if (second < 0 || ap[t] > a2)
      a2 = ap[t], second = t;
  }
  out.top = static_cast<int>(top);
  const double u_top = up[top];
  // ê_t = e^{a_t − a1} (stored in s), rest = Σ_{t≠top} ê_t, acc = Σ_{t≠top} ê_t (u_top − u_t); ê_top is
  // held at 0 until the end.
  Pair rest2 = {0, 0}, acc2 = {0, 0};
  auto exponentials = [&]<class W>(Eigen::Index t) {
    const W x = load<W>(ap + t) - a1;
    // Once training has separated the scores most lanes underflow: skip their exponentials.
    W e = all_below(x, kExpFlushBelow) ? W{} : exp_nonpositive(x);
    if (top >= t && top < t + kLanes<W>) e[top - t] = 0.0;
    store(sp + t, e);
    add_by_pairs(rest2, e);
    add_by_pairs(acc2, e * (u_top - load<W>(up + t)));
  };
  Eigen::Index t = 0;
  for (; t + kLanes<V> <= T; t += kLanes<V>) exponentials.template operator()<V>(t);
  for (; t + 2 <= T; t += 2) exponentials.template operator()<Pair>(t);
  double rest = rest2[0] + rest2[1], acc = acc2[0] + acc2[1];
  if (t < T) {  // odd T: the last token
    sp[t] = t == top ? 0.0 : exp_nonpositive(ap[t] - a1);
    rest += sp[t], acc += sp[t] * (u_top - up[t]);
  }
  const double E = 1.0 + rest, inverse = 1.0 / E;
  out.lse = a1 + std::log1p(rest);
  out.f = u_top - acc / E;  // f = u_top − Σ_{t≠top} s_t (u_top − u_t): no cancellation when s_top ≈ 1
  if (second < 0) {         // T = 1: the softmax is constant, r = 0
    sp[top] = 1.0;
    rp[top] = 0.0;
    return out;
  }
  // r_τ = s_τ Σ_t s_t (u_τ − u_t) = e^κ r̃_τ with κ = (a1 − lse) + (a2 − lse):
  //   r̃_top = Σ_{t≠top} e^{a_t − a2} (u_top − u_t),   r̃_τ = e^{a_τ − a2} (E (u_τ − u_top) + acc).
  // The same pass turns ê into the probabilities s = ê / E.
  out.kappa = (a1 - out.lse) + (a2 - out.lse);
  const double gap = a1 - a2;
  double r_top = 0;
  if (gap < 600) {
    // e^{a_t − a2} = ê_t e^{a1 − a2}. An ê_t flushed to zero (a_t < a1 − 700) is then below e^{-100}
    // relative to the second token's term.
    const double lift = std::exp(gap);
    Pair r_top2 = {0, 0};
    auto terms = [&]<class W>(Eigen::Index t) {
      const W e = load<W>(sp + t), et = e * lift, ut = load<W>(up + t);
      add_by_pairs(r_top2, et * (u_top - ut));
      store(rp + t, et * (E * (ut - u_top) + acc));
      store(sp + t, e * inverse);
    };
    for (t = 0; t + kLanes<V> <= T; t += kLanes<V>) terms.template operator()<V>(t);
    for (; t + 2 <= T; t += 2) terms.template operator()<Pair>(t);
    r_top = r_top2[0] + r_top2[1];
    if (t < T) {
      const double et = sp[t] * lift;
      r_top += et * (u_top - up[t]);
      rp[t] = et * (E * (up[t] - u_top) + acc);
      sp[t] *= inverse;
    }
  } else {
    for (t = 0; t < T; ++t) {
      sp[t] *= inverse;
      if (t == top) continue;
      const double et = exp_or_zero(ap[t] - a2);
      r_top += et * (u_top - up[t]);
      rp[t] = et * (E * (up[t] - u_top) + acc);
    }
  }
  rp[top] = r_top;
  sp[top] = inverse;
  return out;
}

#ifdef ATTNSVM_WIDE_LANES
ATTNSVM_WIDE_LANES SoftmaxProduct softmax_wide(const double* ap, const double* up, double* sp, double* rp,
                                               Eigen::Index T) {
  return softmax_lanes<Quad>(ap, up, sp, rp, T);
}
#endif

}  // namespace

SoftmaxProduct softmax_jacobian_apply(const Eigen::Ref<const Eigen::VectorXd>& a,
                                      const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> s,
                                      Eigen::Ref<Eigen::VectorXd> r_scaled) {
#ifdef ATTNSVM_WIDE_LANES
  if (wide_lanes()) return softmax_wide(a.data(), u.data(), s.data(), r_scaled.data(), a.size());
#endif
  return softmax_lanes<Pair>(a.data(), u.data(), s.data(), r_scaled.data(), a.size());
}

Model::Model(const ModelConfig& config, LossKind loss, const Dataset& data)
    : config_(config), loss_(loss), d_(data.d()), v_(data.v) {
  width_ = config.width > 0 ? config.width : d_;
  heads_ = config.param == Param::Multihead ? config.heads : 1;
  head_divisor_ = config.head_scale == HeadScale::Sqrt ? std::sqrt(static_cast<double>(heads_)) : heads_;
  log_head_divisor_ = std::log(head_divisor_);
  switch (config.param) {
    case Param::W:
    case Param::Prompt: attention_blocks_ = 1; break;
    case Param::KQ:
    case Param::KQDiag: attention_blocks_ = 2; break;
    case Param::Multihead: attention_blocks_ = heads_; break;
  }
  if (!v_ && config.decoder == DecoderMode::Fixed)
    throw InputError("model.decoder: the dataset has no decoder v; add \"v\" to it or use \"decoder\": \"trained\"");
  for (int b = 0; b < attention_blocks_; ++b) trained_.push_back(b);
  if (decoder_trained())
    for (int h = 0; h < heads_; ++h) trained_.push_back(attention_blocks_ + h);
}

std::string Model::block_name(int b) const {
  static const char* kq[] = {"K", "Q"};
  static const char* diag[] = {"k", "q"};
  if (b >= attention_blocks_) return heads_ == 1 ? "v" : "v_" + std::to_string(b - attention_blocks_ + 1);
  switch (config_.param) {
    case Param::W: return "W";
    case Param::KQ: return kq[b];
    case Param::KQDiag: return diag[b];
    case Param::Prompt: return "p";
    case Param::Multihead: return "W_" + std::to_string(b + 1);
  }
  return "?";
}

Params Model::initial_params() const {
  Rng rng(config_.init.seed, 1013);
  Params params;
  auto block = [&](int rows, int cols) {
    Eigen::MatrixXd M = Eigen::MatrixXd::Zero(rows, cols);
    if (config_.init.kind == InitKind::Gaussian)
      for (int j = 0; j < cols; ++j)
        for (int i = 0; i < rows; ++i) M(i, j) = config_.init.std * rng.normal();
    // PyTorch's nn.Linear(d, ·) default (kaiming_uniform with a = √5): U(−1/√fan_in, 1/√fan_in), fan_in = d,
    // the token and query dimension every attention block multiplies.
    if (config_.init.kind == InitKind::PyTorch)
      for (int j = 0; j < cols; ++j)
        for (int i = 0; i < rows; ++i) M(i, j) = (2.0 * rng.uniform() - 1.0) / std::sqrt(static_cast<double>(d_));
    return M;
  };
  switch (config_.param) {
    case Param::W: params.blocks = {block(d_, d_)}; break;
    case Param::KQ: params.blocks = {block(d_, width_), block(d_, width_)}; break;
    case Param::KQDiag: params.blocks = {block(d_, 1), block(d_, 1)}; break;
    case Param::Prompt: params.blocks = {block(d_, 1)}; break;
    case Param::Multihead:
      for (int h = 0; h < heads_; ++h) params.blocks.push_back(block(d_, d_));
      break;
  }
  // Random head signs ζ_h = ±1 come from their own stream of the init seed (the attention blocks' draws
  // stay those of the other sign rules).
  Rng signs(config_.init.seed, 1019);
  for (int h = 0; h < heads_; ++h) {
    double sign = 1.0;
    if (config_.head_signs == HeadSigns::Alternating && h % 2 == 1) sign = -1.0;
    if (config_.head_signs == HeadSigns::Random && signs.uniform() < 0.5) sign = -1.0;
    params.blocks.push_back(v_ ? Eigen::MatrixXd(sign * *v_) : Eigen::MatrixXd::Zero(d_, 1));
  }
  return params;
}

Eigen::MatrixXd Model::head_matrix(const Params& p, int h) const {
  switch (config_.param) {
    case Param::W:
    case Param::Prompt: return p.blocks[0];
    case Param::KQ: return p.blocks[0] * p.blocks[1].transpose();
    case Param::KQDiag: return p.blocks[0].cwiseProduct(p.blocks[1]).col(0).asDiagonal();
    case Param::Multihead: return p.blocks[h];
  }
  return {};
}

Eigen::VectorXd Model::decoder(const Params& p, int h) const { return p.blocks[attention_blocks_ + h].col(0); }

void Model::queries_into(const Params& params, const Sequences& seq, int h, Workspace& ws,
                         Eigen::MatrixXd& queries) const {
  if (config_.param == Param::Prompt) {  // scores X_i p: the same query p for every sequence
    queries = params.blocks[0];
    return;
  }
  const Eigen::MatrixXd* W = &params.blocks[h];
  if (config_.param == Param::KQ) {
    kernels::multiply_transposed(params.blocks[0], params.blocks[1], ws.Wh);
    W = &ws.Wh;
  } else if (config_.param == Param::KQDiag) {
    ws.Wh = head_matrix(params, h);
    W = &ws.Wh;
  }
  // The queries W z_i for all i at once: one d×d×n GEMM (n·d²). Scores are then X_i (W z_i), one T×d product
  // per sequence (n·T·d) — never (X_i W) z_i, which costs n·T·d².
  kernels::multiply_transposed(*W, seq.Z, queries);
}

void Model::scores_into(const Params& params, const Sequences& seq, int h, Workspace& ws, Eigen::MatrixXd& At) const {
  At.resize(seq.T, seq.n);
  queries_into(params, seq, h, ws, ws.queries);
  const bool shared = config_.param == Param::Prompt;
  for (int i = 0; i < seq.n; ++i) kernels::rows_times(seq.tokens(i), ws.queries.col(shared ? 0 : i), At.col(i));
}

Eigen::MatrixXd Model::scores(const Params& params, const Sequences& seq, int h) const {
  Workspace ws;
  Eigen::MatrixXd At;
  scores_into(params, seq, h, ws, At);
  return At.transpose();
}

Eigen::VectorXd Model::outputs(const Params& params, const Sequences& seq) const {
  Eigen::VectorXd f = Eigen::VectorXd::Zero(seq.n);
  Eigen::VectorXd s(seq.T), r(seq.T);
  Workspace ws;
  Eigen::MatrixXd At;
  for (int h = 0; h < heads_; ++h) {
    scores_into(params, seq, h, ws, At);
    Eigen::VectorXd u(seq.X.rows());
    kernels::rows_times(seq.X, params.blocks[attention_blocks_ + h].col(0), u);
    for (int i = 0; i < seq.n; ++i)
      f(i) += softmax_jacobian_apply(At.col(i), u.segment(static_cast<Eigen::Index>(i) * seq.T, seq.T), s, r).f;
  }
  return f / head_divisor_;
}

double Model::loss_infimum(const Params& params, const Sequences& seq) const {
  if (decoder_trained()) return 0.0;
  double L = 0;
  for (int i = 0; i < seq.n; ++i) {
    double best = 0;
    for (int h = 0; h < heads_; ++h) best += (seq.y(i) * (seq.tokens(i) * decoder(params, h))).maxCoeff();
    L += loss_value(loss_, best / head_divisor_);
  }
  return L / seq.n;
}

namespace {

/// Asks the cache for a sequence's token block ahead of use: the fused pass is bound by reading X
/// (16 MB at L), and the prefetch overlaps that read with the softmax of the sequence before (no-op on wasm).
inline void prefetch_tokens(const double* begin, Eigen::Index count) {
  const char* bytes = reinterpret_cast<const char*>(begin);
  const Eigen::Index size = count * static_cast<Eigen::Index>(sizeof(double));
  for (Eigen::Index b = 0; b < size; b += 64) __builtin_prefetch(bytes + b);
}

/// Normalises M to unit Frobenius norm and returns log ‖M‖ (−∞ for a zero or non-finite M).
double normalise(Eigen::MatrixXd& M) {
  double norm = M.norm();
  if (!(norm > 0) || !std::isfinite(norm)) {
    M.setZero();
    return -INFINITY;
  }
  M /= norm;
  return std::log(norm);
}

}  // namespace

Evaluation Model::evaluate(const Params& params, const Sequences& seq, bool want_gradient, bool want_excess) const {
  Workspace ws;
  Evaluation ev;
  evaluate(params, seq, want_gradient, want_excess, ws, ev);
  return ev;
}

void Model::evaluate(const Params& params, const Sequences& seq, bool want_gradient, bool want_excess, Workspace& ws,
                     Evaluation& ev) const {
  const int n = seq.n, T = seq.T, H = heads_;
  // The output is f_i = (1/D) Σ_h f_ih (D = head_divisor_: √H or H); every per-head term carries 1/D.
  const double log_n = std::log(static_cast<double>(n)), log_D = log_head_divisor_, D = head_divisor_;
  if (ws.seq != &seq || ws.seq_data != seq.X.data() || static_cast<int>(ws.u.size()) != H) {
    ws.u.assign(H, Eigen::VectorXd());
    ws.v.assign(H, Eigen::VectorXd());
    ws.A.resize(H), ws.S.resize(H), ws.R.resize(H);
    ws.seq = &seq, ws.seq_data = seq.X.data();
  }
  ws.F.resize(n, H), ws.kappa.resize(n, H), ws.lse.resize(n, H);
  ws.Q.resize(H), ws.G.resize(H), ws.D.resize(H);
  const bool shared = config_.param == Param::Prompt, attention_grad = want_gradient,
             decoder_grad = want_gradient && decoder_trained();
  for (int h = 0; h < H; ++h) {
    queries_into(params, seq, h, ws, ws.Q[h]);
    // u = X v: once per decoder value (a fixed decoder never changes, so this is paid once per run).
    const auto v = params.blocks[attention_blocks_ + h].col(0);
    if (ws.v[h].size() != v.size() || ws.u[h].size() != seq.X.rows() || ws.v[h] != v) {
      ws.u[h].resize(seq.X.rows());
      kernels::rows_times(seq.X, v, ws.u[h]);
      ws.v[h] = v;
    }
    ws.A[h].resize(T, n), ws.S[h].resize(T, n), ws.R[h].resize(T, n);
    if (attention_grad) ws.G[h].resize(seq.d, n);
    if (decoder_grad) ws.D[h].resize(seq.d, n);
  }
  // One pass over the tokens: each sequence's T×d block is read while it is hot in cache, for the scores,
  // and for the unscaled gradient columns X_iᵀ r̃_i (attention) and X_iᵀ s_i (decoder) of every head.
  const Eigen::Index block = static_cast<Eigen::Index>(T) * seq.d;
  // Tokens that fit in a core's L2 cache (1 MB here) stay there from step to step: prefetching them only costs.
  const bool prefetch = seq.X.size() * static_cast<Eigen::Index>(sizeof(double)) > (Eigen::Index{1} << 20);
  for (int i = 0; i < n; ++i) {
    const auto X_i = seq.tokens(i);
    if (prefetch && i + 1 < n) prefetch_tokens(seq.X.data() + (i + 1) * block, block);
    for (int h = 0; h < H; ++h) {
      kernels::rows_times(X_i, ws.Q[h].col(shared ? 0 : i), ws.A[h].col(i));
      SoftmaxProduct sp = softmax_jacobian_apply(ws.A[h].col(i), ws.u[h].segment(static_cast<Eigen::Index>(i) * T, T),
                                                 ws.S[h].col(i), ws.R[h].col(i));
      ws.F(i, h) = sp.f;
      ws.kappa(i, h) = sp.kappa;
      ws.lse(i, h) = sp.lse;
      if (attention_grad) kernels::rows_transposed_times(X_i, ws.R[h].col(i), ws.G[h].col(i));
      if (decoder_grad) kernels::rows_transposed_times(X_i, ws.S[h].col(i), ws.D[h].col(i));
    }
  }
  ev.loss = 0;
  ev.log_excess = -INFINITY;
  ws.log_c.resize(n), ws.sign.resize(n);  // c_i = (1/n) ℓ'(y_i f_i) y_i = sign_i e^{log_c_i}
  for (int i = 0; i < n; ++i) {
    double x = seq.y(i) * (ws.F.row(i).sum() / D);
    const LossAndLogSlope l = loss_and_log_slope(loss_, x);
    ev.loss += l.value / n;
    ws.log_c(i) = l.log_slope - log_n;
    ws.sign(i) = -seq.y(i);
  }

  if (want_excess) {
    double total = -INFINITY;
    for (int i = 0; i < n; ++i) {
      double x = seq.y(i) * (ws.F.row(i).sum() / D);
      if (decoder_trained()) {
        total = log_add_exp(total, log_loss_value(loss_, x));
        continue;
      }
      // δ_i = x*_i − y_i f_i = (1/D) Σ_h Σ_t s_t (γ*_h − γ_t) ≥ 0, summed in the log domain.
      double x_star = 0, log_delta = -INFINITY;
      for (int h = 0; h < H; ++h) {
        Eigen::VectorXd gamma = seq.y(i) * ws.u[h].segment(static_cast<Eigen::Index>(i) * T, T);
        double best = gamma.maxCoeff();
        x_star += best / D;
        for (int t = 0; t < T; ++t)
          if (gamma(t) < best)
            log_delta = log_add_exp(log_delta, ws.A[h](t, i) - ws.lse(i, h) + std::log(best - gamma(t)) - log_D);
      }
      total = log_add_exp(total, log_loss_excess(loss_, x_star, log_delta));
    }
    ev.log_excess = total - log_n;
  }

  const int blocks = static_cast<int>(params.blocks.size());
  if (!want_gradient) {
    ev.grad.M.clear();
    ev.grad.log_scale.clear();
    return;
  }
  ev.grad.M.resize(blocks);
  ev.grad.log_scale.assign(blocks, -INFINITY);
  for (int b = 0; b < blocks; ++b) ev.grad.M[b].setZero(params.blocks[b].rows(), params.blocks[b].cols());

  for (int h = 0; h < H; ++h) {
    // Attention: ∇_{W_h} = Σ_i (c_i/D) X_iᵀ r_ih z_iᵀ, with the largest scale factored out.
    ws.log_weight = ws.log_c.array() - log_D + ws.kappa.col(h).array();
    double K = ws.log_weight.maxCoeff();
    if (K > -INFINITY) {
      // Columns g̃_i = sign_i e^{w_i − K} X_iᵀ r̃_i (w = log_weight; n·T·d), then ∇_W ∝ Σ_i g̃_i z_iᵀ = G Z as
      // one GEMM (n·d²).
      Eigen::MatrixXd& G = ws.G[h];
      // (a column below e^-700 of the largest is dropped, not left subnormal for the GEMM)
      for (int i = 0; i < n; ++i) G.col(i) *= ws.sign(i) * exp_or_zero(ws.log_weight(i) - K);
      auto set = [&](int b) { ev.grad.log_scale[b] = K + normalise(ev.grad.M[b]); };
      switch (config_.param) {
        case Param::W:
          kernels::multiply(G, seq.Z, ev.grad.M[0]);
          set(0);
          break;
        case Param::Multihead:
          kernels::multiply(G, seq.Z, ev.grad.M[h]);
          set(h);
          break;
        case Param::Prompt:
          ev.grad.M[0] = G.rowwise().sum();
          set(0);
          break;
        case Param::KQ: {
          kernels::multiply(G, seq.Z, ws.MW);  // ∇_K = ∇_W Q, ∇_Q = ∇_Wᵀ K
          kernels::multiply(ws.MW, params.blocks[1], ev.grad.M[0]);
          ws.MWt = ws.MW.transpose();
          kernels::multiply(ws.MWt, params.blocks[0], ev.grad.M[1]);
          set(0);
          set(1);
          break;
        }
        case Param::KQDiag: {
          // diag(∇_W)_j = Σ_i g̃_ij z_ij
          Eigen::VectorXd diag = G.cwiseProduct(seq.Z.transpose()).rowwise().sum();
          ev.grad.M[0] = diag.cwiseProduct(params.blocks[1].col(0));
          ev.grad.M[1] = diag.cwiseProduct(params.blocks[0].col(0));
          set(0);
          set(1);
          break;
        }
      }
    }
    if (decoder_trained()) {
      // Decoder: ∇_{v_h} = Σ_i (c_i/D) X_iᵀ s_ih.
      Eigen::VectorXd mu = ws.log_c.array() - log_D;
      double Kv = mu.maxCoeff();
      int b = attention_blocks_ + h;
      Eigen::MatrixXd& M = ev.grad.M[b];
      M.setZero(seq.d, 1);
      for (int i = 0; i < n; ++i) M.col(0) += (ws.sign(i) * std::exp(mu(i) - Kv)) * ws.D[h].col(i);
      ev.grad.log_scale[b] = Kv + normalise(M);
    }
  }
}

}  // namespace attnsvm
