// The multi-head model of Deora, Ghaderi, Taheri, Thrampoulidis 2023 (arXiv:2310.12680; docs/design.md §2):
// f_i = (1/√H) Σ_h v_hᵀ X_iᵀ softmax(X_i W_h z_i), every head training its own W_h and v_h.
#include <cmath>
#include <set>
#include <vector>

#include "errors.hpp"
#include "helpers.hpp"

using namespace attnsvm;

namespace {

std::string config_json(const std::string& model, const std::string& optimizer = R"({"kind": "gd", "lr": 1})",
                        const std::string& data = R"("seed": 1)") {
  return R"({"data": {"kind": "tokenized-mixture", "n": 16, "T": 6, "d": 8, )" + data + R"(},
             "model": {"param": "multihead", )" +
         model + R"(}, "optimizer": )" + optimizer + "}";
}

/// f_i computed from the definition, head by head, with a plain softmax.
Eigen::VectorXd outputs_by_definition(const Model& model, const Params& p, const Sequences& seq, double divisor) {
  Eigen::VectorXd f = Eigen::VectorXd::Zero(seq.n);
  for (int h = 0; h < model.heads(); ++h)
    for (int i = 0; i < seq.n; ++i) {
      Eigen::MatrixXd X = seq.tokens(i);
      Eigen::VectorXd a = X * (model.head_matrix(p, h) * seq.Z.row(i).transpose());
      Eigen::ArrayXd s = (a.array() - a.maxCoeff()).exp();
      s /= s.sum();
      f(i) += (X.transpose() * s.matrix()).dot(model.decoder(p, h));
    }
  return f / divisor;
}

/// `seeds` sessions of one config, member k with data seed and init seed 1 + k (as attnsvm run --seeds).
std::vector<Session> members(const std::string& model, int seeds) {
  std::vector<Session> out;
  for (int k = 0; k < seeds; ++k)
    out.push_back(Session::from_json(
        config_json(model + R"(, "init": {"kind": "gaussian", "std": 0.01, "seed": )" + std::to_string(1 + k) + "}",
                    R"({"kind": "gd", "lr": 1})", R"("test_n": 200, "seed": )" + std::to_string(1 + k))));
  return out;
}

double mean_train_loss(const std::vector<Session>& ms) {
  double total = 0;
  for (const Session& s : ms) total += s.model().evaluate(s.params(), s.dataset().train, false, false).loss;
  return total / static_cast<double>(ms.size());
}

/// Mean over the members of the share of test sequences whose output has the wrong sign.
double mean_test_error(const std::vector<Session>& ms) {
  double total = 0;
  for (const Session& s : ms) {
    const Sequences& test = *s.dataset().test;
    Eigen::VectorXd f = s.model().outputs(s.params(), test);
    int wrong = 0;
    for (int i = 0; i < test.n; ++i) wrong += f(i) * test.y(i) <= 0;
    total += static_cast<double>(wrong) / test.n;
  }
  return total / static_cast<double>(ms.size());
}

}  // namespace

TEST_CASE("multihead defaults are the paper's model: trained decoders, random signs, 1/sqrt(H)") {
  Config c = parse_config(config_json(R"("heads": 8)"));
  CHECK(c.model.decoder == DecoderMode::Trained);
  CHECK(c.model.head_signs == HeadSigns::Random);
  CHECK(c.model.head_scale == HeadScale::Sqrt);
  CHECK(to_json(c)["model"]["head_scale"] == "sqrt");
  CHECK(parse_config(to_json(c)).model.head_signs == HeadSigns::Random);
  // the other parameterisations keep a fixed decoder and have no head fields
  CHECK(parse_config(R"({"model": {"param": "W"}})").model.decoder == DecoderMode::Fixed);
  auto fails = [](const char* json, const char* message) {
    try {
      parse_config(std::string(json));
      FAIL("accepted " << json);
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find(message) == 0);
    }
  };
  fails(R"({"model": {"param": "W", "head_scale": "sqrt"}})", "model.head_scale: only the multihead");
  fails(R"({"model": {"param": "multihead", "head_scale": "sum"}})", "model.head_scale: must be one of");
  fails(R"({"model": {"param": "multihead", "head_signs": "mixed"}})", "model.head_signs: must be one of");
}

TEST_CASE("each head has its own W_h and v_h, all trained; random signs give both signs of v") {
  Session s = Session::from_json(config_json(R"("heads": 8)"));
  const Model& m = s.model();
  REQUIRE(m.heads() == 8);
  Params p = m.initial_params();
  REQUIRE(p.blocks.size() == 16);
  CHECK(m.trained_blocks().size() == 16);  // W_1..W_8 and v_1..v_8
  const Eigen::VectorXd v = *s.dataset().v;
  std::set<int> signs;
  for (int h = 0; h < 8; ++h) {
    const Eigen::VectorXd vh = m.decoder(p, h);
    const bool plus = (vh - v).norm() == 0.0, minus = (vh + v).norm() == 0.0;
    CHECK((plus || minus));
    signs.insert(plus ? 1 : -1);
  }
  CHECK(signs.size() == 2);
  // after training the heads differ: each W_h and v_h moved by its own gradient
  s.step(50);
  for (int h = 1; h < 8; ++h) {
    CHECK((m.head_matrix(s.params(), h) - m.head_matrix(s.params(), 0)).norm() > 1e-3);
    CHECK((m.decoder(s.params(), h) - m.decoder(s.params(), 0)).norm() > 1e-3);
  }
}

TEST_CASE("the output is (1/sqrt(H)) times the sum of the heads (head_scale mean: 1/H)") {
  for (const char* scale : {"sqrt", "mean"}) {
    CAPTURE(scale);
    Session s = Session::from_json(config_json(std::string(R"("heads": 4, "head_scale": ")") + scale + "\""));
    s.step(20);  // heads that differ
    const double divisor = std::string(scale) == "sqrt" ? 2.0 : 4.0;
    CHECK(s.model().head_divisor() == divisor);
    const Sequences& train = s.dataset().train;
    Eigen::VectorXd f = s.model().outputs(s.params(), train);
    CHECK((f - outputs_by_definition(s.model(), s.params(), train, divisor)).norm() <= 1e-12 * (1 + f.norm()));
  }
  // H identical heads: the sum grows like H, the output like √H under 1/√H and stays put under the mean.
  Session one = Session::from_json(config_json(R"("heads": 1, "head_signs": "same", "init": {"kind": "zero"})"));
  Session four = Session::from_json(config_json(R"("heads": 4, "head_signs": "same", "init": {"kind": "zero"})"));
  Session four_mean = Session::from_json(
      config_json(R"("heads": 4, "head_signs": "same", "head_scale": "mean", "init": {"kind": "zero"})"));
  const Sequences& train = one.dataset().train;
  Eigen::VectorXd f1 = one.model().outputs(one.model().initial_params(), train);
  CHECK((four.model().outputs(four.model().initial_params(), train) - 2.0 * f1).norm() <= 1e-12 * f1.norm());
  CHECK((four_mean.model().outputs(four_mean.model().initial_params(), train) - f1).norm() <= 1e-12 * f1.norm());
}

TEST_CASE("the gradient of every W_h and v_h matches central finite differences") {
  for (const char* scale : {"sqrt", "mean"}) {
    for (const char* query : {"cross", "self"}) {
      CAPTURE(scale);
      CAPTURE(query);
      Session s = Session::from_json(config_json(
          std::string(R"("heads": 3, "init": {"kind": "gaussian", "std": 0.5, "seed": 2}, "head_scale": ")") + scale +
              "\"",
          R"({"kind": "gd", "lr": 1})", std::string(R"("seed": 4, "query": ")") + query + "\""));
      const Model& m = s.model();
      const Sequences& train = s.dataset().train;
      Params p = m.initial_params();
      Evaluation ev = m.evaluate(p, train, true, false);
      const double eps = 1e-6;
      double worst = 0, scale_of = 0;
      for (int b : m.trained_blocks()) {
        Eigen::MatrixXd g = ev.grad.value(b);
        scale_of = std::max(scale_of, g.cwiseAbs().maxCoeff());
        for (Eigen::Index j = 0; j < p.blocks[b].size(); ++j) {
          Params plus = p, minus = p;
          plus.blocks[b](j) += eps;
          minus.blocks[b](j) -= eps;
          const double fd =
              (m.evaluate(plus, train, false, false).loss - m.evaluate(minus, train, false, false).loss) / (2 * eps);
          worst = std::max(worst, std::abs(fd - g(j)));
        }
      }
      CHECK(scale_of > 1e-3);
      CHECK(worst <= 1e-7 * std::max(1.0, scale_of));
    }
  }
}

TEST_CASE("at a fixed step size, more heads generalise better at the same training loss (Deora et al.)") {
  // GD with eta = 1 on the multihead presets' data, 5 seeds. H = 8 trains for 1,000 steps; H = 1 for as long
  // as it needs to reach the same mean training loss (fewer steps: at a fixed eta one head fits faster). At that
  // loss the heads' test error is far lower. Under the head average with heads that start alike (the model
  // before Deora et al.'s), H heads are one head with step eta/H and the two test errors agree.
  std::vector<Session> eight = members(R"("heads": 8)", 5), one = members(R"("heads": 1)", 5);
  for (Session& s : eight) s.step(1000);
  const double loss8 = mean_train_loss(eight), error8 = mean_test_error(eight);
  long steps1 = 0;
  while (mean_train_loss(one) > loss8 && steps1 < 5000) {
    for (Session& s : one) s.step(1);
    ++steps1;
  }
  const double error1 = mean_test_error(one);
  CAPTURE(loss8);
  CAPTURE(steps1);
  CAPTURE(error1);
  CAPTURE(error8);
  REQUIRE(steps1 < 5000);
  CHECK(error8 < error1 - 0.05);
}
