#include "model.hpp"

#include <cmath>

#include "errors.hpp"
#include "loss.hpp"
#include "rng.hpp"

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

/// e^x, short-circuiting arguments whose result underflows anyway (libm's slow path for them is costly).
inline double exp_or_zero(double x) { return x < -745.2 ? 0.0 : std::exp(x); }

}  // namespace

SoftmaxProduct softmax_jacobian_apply(const Eigen::Ref<const Eigen::VectorXd>& a,
                                      const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> s,
                                      Eigen::Ref<Eigen::VectorXd> r_scaled) {
  const Eigen::Index T = a.size();
  SoftmaxProduct out;
  Eigen::Index top = 0;
  const double a1 = a.maxCoeff(&top);
  out.top = static_cast<int>(top);
  // ê_t = e^{a_t − a1} (stored in s), rest = Σ_{t≠top} ê_t, acc = Σ_{t≠top} ê_t (u_top − u_t).
  double rest = 0, acc = 0, a2 = -INFINITY;
  Eigen::Index second = -1;
  for (Eigen::Index t = 0; t < T; ++t) {
    if (t == top) continue;
    s(t) = exp_or_zero(a(t) - a1);
    rest += s(t);
    acc += s(t) * (u(top) - u(t));
    if (a(t) > a2 || second < 0) a2 = a(t), second = t;
  }
  s(top) = 1.0;
  const double E = 1.0 + rest;
  out.lse = a1 + std::log1p(rest);
  out.f = u(top) - acc / E;  // f = u_top − Σ_{t≠top} s_t (u_top − u_t): no cancellation when s_top ≈ 1
  s /= E;
  if (second < 0) {  // T = 1: the softmax is constant, r = 0
    r_scaled.setZero();
    return out;
  }
  // r_τ = s_τ Σ_t s_t (u_τ − u_t) = e^κ r̃_τ with κ = (a1 − lse) + (a2 − lse):
  //   r̃_top = Σ_{t≠top} e^{a_t − a2} (u_top − u_t),   r̃_τ = e^{a_τ − a2} (E (u_τ − u_top) + acc).
  out.kappa = (a1 - out.lse) + (a2 - out.lse);
  const double gap = a1 - a2;
  const double lift = gap < 700 ? std::exp(gap) : 0.0;  // e^{a_t − a2} = ê_t e^{a1 − a2}
  double r_top = 0;
  for (Eigen::Index t = 0; t < T; ++t) {
    if (t == top) continue;
    double et = lift > 0 ? s(t) * E * lift : exp_or_zero(a(t) - a2);
    r_top += et * (u(top) - u(t));
    r_scaled(t) = et * (E * (u(t) - u(top)) + acc);
  }
  r_scaled(top) = r_top;
  return out;
}

Model::Model(const ModelConfig& config, LossKind loss, const Dataset& data)
    : config_(config), loss_(loss), d_(data.d()), v_(data.v) {
  width_ = config.width > 0 ? config.width : d_;
  heads_ = config.param == Param::Multihead ? config.heads : 1;
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
  for (int h = 0; h < heads_; ++h) {
    double sign = config_.head_signs == HeadSigns::Alternating && h % 2 == 1 ? -1.0 : 1.0;
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

Eigen::MatrixXd Model::scores(const Params& params, const Sequences& seq, int h) const {
  Eigen::MatrixXd A(seq.n, seq.T);
  if (config_.param == Param::Prompt) {
    Eigen::VectorXd a = seq.X * params.blocks[0].col(0);
    for (int i = 0; i < seq.n; ++i) A.row(i) = a.segment(static_cast<Eigen::Index>(i) * seq.T, seq.T).transpose();
    return A;
  }
  // a_i = X_i (W z_i): the queries W z_i for all i at once (n·d²), then one T×d product per sequence.
  Eigen::MatrixXd queries = seq.Z * head_matrix(params, h).transpose();
  for (int i = 0; i < seq.n; ++i) A.row(i).noalias() = queries.row(i) * seq.tokens(i).transpose();
  return A;
}

Eigen::VectorXd Model::outputs(const Params& params, const Sequences& seq) const {
  Eigen::VectorXd f = Eigen::VectorXd::Zero(seq.n);
  Eigen::VectorXd s(seq.T), r(seq.T);
  for (int h = 0; h < heads_; ++h) {
    Eigen::MatrixXd A = scores(params, seq, h);
    Eigen::VectorXd u = seq.X * decoder(params, h);
    for (int i = 0; i < seq.n; ++i)
      f(i) +=
          softmax_jacobian_apply(A.row(i).transpose(), u.segment(static_cast<Eigen::Index>(i) * seq.T, seq.T), s, r).f;
  }
  return f / heads_;
}

double Model::loss_infimum(const Params& params, const Sequences& seq) const {
  if (decoder_trained()) return 0.0;
  double L = 0;
  for (int i = 0; i < seq.n; ++i) {
    double best = 0;
    for (int h = 0; h < heads_; ++h) best += (seq.y(i) * (seq.tokens(i) * decoder(params, h))).maxCoeff();
    L += loss_value(loss_, best / heads_);
  }
  return L / seq.n;
}

namespace {

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
  const int n = seq.n, T = seq.T, H = heads_;
  const double log_n = std::log(static_cast<double>(n)), log_H = std::log(static_cast<double>(H));
  Eigen::MatrixXd F(n, H), kappa(n, H), lse(n, H);
  std::vector<Eigen::MatrixXd> A(H), S(H), R(H), U(H);
  for (int h = 0; h < H; ++h) {
    A[h] = scores(params, seq, h);
    U[h].resize(n, T);
    Eigen::VectorXd u = seq.X * decoder(params, h);
    S[h].resize(T, n);
    R[h].resize(T, n);
    for (int i = 0; i < n; ++i) {
      U[h].row(i) = u.segment(static_cast<Eigen::Index>(i) * T, T).transpose();
      SoftmaxProduct sp =
          softmax_jacobian_apply(A[h].row(i).transpose(), U[h].row(i).transpose(), S[h].col(i), R[h].col(i));
      F(i, h) = sp.f;
      kappa(i, h) = sp.kappa;
      lse(i, h) = sp.lse;
    }
  }
  Evaluation ev;
  Eigen::VectorXd log_c(n), sign(n);  // c_i = (1/n) ℓ'(y_i f_i) y_i = sign_i e^{log_c_i}
  for (int i = 0; i < n; ++i) {
    double x = seq.y(i) * F.row(i).mean();
    ev.loss += loss_value(loss_, x) / n;
    log_c(i) = log_abs_loss_derivative(loss_, x) - log_n;
    sign(i) = -seq.y(i);
  }

  if (want_excess) {
    double total = -INFINITY;
    for (int i = 0; i < n; ++i) {
      double x = seq.y(i) * F.row(i).mean();
      if (decoder_trained()) {
        total = log_add_exp(total, log_loss_value(loss_, x));
        continue;
      }
      // δ_i = x*_i − y_i f_i = (1/H) Σ_h Σ_t s_t (γ*_h − γ_t) ≥ 0, summed in the log domain.
      double x_star = 0, log_delta = -INFINITY;
      for (int h = 0; h < H; ++h) {
        Eigen::VectorXd gamma = seq.y(i) * U[h].row(i).transpose();
        double best = gamma.maxCoeff();
        x_star += best / H;
        for (int t = 0; t < T; ++t)
          if (gamma(t) < best)
            log_delta = log_add_exp(log_delta, A[h](i, t) - lse(i, h) + std::log(best - gamma(t)) - log_H);
      }
      total = log_add_exp(total, log_loss_excess(loss_, x_star, log_delta));
    }
    ev.log_excess = total - log_n;
  }

  if (!want_gradient) return ev;
  const int blocks = static_cast<int>(params.blocks.size());
  ev.grad.M.assign(blocks, Eigen::MatrixXd());
  ev.grad.log_scale.assign(blocks, -INFINITY);
  for (int b = 0; b < blocks; ++b)
    ev.grad.M[b] = Eigen::MatrixXd::Zero(params.blocks[b].rows(), params.blocks[b].cols());

  for (int h = 0; h < H; ++h) {
    // Attention: ∇_{W_h} = Σ_i (c_i/H) X_iᵀ r_ih z_iᵀ, with the largest scale factored out.
    Eigen::VectorXd lambda = log_c.array() - log_H + kappa.col(h).array();
    double K = lambda.maxCoeff();
    if (K > -INFINITY) {
      Eigen::MatrixXd G(n, seq.d);  // rows g̃_i = sign_i e^{λ_i − K} X_iᵀ r̃_i
      for (int i = 0; i < n; ++i)
        G.row(i).noalias() = (sign(i) * std::exp(lambda(i) - K)) * (R[h].col(i).transpose() * seq.tokens(i));
      auto set = [&](int b, Eigen::MatrixXd M) {
        ev.grad.log_scale[b] = K + normalise(M);
        ev.grad.M[b] = std::move(M);
      };
      switch (config_.param) {
        case Param::W: set(0, G.transpose() * seq.Z); break;
        case Param::Multihead: set(h, G.transpose() * seq.Z); break;
        case Param::Prompt: set(0, G.colwise().sum().transpose()); break;
        case Param::KQ: {
          Eigen::MatrixXd MW = G.transpose() * seq.Z;  // ∇_K = ∇_W Q, ∇_Q = ∇_Wᵀ K
          set(0, MW * params.blocks[1]);
          set(1, MW.transpose() * params.blocks[0]);
          break;
        }
        case Param::KQDiag: {
          Eigen::VectorXd diag = G.cwiseProduct(seq.Z).colwise().sum().transpose();  // diag(∇_W)
          set(0, diag.cwiseProduct(params.blocks[1].col(0)));
          set(1, diag.cwiseProduct(params.blocks[0].col(0)));
          break;
        }
      }
    }
    if (decoder_trained()) {
      // Decoder: ∇_{v_h} = Σ_i (c_i/H) X_iᵀ s_ih.
      Eigen::VectorXd mu = log_c.array() - log_H;
      double Kv = mu.maxCoeff();
      Eigen::MatrixXd M = Eigen::MatrixXd::Zero(seq.d, 1);
      for (int i = 0; i < n; ++i)
        M.col(0).noalias() += (sign(i) * std::exp(mu(i) - Kv)) * (seq.tokens(i).transpose() * S[h].col(i));
      int b = attention_blocks_ + h;
      ev.grad.log_scale[b] = Kv + normalise(M);
      ev.grad.M[b] = std::move(M);
    }
  }
  return ev;
}

}  // namespace attnsvm
