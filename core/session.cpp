#include "session.hpp"

#include <cmath>
#include <numbers>
#include <optional>
#include <sstream>

#include "errors.hpp"
#include "json_eigen.hpp"
#include "metrics.hpp"

namespace attnsvm {
namespace {

constexpr double kLn10 = std::numbers::ln10;

/// A parameter block from JSON: d×1 blocks (v, p, k, q) are written as vectors, the others as rows.
Eigen::MatrixXd block_from_json(const Json& j, Eigen::Index rows, Eigen::Index cols, const std::string& field) {
  if (cols == 1 && j.is_array() && !j.empty() && j[0].is_number())
    return vector_from_json(j, static_cast<std::size_t>(rows), field);
  return matrix_from_json(j, static_cast<int>(rows), static_cast<int>(cols), field);
}

}  // namespace

Session::Session(const Config& config, ReferenceSolving solving)
    : config_(config), data_(make_dataset(config.data)), references_deferred_(solving == ReferenceSolving::Deferred) {
  model_ = std::make_unique<Model>(config_.model, config_.loss, data_);
  optimizer_ = std::make_unique<Optimizer>(config_.optimizer, *model_);
  params_ = model_->initial_params();
  record_every_ = config_.run.record_every;
  const auto kind = config_.optimizer.kind;
  bregman_p_ = kind == OptimizerKind::MD || kind == OptimizerKind::Flow ? config_.optimizer.p : 2.0;
  if (config_.model.param == Param::Prompt)
    for (SvmNorm norm : config_.svm.norms)
      if (norm == SvmNorm::Nuc || norm == SvmNorm::L1Diag)
        throw InputError(std::string("svm.norms: \"") + name(norm) +
                         "\" needs a matrix parameterisation; the prompt vector has \"fro\" and \"lp\"");

  for (SvmNorm norm : config_.svm.norms)
    if (norm == SvmNorm::Lp)
      for (double p : config_.svm.ps) specs_.push_back({norm, p, reference_suffix(norm, p, config_.svm)});
    else
      specs_.push_back({norm, config_.svm.p, name(norm)});
  for_each_column([&](const MetricColumn& c, const ReferenceSpec& spec) {
    columns_.push_back(c.scope == Scope::Session ? std::string(c.name) : c.name + spec.suffix);
  });
  record();
}

template <class F>
void Session::for_each_column(F&& f) const {
  const ReferenceSpec none{SvmNorm::Fro, config_.svm.p, ""};
  for (const MetricColumn& c : metric_columns()) {
    if (c.scope == Scope::PerReference || !c.applies(*this)) continue;
    if (c.scope == Scope::Session)
      f(c, none);
    else
      for (double p : config_.svm.ps)
        f(c, ReferenceSpec{SvmNorm::Lp, p, reference_suffix(SvmNorm::Lp, p, config_.svm)});
  }
  for (const ReferenceSpec& spec : specs_)
    for (const MetricColumn& c : metric_columns())
      if (c.scope == Scope::PerReference && c.applies(*this)) f(c, spec);
}

Session Session::from_json(const std::string& config_json) { return Session(parse_config(config_json)); }

void Session::solve_references() {
  if (!references_deferred_) return;
  references_deferred_ = false;
  record();
}

void Session::step(long k) {
  solve_references();
  for (long done = 0; done < k; ++done) {
    backup_ = params_;
    StepReport report;
    try {
      report = optimizer_->step(params_, data_.train);
    } catch (const DivergedError& e) {
      params_ = backup_;
      throw DivergedError(iteration_ + 1, "diverged at step " + std::to_string(iteration_ + 1) + ": " + e.what());
    }
    if (!params_.all_finite() || !std::isfinite(report.loss) || !std::isfinite(report.step_length)) {
      params_ = backup_;
      std::ostringstream s;
      s << "diverged at step " << iteration_ + 1 << ": the loss or the parameters became non-finite; ";
      if (config_.optimizer.kind == OptimizerKind::Polyak)
        s << "the Polyak step (L - L*)/|grad|^2 blew up, as it does when L* is out of reach (attention stuck on a "
          << "non-optimal token); try a smaller optimizer.max_step (now " << config_.optimizer.max_step
          << "), optimizer.scale < 1 (now " << config_.optimizer.scale << ") or another optimizer";
      else
        s << "try a smaller optimizer.lr (now " << optimizer_->config().lr << ")";
      throw DivergedError(iteration_ + 1, s.str());
    }
    ++iteration_;
    last_step_length_ = report.step_length;
    if (iteration_ % record_every_ == 0) record();
  }
}

void Session::checkpoint() {
  if (history_.empty() || history_.back().step != iteration_) record();
}

void Session::set_params(const Params& params) {
  if (params.blocks.size() != params_.blocks.size()) throw InputError("params: wrong number of blocks");
  for (std::size_t b = 0; b < params.blocks.size(); ++b)
    if (params.blocks[b].rows() != params_.blocks[b].rows() || params.blocks[b].cols() != params_.blocks[b].cols())
      throw InputError("params." + model_->block_name(static_cast<int>(b)) + ": wrong shape");
  if (!params.all_finite()) throw InputError("params: entries must be finite");
  params_ = params;
  record();
}

void Session::set_lr(double lr) {
  if (!(lr > 0) || !std::isfinite(lr)) throw InputError("optimizer.lr: must be > 0");
  config_.optimizer.lr = lr;
  optimizer_->set_lr(lr);
}

void Session::record() {
  if (!history_.empty() && history_.back().step == iteration_) history_.pop_back();
  history_.push_back(measure());
  if (static_cast<int>(history_.size()) > config_.run.max_history) {
    // Decimate: keep every other row (the first always), and record half as often from now on.
    std::vector<MetricRow> kept;
    for (std::size_t r = 0; r < history_.size(); r += 2) kept.push_back(std::move(history_[r]));
    if (kept.back().step != iteration_) kept.push_back(std::move(history_.back()));
    history_ = std::move(kept);
    record_every_ *= 2;
  }
}

Eigen::VectorXi Session::tokens_for(int head, const Eigen::MatrixXd& scores) const {
  if (config_.svm.tokens == TokenRule::Selected) return selected_tokens(scores);
  return optimal_tokens(data_.train, model_->decoder(params_, head));
}

SvmRequest Session::svm_request() const {
  SvmRequest request;
  request.problem = config_.model.param == Param::Prompt ? SvmProblem::Prompt : SvmProblem::Attention;
  request.p = config_.svm.p;
  return request;
}

SvmResult Session::solve_svm(const SvmRequest& request) const {
  const int head = request.head;
  if (head < 0 || head >= model_->heads())
    throw InputError("head: must be between 0 and " + std::to_string(model_->heads() - 1) + ", got " +
                     std::to_string(head));
  SvmTokenSource source;
  source.decoder = model_->decoder(params_, head);
  if (request.tokens == SvmTokens::Selected) source.scores = model_->scores(params_, data_.train, head);
  return solve(request, data_.train, source);
}

const SvmSolution& Session::reference(int head, const ReferenceSpec& spec, const Eigen::VectorXi& alpha) {
  const SvmNorm norm = spec.norm;
  auto same = [&](const SvmResult& ref) {
    return ref.request.head == head && ref.request.norm == norm && (norm != SvmNorm::Lp || ref.request.p == spec.p);
  };
  for (auto& ref : references_)
    if (same(ref)) {
      if (ref.solution.alpha == alpha) return ref.solution;
      ref.solution = SvmSolution{};
    }
  SvmRequest request = svm_request();
  request.norm = norm;
  request.p = spec.p;
  request.head = head;
  request.tokens = config_.svm.tokens == TokenRule::Selected ? SvmTokens::Selected : SvmTokens::Optimal;
  request.joint = config_.svm.joint;  // svm.joint: the relaxed joint SVM of joint training (docs/design.md §5)
  if (norm == SvmNorm::Nuc) request.options.tol = 1e-7;  // the references' nuclear tolerance (docs/design.md §5)
  SvmSolution solution = solve(request, data_.train, alpha);
  for (auto& ref : references_)
    if (same(ref)) return ref.solution = std::move(solution);
  references_.push_back({request, std::move(solution), std::nullopt});
  return references_.back().solution;
}

const std::vector<SvmResult>& Session::references() {
  if (references_deferred_) return references_;
  for (int h = 0; h < model_->heads(); ++h) {
    Eigen::MatrixXd A = model_->scores(params_, data_.train, h);
    for (const ReferenceSpec& spec : specs_) reference(h, spec, tokens_for(h, A));
  }
  return references_;
}

/// What the metric columns of one recorded row read: the evaluation at the current parameters (loss,
/// gradient, outputs, scores: in the session's workspace), the effective matrices, and per head the token
/// selections and SVM references, each computed once per row.
struct Session::Row {
  Session& s;
  const Sequences& train;
  const int H;
  std::vector<Eigen::MatrixXd> W;  ///< per head: the effective key–query matrix (prompt: p)
  double log_grad;                 ///< log ‖∇L‖_F over the trained blocks

  Row(Session& session) : s(session), train(session.data_.train), H(session.model_->heads()), W(H), log_grad(0) {
    s.model_->evaluate(s.params_, train, true, false, s.measure_ws_, s.measure_ev_);
    for (int h = 0; h < H; ++h) W[h] = s.model_->head_matrix(s.params_, h);
    log_grad = s.measure_ev_.grad.log_norm(s.model_->trained_blocks());
  }
  const Evaluation& ev() const { return s.measure_ev_; }
  /// Per head: T×n scores, column i = a_i.
  const Eigen::MatrixXd& scores(int h) const { return s.measure_ws_.A[h]; }
  /// α_i = argmax_t y_i x_itᵀ v_h.
  const Eigen::VectorXi& optimal(int h) {
    if (optimal_.empty()) optimal_.resize(H);
    if (!optimal_[h]) optimal_[h] = optimal_tokens(train, s.model_->decoder(s.params_, h));
    return *optimal_[h];
  }
  /// α_i = argmax_t a_it, the token the attention currently selects.
  const Eigen::VectorXi& selected(int h) {
    if (selected_.empty()) selected_.resize(H);
    if (!selected_[h]) selected_[h] = selected_tokens(scores(h).transpose());
    return *selected_[h];
  }
  /// min over heads and sequences of s_iα_i, computed in the log domain.
  double min_attention(const Eigen::VectorXi& (Row::*tokens)(int)) {
    double min_s = INFINITY;
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < train.n; ++i) {
        const auto a = scores(h).col(i);
        min_s = std::min(min_s, std::exp(a((this->*tokens)(h)(i)) - log_sum_exp(a)));
      }
    return min_s;
  }
  /// max over heads and sequences of log10(1 − s_iα_i), finite when 1 − s_iα_i underflows.
  double max_log10_1m_attention(const Eigen::VectorXi& (Row::*tokens)(int)) {
    double max_log1m = -INFINITY;
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < train.n; ++i)
        max_log1m = std::max(max_log1m, log_one_minus_softmax(scores(h).col(i), (this->*tokens)(h)(i)) / kLn10);
    return max_log1m;
  }
  /// The token selection of the head's references (svm.tokens).
  const Eigen::VectorXi& reference_tokens(int h) {
    if (reference_tokens_.empty()) reference_tokens_.resize(H);
    if (!reference_tokens_[h]) reference_tokens_[h] = s.tokens_for(h, scores(h).transpose());
    return *reference_tokens_[h];
  }
  const SvmSolution& reference(int h, const ReferenceSpec& spec) { return s.reference(h, spec, reference_tokens(h)); }
  /// Σ_h f(h, R_h) / H over the head's references, NaN when one is not optimal.
  template <class F>
  double over_references(const ReferenceSpec& spec, F&& f) {
    double sum = 0;
    for (int h = 0; h < H; ++h) {
      const SvmSolution& R = reference(h, spec);
      if (R.status != SvmStatus::Optimal) {
        sum = NAN;
        continue;
      }
      sum += f(h, R) / H;
    }
    return sum;
  }

 private:
  std::vector<std::optional<Eigen::VectorXi>> optimal_, selected_, reference_tokens_;
};

namespace {

double accuracy(const Eigen::VectorXd& f, const Sequences& seq) {
  int correct = 0;
  for (int i = 0; i < seq.n; ++i) correct += (f(i) > 0 ? 1.0 : f(i) < 0 ? -1.0 : 0.0) == seq.y(i);
  return static_cast<double>(correct) / seq.n;
}

}  // namespace

const std::vector<Session::MetricColumn>& Session::metric_columns() {
  auto always = [](const Session&) { return true; };
  static const std::vector<MetricColumn> table = {
      {"loss", Scope::Session, always, [](Row& r, const ReferenceSpec&) { return r.ev().loss; }},
      {"train_acc", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) {
         return accuracy(r.s.measure_ws_.F.rowwise().sum() / r.s.model_->head_divisor(), r.train);
       }},
      {"test_acc", Scope::Session, [](const Session& s) { return s.data_.test.has_value(); },
       [](Row& r, const ReferenceSpec&) {
         return accuracy(r.s.model_->outputs(r.s.params_, *r.s.data_.test), *r.s.data_.test);
       }},
      {"norm_fro", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) {
         double fro2 = 0;
         for (int h = 0; h < r.H; ++h) fro2 += r.W[h].squaredNorm();
         return std::sqrt(fro2);
       }},
      {"norm_nuc", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) {
         double nuc = 0;
         for (int h = 0; h < r.H; ++h) nuc += nuclear_norm(r.W[h]);
         return nuc;
       }},
      {"norm_", Scope::PerP, always,  // norm_lp, or norm_lp<p> for each exponent of svm.p
       [](Row& r, const ReferenceSpec& spec) {
         const double p = spec.p;
         double lp_p = 0;
         for (int h = 0; h < r.H; ++h) lp_p += std::pow(lp_norm(r.W[h], p), p);
         return std::pow(lp_p, 1.0 / p);
       }},
      // How dense W is: the share of its entries above a tenth of its largest (mean over heads).
      {"w_large", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) {
         double share = 0;
         for (int h = 0; h < r.H; ++h) share += large_entry_share(r.W[h], 0.1) / r.H;
         return share;
       }},
      {"norm_v", Scope::Session, [](const Session& s) { return s.model_->decoder_trained(); },
       [](Row& r, const ReferenceSpec&) {
         double v2 = 0;
         for (int h = 0; h < r.H; ++h) v2 += r.s.model_->decoder(r.s.params_, h).squaredNorm();
         return std::sqrt(v2);
       }},
      {"grad_norm", Scope::Session, always, [](Row& r, const ReferenceSpec&) { return std::exp(r.log_grad); }},
      {"log10_grad_norm", Scope::Session, always, [](Row& r, const ReferenceSpec&) { return r.log_grad / kLn10; }},
      {"step_size", Scope::Session, always, [](Row& r, const ReferenceSpec&) { return r.s.last_step_length_; }},
      // The attention on the optimal tokens, and on the tokens the run selects (which may be others).
      {"min_s_opt", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) { return r.min_attention(&Row::optimal); }},
      {"log10_1m_s_opt", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) { return r.max_log10_1m_attention(&Row::optimal); }},
      {"min_s_sel", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) { return r.min_attention(&Row::selected); }},
      {"log10_1m_s_sel", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) { return r.max_log10_1m_attention(&Row::selected); }},
      // 1 when the run selects the optimal token in every sequence (and head), else 0: over seeds, the
      // fraction of runs whose attention picks the optimal tokens everywhere.
      {"selects_optimal", Scope::Session, always,
       [](Row& r, const ReferenceSpec&) {
         for (int h = 0; h < r.H; ++h)
           if (r.selected(h) != r.optimal(h)) return 0.0;
         return 1.0;
       }},
      {"tau", Scope::Session, [](const Session& s) { return s.config_.optimizer.kind == OptimizerKind::Flow; },
       [](Row& r, const ReferenceSpec&) { return r.s.optimizer_->tau(); }},
      {"log10_time", Scope::Session, [](const Session& s) { return s.config_.optimizer.kind == OptimizerKind::Flow; },
       [](Row& r, const ReferenceSpec&) { return r.s.optimizer_->log_time() / kLn10; }},
      // Against the SVM reference R of each norm (NaN while the references are deferred or not optimal).
      {"corr_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         return r.over_references(spec, [&](int h, const SvmSolution& R) { return correlation(r.W[h], R.W); });
       }},
      // log10(1 − corr), 1 − corr = ‖Ŵ − R̂‖²/2 of the unit-norm matrices (mean over heads): finite and exact
      // where 1 − corr itself is below rounding; the rate at which the direction converges on log–log axes.
      {"log10_1m_corr_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         return std::log10(
             r.over_references(spec, [&](int h, const SvmSolution& R) { return one_minus_correlation(r.W[h], R.W); }));
       }},
      {"bregman_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         return r.over_references(
             spec, [&](int h, const SvmSolution& R) { return directional_bregman(R.W, r.W[h], r.s.bregman_p_); });
       }},
      {"margin_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         // Normalised margin of W_t on R's constraints: ⟨A_k, W⟩ = a_iα_i − a_it, over the sequences whose
         // bound is 1 (a joint reference relaxes the others to ≥ 0; its margin 1/‖R‖ is over the rest).
         return r.over_references(spec, [&](int h, const SvmSolution& R) {
           const Eigen::VectorXi& alpha = r.reference_tokens(h);
           const Eigen::MatrixXd& A = r.scores(h);
           std::vector<bool> relaxed(r.train.n, false);
           for (const auto& c : R.constraints)
             if (c.bound == 0 && c.sequence >= 0 && c.sequence < r.train.n) relaxed[c.sequence] = true;
           double worst = INFINITY;
           for (int i = 0; i < r.train.n; ++i)
             for (int t = 0; t < r.train.T; ++t)
               if (t != alpha(i) && !relaxed[i]) worst = std::min(worst, A(alpha(i), i) - A(t, i));
           return worst / svm_norm(r.W[h], spec.norm, spec.p);
         });
       }},
      {"svm_margin_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         return r.over_references(spec, [](int, const SvmSolution& R) { return R.margin; });
       }},
      // rank(R): singular values above 1e-7, absolute, on R as solved (min ‖W‖ with margin 1), the
      // convention of Tarzanagh et al.'s rank figure (numpy's matrix_rank(W, tol=1e-7)).
      {"rank_", Scope::PerReference, always,
       [](Row& r, const ReferenceSpec& spec) {
         return r.over_references(
             spec, [](int, const SvmSolution& R) { return static_cast<double>(matrix_rank(R.W, kRankTolerance)); });
       }},
  };
  return table;
}

MetricRow Session::measure() {
  MetricRow row;
  row.step = iteration_;
  Row inputs(*this);
  for_each_column([&](const MetricColumn& c, const ReferenceSpec& spec) {
    row.values.push_back(c.scope == Scope::PerReference && references_deferred_ ? NAN : c.value(inputs, spec));
  });
  return row;
}

Snapshot Session::snapshot() {
  Snapshot s;
  s.step = iteration_;
  s.columns = columns_;
  s.metrics = history_.back().step == iteration_ ? history_.back().values : measure().values;
  const Sequences& train = data_.train;
  for (int h = 0; h < model_->heads(); ++h) {
    Eigen::MatrixXd A = model_->scores(params_, train, h);
    Eigen::MatrixXd L(train.n, train.T);
    for (int i = 0; i < train.n; ++i)
      for (int t = 0; t < train.T; ++t) L(i, t) = log_one_minus_softmax(A.row(i).transpose(), t) / kLn10;
    s.attention.push_back(row_softmax(A));
    s.log1m_attention.push_back(L);
    s.selected.push_back(selected_tokens(A));
    s.optimal.push_back(optimal_tokens(train, model_->decoder(params_, h)));
    s.W.push_back(model_->head_matrix(params_, h));
    s.singular_values.push_back(singular_values(s.W.back()));
    s.decoders.push_back(model_->decoder(params_, h));
  }
  s.references = references();
  for (SvmResult& r : s.references) r.local = local_optimality(train, r.solution, s.decoders.at(r.request.head));
  return s;
}

Json Session::params_json() const {
  Json out;
  const int ab = model_->attention_blocks();
  switch (config_.model.param) {
    case Param::W: out["W"] = matrix_json(params_.blocks[0]); break;
    case Param::KQ:
    case Param::KQDiag:
      out["W"] = matrix_json(model_->head_matrix(params_, 0));
      for (int b = 0; b < 2; ++b)
        out[model_->block_name(b)] =
            config_.model.param == Param::KQ ? matrix_json(params_.blocks[b]) : vector_json(params_.blocks[b].col(0));
      break;
    case Param::Prompt: out["p"] = vector_json(params_.blocks[0].col(0)); break;
    case Param::Multihead: {
      Json heads = Json::array();
      for (int h = 0; h < model_->heads(); ++h)
        heads.push_back({{"W", matrix_json(params_.blocks[h])}, {"v", vector_json(params_.blocks[ab + h].col(0))}});
      out["heads"] = heads;
      break;
    }
  }
  if (config_.model.param != Param::Multihead) out["v"] = vector_json(params_.blocks[ab].col(0));
  out["step"] = iteration_;
  return out;
}

Params Session::params_from_json(const Json& json) const {
  if (!json.is_object()) throw InputError("params: must be a JSON object");
  Params p = params_;
  const int ab = model_->attention_blocks();
  auto read = [&](const Json& obj, const std::string& key, int b, const std::string& field) {
    if (auto it = obj.find(key); it != obj.end())
      p.blocks[b] = block_from_json(*it, p.blocks[b].rows(), p.blocks[b].cols(), field);
  };
  if (config_.model.param == Param::Multihead) {
    if (auto it = json.find("heads"); it != json.end()) {
      if (!it->is_array() || static_cast<int>(it->size()) != model_->heads())
        throw InputError("params.heads: must list " + std::to_string(model_->heads()) + " heads");
      for (int h = 0; h < model_->heads(); ++h) {
        std::string f = "params.heads[" + std::to_string(h) + "]";
        if (!(*it)[h].is_object()) throw InputError(f + ": must be an object with W and v");
        read((*it)[h], "W", h, f + ".W");
        read((*it)[h], "v", ab + h, f + ".v");
      }
    }
  } else {
    for (int b = 0; b < ab; ++b) read(json, model_->block_name(b), b, "params." + model_->block_name(b));
    read(json, "v", ab, "params.v");
  }
  return p;
}

}  // namespace attnsvm
