#pragma once
// One-layer softmax attention (docs/design.md §2): the parameterisations, the forward pass, the loss and its
// gradient in log-domain scaled form (§3).
#include <Eigen/Dense>
#include <optional>
#include <vector>

#include "config.hpp"
#include "dataset.hpp"

namespace attnsvm {

/// The trained and fixed parameter blocks, laid out by Model: attention blocks first (W | K, Q | k, q |
/// p | W_1..W_H), then the decoders (v | v_1..v_H) as d×1 matrices.
struct Params {
  std::vector<Eigen::MatrixXd> blocks;
  bool all_finite() const;
};

/// A gradient stored with its scale: block b is e^{log_scale[b]} · M[b] with ‖M[b]‖_F = 1, or M[b] = 0
/// and log_scale[b] = −∞ when it vanishes, so a direction survives when every entry would underflow.
struct ScaledGradient {
  std::vector<Eigen::MatrixXd> M;
  std::vector<double> log_scale;
  /// log ‖∇‖_F over the given blocks (−∞ when all vanish).
  double log_norm(const std::vector<int>& blocks) const;
  /// The unscaled value of block b (may underflow to zero).
  Eigen::MatrixXd value(int b) const;
};

/// softmax(a) and the Jacobian product r = s ⊙ (u − f·1) for one sequence, computed by differences:
/// r = e^κ · r_scaled. Returns f = sᵀu. `top` is argmax a. `s` receives the probabilities.
struct SoftmaxProduct {
  double f = 0, kappa = -INFINITY, lse = 0;
  int top = 0;
};
SoftmaxProduct softmax_jacobian_apply(const Eigen::Ref<const Eigen::VectorXd>& a,
                                      const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> s,
                                      Eigen::Ref<Eigen::VectorXd> r_scaled);

/// Buffers that Model::evaluate reuses from call to call (nothing is allocated per step once sized), and
/// the token values u = X v_h, kept while the decoder v_h and the sequences stay the same. One per caller;
/// the sequences must not be modified in place while a workspace holds values computed from them.
struct Workspace {
  std::vector<Eigen::MatrixXd> A;     ///< per head: T×n scores, column i = a_i = X_i W z_i
  std::vector<Eigen::MatrixXd> S, R;  ///< per head: T×n softmax s_i and scaled Jacobian products r̃_i
  std::vector<Eigen::VectorXd> u, v;  ///< per head: u = X v (n·T) and the decoder v it was computed for
  Eigen::MatrixXd F, kappa, lse;      ///< n×H outputs f_ih, scales κ_ih and log-sum-exps
  std::vector<Eigen::MatrixXd> Q;     ///< per head: d×n queries W_h z_i (prompt: d×1, p)
  std::vector<Eigen::MatrixXd> G, D;  ///< per head: d×n gradient columns X_iᵀ r̃_i and X_iᵀ s_i
  Eigen::MatrixXd Wh, queries, MW, MWt;
  Eigen::VectorXd log_c, sign;     ///< per sequence: log |c_i| and sign c_i of the loss derivative c_i
  Eigen::VectorXd log_weight;      ///< per sequence, for the head in hand: log(|c_i| / D) + κ_ih (D = head_divisor())
  const Sequences* seq = nullptr;  ///< the sequences u was computed from
  const double* seq_data = nullptr;
};

struct Evaluation {
  double loss = 0;
  double log_excess = -INFINITY;  ///< log(L − L*), when requested
  ScaledGradient grad;            ///< over every block; untrained blocks have log_scale −∞
};

class Model {
 public:
  Model(const ModelConfig& config, LossKind loss, const Dataset& data);

  /// The initial parameters (seeded Gaussian or zero attention blocks; decoders from the dataset's v).
  Params initial_params() const;

  int heads() const { return heads_; }
  int d() const { return d_; }
  Param param() const { return config_.param; }
  LossKind loss() const { return loss_; }
  bool decoder_trained() const { return config_.decoder == DecoderMode::Trained; }
  int attention_blocks() const { return attention_blocks_; }
  /// Indices of the blocks that training updates.
  const std::vector<int>& trained_blocks() const { return trained_; }
  /// Human name of a block ("W", "K", "v_2", ...).
  std::string block_name(int b) const;

  /// Effective key–query matrix of head h (d×d; prompt: the vector p as d×1).
  Eigen::MatrixXd head_matrix(const Params& params, int h) const;
  /// Decoder of head h.
  Eigen::VectorXd decoder(const Params& params, int h) const;

  /// Attention scores of head h: n×T matrix of a_it.
  Eigen::MatrixXd scores(const Params& params, const Sequences& seq, int h) const;
  /// The multihead output's divisor: f_i = (1/D) Σ_h f_ih with D = √H (Deora et al.) or H (mean); 1 for
  /// one head.
  double head_divisor() const { return head_divisor_; }
  /// Outputs f_i = (1/D) Σ_h s_ihᵀ X_i v_h.
  Eigen::VectorXd outputs(const Params& params, const Sequences& seq) const;

  /// Loss, optionally log(L − L*) (for Polyak) and the scaled gradient.
  Evaluation evaluate(const Params& params, const Sequences& seq, bool want_gradient, bool want_excess) const;
  /// The same into `out`, reusing its storage and the workspace (the training loop's form: no allocation
  /// per step). Leaves the scores, softmax and outputs of every head in `ws` (A, S, F).
  void evaluate(const Params& params, const Sequences& seq, bool want_gradient, bool want_excess, Workspace& ws,
                Evaluation& out) const;

  /// The d×n queries W_h z_i of head h (prompt: the d×1 vector p).
  void queries_into(const Params& params, const Sequences& seq, int h, Workspace& ws, Eigen::MatrixXd& queries) const;
  /// Scores of head h into At, transposed (T×n: column i = a_i), using ws for the intermediate products.
  void scores_into(const Params& params, const Sequences& seq, int h, Workspace& ws, Eigen::MatrixXd& At) const;

  /// L* = inf L: 0 with a trained decoder, (1/n) Σ ℓ((1/D) Σ_h max_t γ_ith) with a fixed one.
  double loss_infimum(const Params& params, const Sequences& seq) const;

 private:
  ModelConfig config_;
  LossKind loss_;
  int d_, width_, heads_, attention_blocks_;
  double head_divisor_ = 1, log_head_divisor_ = 0;
  std::optional<Eigen::VectorXd> v_;
  std::vector<int> trained_;
};

}  // namespace attnsvm
