// The seeded dataset generators and the papers' toy datasets (docs/design.md §1, §2).
#include <cmath>
#include <functional>

#include "dataset.hpp"
#include "errors.hpp"
#include "fashion.hpp"
#include "rng.hpp"

namespace attnsvm {
namespace {

Eigen::VectorXd gaussian(Rng& rng, int d) {
  Eigen::VectorXd x(d);
  for (int k = 0; k < d; ++k) x(k) = rng.normal();
  return x;
}

Eigen::VectorXd unit_gaussian(Rng& rng, int d) {
  Eigen::VectorXd x = gaussian(rng, d);
  double norm = x.norm();
  return norm > 0 ? Eigen::VectorXd(x / norm) : unit_gaussian(rng, d);
}

/// Draws `n` sequences; `token(i, t, y, alpha)` returns x_it given the label and the relevant position.
using TokenFn = std::function<Eigen::VectorXd(Rng&, int t, double y, int alpha)>;

Sequences draw(Rng& rng, int n, int T, int d, QueryMode query, bool random_alpha, const TokenFn& token) {
  Sequences s;
  s.n = n;
  s.T = T;
  s.d = d;
  s.X.resize(static_cast<Eigen::Index>(n) * T, d);
  s.y.resize(n);
  s.Z.resize(n, d);
  for (int i = 0; i < n; ++i) {
    s.y(i) = rng.sign();
    int alpha = random_alpha ? rng.uniform_int(T) : 0;
    for (int t = 0; t < T; ++t) s.X.row(static_cast<Eigen::Index>(i) * T + t) = token(rng, t, s.y(i), alpha);
    s.Z.row(i) =
        query == QueryMode::Cross ? unit_gaussian(rng, d) : Eigen::VectorXd(s.X.row(static_cast<Eigen::Index>(i) * T));
  }
  return s;
}

Dataset generated(const DataConfig& c, Rng& rng, const TokenFn& token, bool random_alpha) {
  Dataset data;
  data.query = c.query;
  data.train = draw(rng, c.n, c.T, c.d, c.query, random_alpha, token);
  if (c.test_n > 0) data.test = draw(rng, c.test_n, c.T, c.d, c.query, random_alpha, token);
  return data;
}

/// Orthonormal vectors u_0 (= first) and k others, by Gram–Schmidt on Gaussian draws.
std::vector<Eigen::VectorXd> orthonormal(Rng& rng, int d, int count) {
  std::vector<Eigen::VectorXd> basis;
  while (static_cast<int>(basis.size()) < count) {
    Eigen::VectorXd x = gaussian(rng, d);
    for (const auto& b : basis) x -= x.dot(b) * b;
    if (x.norm() > 1e-8) basis.push_back(x / x.norm());
  }
  return basis;
}

// --- the papers' hand-made datasets -------------------------------------------------------------

struct Toy {
  std::vector<std::vector<std::vector<double>>> X;
  std::vector<double> y;
  std::vector<std::vector<double>> z;  // empty: self mode or prompt-only (queries e_0)
  std::vector<double> v;
};

Dataset from_toy(const Toy& toy, QueryMode query) {
  Json j = {{"X", toy.X}, {"y", toy.y}, {"v", toy.v}};
  int d = static_cast<int>(toy.X[0][0].size());
  if (query == QueryMode::Cross) {
    if (!toy.z.empty()) {
      j["z"] = toy.z;
    } else {
      std::vector<double> e0(d, 0.0);
      e0[0] = 1.0;
      j["z"] = std::vector<std::vector<double>>(toy.X.size(), e0);
    }
  }
  return dataset_from_json(j, query, "toy");
}

Toy tfsvm_2d(std::uint64_t seed) {
  // "Transformers as SVMs" 2-D picture: tokens 0.3·N(0, I), sequence 1 shifted by (−1, 0), sequence 2 by
  // (+1, 0); y = (1, 1); queries unit Gaussian; the decoder reads the second coordinate.
  Rng rng(seed);
  Toy toy;
  for (int i = 0; i < 2; ++i) {
    std::vector<std::vector<double>> seq;
    for (int t = 0; t < 3; ++t) seq.push_back({0.3 * rng.normal() + (i == 0 ? -1.0 : 1.0), 0.3 * rng.normal()});
    toy.X.push_back(seq);
    Eigen::VectorXd z = unit_gaussian(rng, 2);
    toy.z.push_back({z(0), z(1)});
  }
  toy.y = {1, 1};
  toy.v = {0, 1};
  return toy;
}

Toy tfsvm_2d_planes(std::uint64_t seed) {
  // Second picture: n = 2, T = 5, tokens 0.5·N(0, I), x_10 = (1, 0.5), x_20 = (1, −0.5), all other
  // tokens shifted by (−1, 0); the decoder reads the first coordinate, so token 0 is optimal.
  Rng rng(seed);
  Toy toy;
  for (int i = 0; i < 2; ++i) {
    std::vector<std::vector<double>> seq;
    seq.push_back({1.0, i == 0 ? 0.5 : -0.5});
    for (int t = 1; t < 5; ++t) seq.push_back({0.5 * rng.normal() - 1.0, 0.5 * rng.normal()});
    toy.X.push_back(seq);
    Eigen::VectorXd z = unit_gaussian(rng, 2);
    toy.z.push_back({z(0), z(1)});
  }
  toy.y = {1, 1};
  toy.v = {1, 0};
  return toy;
}

// The prompt papers' scores γ_it are given directly and the attention sees only two coordinates. Here a
// third coordinate carries ε·γ_it and v = (0, 0, 1/ε) reads it back exactly, so y_i x_itᵀv = γ_it while
// the attention geometry (x_iα − x_it)ᵀp is the papers' 2-D one up to ε: with a score coordinate of full
// size the local optimum of the single-input figure disappears (token 0 becomes a support token).
constexpr double kScoreScale = 0.01;

Toy mmts_single(bool global) {
  // "Max-margin token selection", one input: tokens (−0.1, 1), (1, 0), (0, 0) with scores 1, 0.9 and
  // 0.9 (global case) or 0 (local case).
  const double e = kScoreScale;
  return {{{{-0.1, 1, e * 1}, {1, 0, e * 0.9}, {0, 0, e * (global ? 0.9 : 0.0)}}}, {1}, {}, {0, 0, 1 / e}};
}

Toy mmts_multi(std::uint64_t seed) {
  // n = 3, T = 7: token 0 near (1, 0), tokens 1–3 near (−1, 1), tokens 4–6 near (−0.5, −0.5), noise
  // 0.2·N(0, I); score 1 for token 0 and 0.5 otherwise; y = 1.
  Rng rng(seed);
  Toy toy;
  for (int i = 0; i < 3; ++i) {
    std::vector<std::vector<double>> seq;
    for (int t = 0; t < 7; ++t) {
      double cx = t == 0 ? 1.0 : t <= 3 ? -1.0 : -0.5;
      double cy = t == 0 ? 0.0 : t <= 3 ? 1.0 : -0.5;
      double nx = 0.2 * rng.normal(), ny = 0.2 * rng.normal();
      seq.push_back({cx + nx, cy + ny, kScoreScale * (t == 0 ? 1.0 : 0.5)});
    }
    toy.X.push_back(seq);
  }
  toy.y = {1, 1, 1};
  toy.v = {0, 0, 1 / kScoreScale};
  return toy;
}

Toy mmts_joint(bool tight) {
  // Joint training of p and v: X_3's second token is (0.5, 1) or, non-tight, (0.5, 1.5); v0 = (−1, 0).
  return {{{{0, 0}, {1, 1}}, {{0, 0}, {1, -1}}, {{0, 0}, {0.5, tight ? 1.0 : 1.5}}}, {1, -1, 1}, {}, {-1, 0}};
}

Toy md_joint() {
  // ℓp mirror descent joint toy (self-attention, z_i = x_i0), W0 = 0 and v0 = 0.
  return {{{{-2.7, 1.2}, {1.4, 2.1}, {1.3, -0.1}}, {{0.4, -2.2}, {-1.1, -0.4}, {0.9, 0.1}}}, {1, -1}, {}, {0, 0}};
}

Toy loss_compare(double C) {
  // Linear vs logistic loss: X_1 = {(0,0,0), (1,1,C)}, X_2 = {(0,0,0), (1,−1,1)}; v reads the third coordinate.
  return {{{{0, 0, 0}, {1, 1, C}}, {{0, 0, 0}, {1, -1, 1}}}, {1, 1}, {}, {0, 0, 1}};
}

struct ToyEntry {
  const char* name;
  QueryMode forced_query;  // the mode the paper uses; Cross means "as configured"
  std::function<Toy(const DataConfig&)> make;
};

const std::vector<ToyEntry>& toys() {
  static const std::vector<ToyEntry> entries = {
      {"tfsvm-2d", QueryMode::Cross, [](const DataConfig& c) { return tfsvm_2d(c.seed); }},
      {"tfsvm-2d-planes", QueryMode::Cross, [](const DataConfig& c) { return tfsvm_2d_planes(c.seed); }},
      {"mmts-single-global", QueryMode::Cross, [](const DataConfig&) { return mmts_single(true); }},
      {"mmts-single-local", QueryMode::Cross, [](const DataConfig&) { return mmts_single(false); }},
      {"mmts-multi", QueryMode::Cross, [](const DataConfig& c) { return mmts_multi(c.seed); }},
      {"mmts-joint", QueryMode::Cross, [](const DataConfig&) { return mmts_joint(true); }},
      {"mmts-joint-nontight", QueryMode::Cross, [](const DataConfig&) { return mmts_joint(false); }},
      {"md-joint", QueryMode::Self, [](const DataConfig&) { return md_joint(); }},
      {"loss-compare", QueryMode::Cross, [](const DataConfig& c) { return loss_compare(c.C); }},
  };
  return entries;
}

}  // namespace

std::vector<std::string> toy_names() {
  std::vector<std::string> names;
  for (const auto& t : toys()) names.emplace_back(t.name);
  return names;
}

Dataset make_dataset(const DataConfig& c) {
  Rng rng(c.seed);
  const int d = c.d;
  switch (c.kind) {
    case DataKind::GaussianUnit: {
      // "Transformers as SVMs": v, tokens and queries Gaussian, normalised; labels ±1 at random.
      Eigen::VectorXd v = unit_gaussian(rng, d);
      Dataset data = generated(
          c, rng, [d](Rng& r, int, double, int) { return unit_gaussian(r, d); }, false);
      data.v = v;
      return data;
    }
    case DataKind::Clusters: {
      // One relevant token near centre c_0 with score 1, the others near one of `centres` other centres
      // with score 1/2; the last coordinate carries the score (y_i · score), read by v = e_{d−1}.
      if (d < 2) throw InputError("data.d: the clusters generator needs d >= 2 (centres plus a score coordinate)");
      std::vector<Eigen::VectorXd> centre;
      for (int k = 0; k <= c.centres; ++k) centre.push_back(unit_gaussian(rng, d - 1));
      double noise = c.noise / std::sqrt(d - 1.0);
      Dataset data = generated(
          c, rng,
          [&](Rng& r, int t, double y, int alpha) {
            Eigen::VectorXd x(d);
            const Eigen::VectorXd& mu = t == alpha ? centre[0] : centre[1 + r.uniform_int(c.centres)];
            for (int k = 0; k < d - 1; ++k) x(k) = mu(k) + noise * r.normal();
            x(d - 1) = y * (t == alpha ? 1.0 : 0.5);
            return x;
          },
          true);
      data.v = Eigen::VectorXd::Unit(d, d - 1);
      return data;
    }
    case DataKind::TokenizedMixture: {
      // After Deora et al.: one label-relevant token y_i·μ + noise at a random position, the others
      // drawn around `centres` irrelevant centres orthogonal to μ; noise norm ≈ 1/snr; v = μ.
      if (d < 2) throw InputError("data.d: the tokenized-mixture generator needs d >= 2");
      int k = std::min(c.centres, d - 1);
      auto basis = orthonormal(rng, d, 1 + k);
      double noise = 1.0 / (c.snr * std::sqrt(static_cast<double>(d)));
      Dataset data = generated(
          c, rng,
          [&](Rng& r, int t, double y, int alpha) {
            Eigen::VectorXd x = t == alpha ? Eigen::VectorXd(y * basis[0]) : basis[1 + r.uniform_int(k)];
            for (int j = 0; j < d; ++j) x(j) += noise * r.normal();
            return x;
          },
          true);
      data.v = basis[0];
      return data;
    }
    case DataKind::Global: {
      // After Vasudeva et al.: the optimal token of every sequence is y_i·u for one unit u (= v), the others
      // are unit vectors orthogonal to u (score 0), so every sequence has the same, globally optimal, token.
      Eigen::VectorXd u = unit_gaussian(rng, d);
      Dataset data = generated(
          c, rng,
          [&](Rng& r, int t, double y, int alpha) {
            if (t == alpha) return Eigen::VectorXd(y * u);
            Eigen::VectorXd x = gaussian(r, d);
            x -= x.dot(u) * u;
            return Eigen::VectorXd(x / x.norm());
          },
          true);
      data.v = u;
      return data;
    }
    case DataKind::Toy: {
      for (const auto& t : toys())
        if (c.name == t.name) {
          QueryMode q = t.forced_query == QueryMode::Self ? QueryMode::Self : c.query;
          return from_toy(t.make(c), q);
        }
      std::string list;
      for (const auto& n : toy_names()) list += (list.empty() ? "" : ", ") + n;
      throw InputError("data.name: unknown toy dataset \"" + c.name + "\" (known: " + list + ")");
    }
    case DataKind::FashionMnist: return fashion_dataset(c);
    case DataKind::File: return read_dataset_file(c.path, c.query);
    case DataKind::Inline: return dataset_from_json(c.inline_data, c.query, "data");
  }
  throw InputError("data.kind: unsupported");
}

}  // namespace attnsvm
