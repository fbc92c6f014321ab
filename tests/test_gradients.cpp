// The scaled log-domain gradient equals the derivative of the loss, for every model, loss and decoder mode.
#include "helpers.hpp"
#include "model.hpp"
#include "rng.hpp"

using namespace attnsvm;

namespace {

double loss_at(const Model& model, const Params& p, const Sequences& seq) {
  return model.evaluate(p, seq, false, false).loss;
}

/// Relative error ‖g − g_fd‖ / ‖g‖ over the trained blocks, with central differences of step h.
double finite_difference_error(const Model& model, Params p, const Sequences& seq, double h = 1e-5) {
  Evaluation ev = model.evaluate(p, seq, true, false);
  double err2 = 0, norm2 = 0;
  for (int b : model.trained_blocks()) {
    Eigen::MatrixXd g = ev.grad.value(b);
    for (Eigen::Index k = 0; k < p.blocks[b].size(); ++k) {
      double keep = p.blocks[b].data()[k];
      p.blocks[b].data()[k] = keep + h;
      double up = loss_at(model, p, seq);
      p.blocks[b].data()[k] = keep - h;
      double down = loss_at(model, p, seq);
      p.blocks[b].data()[k] = keep;
      double fd = (up - down) / (2 * h);
      err2 += (fd - g.data()[k]) * (fd - g.data()[k]);
      norm2 += g.data()[k] * g.data()[k];
    }
  }
  REQUIRE(norm2 > 0);
  return std::sqrt(err2 / norm2);
}

}  // namespace

TEST_CASE("every gradient matches central finite differences") {
  const char* params[] = {"W", "KQ", "KQ-diag", "prompt", "multihead"};
  const char* losses[] = {"logistic", "exponential", "linear"};
  const char* decoders[] = {"fixed", "trained"};
  for (const char* param : params)
    for (const char* loss : losses)
      for (const char* decoder : decoders)
        for (const char* query : {"cross", "self"}) {
          std::string heads = std::string(param) == "multihead" ? ", \"heads\": 3" : "";
          std::string json =
              std::string(R"({"data": {"kind": "gaussian-unit", "n": 4, "T": 5, "d": 3, "seed": 7, "query": ")") +
              query + R"("}, "model": {"param": ")" + param + "\"" + heads + R"(, "decoder": ")" + decoder +
              R"(", "init": {"kind": "gaussian", "std": 0.7, "seed": 3}}, "loss": ")" + loss + "\"}";
          CAPTURE(json);
          Config config = parse_config(json);
          Dataset data = make_dataset(config.data);
          Model model(config.model, config.loss, data);
          double err = finite_difference_error(model, model.initial_params(), data.train);
          CHECK(err < 1e-6);
        }
}

TEST_CASE("the softmax Jacobian product keeps its direction when every weight underflows") {
  // Scores 2000 apart: e^{a_t − a_α} = 0 in double, yet r = e^κ r̃ keeps r̃ exact.
  Eigen::VectorXd a(3), u(3), s(3), r(3);
  a << 3000.0, 1000.0, 999.0;
  u << 0.5, -0.25, 0.75;
  SoftmaxProduct sp = softmax_jacobian_apply(a, u, s, r);
  CHECK(sp.top == 0);
  CHECK(sp.kappa == doctest::Approx(-2000.0));
  // r̃_0 = Σ_{t≠0} e^{a_t − a_2nd}(u_0 − u_t) = (0.5 + 0.25) + e^{−1}(0.5 − 0.75); r̃_1 = E(u_1 − u_0) + acc ≈ −0.75.
  CHECK(r(0) == doctest::Approx(0.75 - 0.25 * std::exp(-1.0)).epsilon(1e-14));
  CHECK(r(1) == doctest::Approx(-0.75).epsilon(1e-14));
  CHECK(r(2) == doctest::Approx(std::exp(-1.0) * 0.25).epsilon(1e-14));
  CHECK(sp.f == 0.5);
  CHECK(s(0) == 1.0);
}

TEST_CASE("a single-token sequence contributes no attention gradient") {
  Eigen::VectorXd a(1), u(1), s(1), r(1);
  a << 2.0;
  u << 0.3;
  SoftmaxProduct sp = softmax_jacobian_apply(a, u, s, r);
  CHECK(sp.f == doctest::Approx(0.3));
  CHECK(r(0) == 0.0);
  CHECK(sp.kappa == -INFINITY);
}
