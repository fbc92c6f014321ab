// The scaled log-domain gradient equals the derivative of the loss, for every model, loss and decoder mode.
#include <cstring>

#include "helpers.hpp"
#include "kernels.hpp"
#include "lanes.hpp"
#include "loss.hpp"
#include "model.hpp"
#include "rng.hpp"
#include "vector_exp.hpp"

// Quads pass between always-inlined AVX2 functions only (core/lanes.hpp): no ABI warning in this file.
#pragma GCC diagnostic ignored "-Wpsabi"

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

TEST_CASE("the loss and the log of its slope, computed together, are the bits of the two separate formulas") {
  for (LossKind kind : {LossKind::Logistic, LossKind::Exponential, LossKind::Linear})
    for (double x : {-800.0, -40.0, -1.5, -1e-300, -0.0, 0.0, 1e-300, 0.3, 37.0, 800.0}) {
      CAPTURE(x);
      const LossAndLogSlope l = loss_and_log_slope(kind, x);
      CHECK(l.value == loss_value(kind, x));
      CHECK(l.log_slope == log_abs_loss_derivative(kind, x));
    }
}

TEST_CASE("the two-lane exp is within 1 ulp of libm's on [-700, 0] and flushes below to zero") {
  Rng rng(11, 0);
  double worst = 0;
  for (int k = 0; k < 200000; ++k) {
    // Half uniform on [−700, 0], half near 0 where the reduction's rounding matters most.
    const double x = k % 2 ? -700.0 * rng.uniform() : -0.01 * rng.uniform();
    const double got = exp_nonpositive(x), want = std::exp(x);
    worst = std::max(worst, std::abs(got - want) / (std::nextafter(want, INFINITY) - want));
  }
  CHECK(worst <= 1.0);
  CHECK(exp_nonpositive(0.0) == 1.0);
  CHECK(exp_nonpositive(-700.0) > 0.0);
  CHECK(exp_nonpositive(-700.5) == 0.0);
  CHECK(exp_nonpositive(-INFINITY) == 0.0);
  CHECK(std::isnan(exp_nonpositive(NAN)));
  const Pair both = exp_nonpositive(Pair{-1.0, -800.0});
  CHECK(both[0] == doctest::Approx(std::exp(-1.0)).epsilon(1e-15));
  CHECK(both[1] == 0.0);
}

TEST_CASE("the softmax Jacobian product equals its definition in long double") {
  // r = s ⊙ (u − f·1) with s = softmax(a), f = sᵀu, for odd and even T and score spreads up to a gap
  // of 600 between the two largest scores (the other branch of the rescaling).
  Rng rng(5, 0);
  for (int T : {2, 3, 8, 9, 32, 33})
    for (double spread : {0.5, 20.0, 400.0, 2000.0}) {
      CAPTURE(T);
      CAPTURE(spread);
      Eigen::VectorXd a(T), u(T), s(T), r(T);
      for (int t = 0; t < T; ++t) a(t) = spread * rng.normal(), u(t) = rng.normal();
      SoftmaxProduct sp = softmax_jacobian_apply(a, u, s, r);
      long double max = a.maxCoeff(), sum = 0, f = 0;
      for (int t = 0; t < T; ++t) sum += std::exp(static_cast<long double>(a(t)) - max);
      for (int t = 0; t < T; ++t) f += std::exp(static_cast<long double>(a(t)) - max) / sum * u(t);
      CHECK(sp.lse == doctest::Approx(static_cast<double>(max + std::log(sum))).epsilon(1e-15));
      CHECK(sp.f == doctest::Approx(static_cast<double>(f)).epsilon(1e-13));
      long double r_norm = 0, err = 0;
      auto weight = [&](int t) { return std::exp(static_cast<long double>(a(t)) - max) / sum; };
      for (int t = 0; t < T; ++t) {
        CHECK(s(t) == doctest::Approx(static_cast<double>(weight(t))).epsilon(1e-14));
        // r_t = s_t Σ_τ s_τ (u_t − u_τ), free of the cancellation in u_t − f; compared with e^κ r̃_t.
        long double r_t = 0;
        for (int tau = 0; tau < T; ++tau) r_t += weight(tau) * (static_cast<long double>(u(t)) - u(tau));
        r_t *= weight(t);
        const long double got = std::exp(static_cast<long double>(sp.kappa)) * r(t);
        r_norm = std::max(r_norm, std::abs(r_t));
        err = std::max(err, std::abs(got - r_t));
      }
      if (r_norm > 1e-4000L) CHECK(static_cast<double>(err / r_norm) < 1e-12);
    }
}

namespace {

/// The lane widths this machine can run: Pair, and Quad where the CPU has AVX2 (lanes.hpp).
std::vector<bool> lane_widths() {
  const bool previous = set_wide_lanes(true);
  std::vector<bool> widths{false};
  if (wide_lanes()) widths.push_back(true);
  set_wide_lanes(previous);
  return widths;
}

/// Runs f with the Pair (wide = false) or Quad paths, restoring the previous choice.
template <class F>
void with_lanes(bool wide, F&& f) {
  const bool previous = set_wide_lanes(wide);
  f();
  set_wide_lanes(previous);
}

#ifdef ATTNSVM_WIDE_LANES
/// exp_nonpositive on one Quad, compiled as the AVX2 paths are.
ATTNSVM_WIDE_LANES void quad_exp(const double* x, double* out) { store(out, exp_nonpositive(load<Quad>(x))); }
#endif

/// Every kernel, bit for bit against scalar code written from its documented summation order.
void check_kernels_against_contract() {
  using kernels::Index;
  Rng rng(11, 0);
  auto random = [&](Index rows, Index cols) {
    Eigen::MatrixXd M(rows, cols);
    for (Index j = 0; j < cols; ++j)
      for (Index i = 0; i < rows; ++i) M(i, j) = rng.normal();
    return M;
  };
  for (Index rows : {1, 3, 4, 8, 13, 21, 32})
    for (Index cols : {1, 2, 3, 9, 16, 31, 40, 64}) {
      CAPTURE(rows);
      CAPTURE(cols);
      const Index ld = cols + 3;  // a block of a wider row-major matrix
      RowMatrix M = random(rows, ld);
      const Eigen::VectorXd x = random(cols, 1), w = random(rows, 1);
      Eigen::VectorXd y(rows), z(cols);
      kernels::rows_times(M.data(), rows, cols, ld, x.data(), y.data());
      kernels::rows_transposed_times(M.data(), rows, cols, ld, w.data(), z.data());
      for (Index t = 0; t < rows; ++t) {
        double even = 0, odd = 0;
        for (Index k = 0; k + 1 < cols; k += 2) even += M(t, k) * x(k), odd += M(t, k + 1) * x(k + 1);
        double expected = even + odd;
        if (cols % 2) expected += M(t, cols - 1) * x(cols - 1);
        CHECK(y(t) == expected);
      }
      for (Index k = 0; k < cols; ++k) {
        double expected = 0;
        for (Index t = 0; t < rows; ++t) expected += w(t) * M(t, k);
        CHECK(z(k) == expected);
      }
    }
  for (Index m : {1, 2, 7, 8, 10, 27, 33})
    for (Index n : {1, 2, 5, 64})
      for (Index k : {1, 3, 32, 129}) {
        CAPTURE(m);
        CAPTURE(n);
        CAPTURE(k);
        const Eigen::MatrixXd A = random(m, k), B = random(k, n), Bt = B.transpose();
        Eigen::MatrixXd C, Ct;
        kernels::multiply(A, B, C);
        kernels::multiply_transposed(A, Bt, Ct);
        REQUIRE(C.rows() == m);
        REQUIRE(C.cols() == n);
        CHECK(C == Ct);
        bool in_order = true;
        for (Index j = 0; j < n; ++j)
          for (Index i = 0; i < m; ++i) {
            double expected = 0;
            for (Index l = 0; l < k; ++l) expected += A(i, l) * B(l, j);
            in_order = in_order && C(i, j) == expected;
          }
        CHECK(in_order);
      }
}

}  // namespace

TEST_CASE("the step's matrix products sum every entry in their documented order, whatever the blocking") {
  // Bit-for-bit against scalar code written from the kernels' contract (kernels.hpp): that order, the
  // same in the native and wasm builds and at either lane width, is what keeps their results identical.
  // Sizes cover every block width and remainder (Quad: 16 rows, 32/16 columns, 16 rows of C; Pair:
  // 8/4/1 rows, 16/8/2/1 columns, 4/1 row pairs; odd m, n and k).
  for (const bool wide : lane_widths())
    with_lanes(wide, [&] {
      CAPTURE(wide);
      check_kernels_against_contract();
    });
}

TEST_CASE("the softmax, the exp and whole training runs are the same bits at either lane width") {
  // The Quad paths (AVX2, chosen at run time) keep one entry per lane or add in the Pair order
  // (lanes.hpp): a run on a machine with AVX2 reproduces, bit for bit, one without it and the wasm build.
  if (lane_widths().size() < 2) {
    MESSAGE("this CPU has no AVX2: only the Pair paths exist here");
    return;
  }
  auto same_bits = [](const double* a, const double* b, Eigen::Index count) {
    return std::memcmp(a, b, static_cast<std::size_t>(count) * sizeof(double)) == 0;
  };
  Rng rng(17, 0);
  for (int T : {1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33, 64})
    for (double spread : {0.5, 20.0, 400.0, 2000.0})
      for (int repeat = 0; repeat < 4; ++repeat) {
        CAPTURE(T);
        CAPTURE(spread);
        Eigen::VectorXd a(T), u(T), s[2], r[2];
        for (int t = 0; t < T; ++t) a(t) = spread * rng.normal(), u(t) = rng.normal();
        if (repeat == 3) a(T - 1) = a.maxCoeff() + 1;  // the top token in the last lane
        SoftmaxProduct sp[2];
        for (bool wide : {false, true})
          with_lanes(wide, [&] {
            s[wide].resize(T), r[wide].resize(T);
            sp[wide] = softmax_jacobian_apply(a, u, s[wide], r[wide]);
          });
        CHECK(same_bits(&sp[0].f, &sp[1].f, 1));
        CHECK(same_bits(&sp[0].kappa, &sp[1].kappa, 1));
        CHECK(same_bits(&sp[0].lse, &sp[1].lse, 1));
        CHECK(sp[0].top == sp[1].top);
        CHECK(same_bits(s[0].data(), s[1].data(), T));
        CHECK(same_bits(r[0].data(), r[1].data(), T));
      }
#ifdef ATTNSVM_WIDE_LANES
  // The exp itself, lane by lane: Quad against Pair, flushed, infinite and NaN lanes included.
  for (int k = 0; k < 20000; ++k) {
    double x[4], quad[4], pairs[4];
    for (double& lane : x) lane = -750.0 * rng.uniform() * (k % 3 ? 1.0 : 0.001);
    if (k == 0) x[0] = -INFINITY, x[1] = NAN, x[2] = -0.0, x[3] = -700.0;
    quad_exp(x, quad);
    store(pairs, exp_nonpositive(load<Pair>(x)));
    store(pairs + 2, exp_nonpositive(load<Pair>(x + 2)));
    if (!same_bits(quad, pairs, 4)) FAIL_CHECK("x = " << x[0] << ", " << x[1] << ", " << x[2] << ", " << x[3]);
  }
#endif
  // Whole runs at sizes where every Quad kernel takes part (T, d ≥ 16), and at the papers' size.
  for (const char* model : {R"("param": "W")", R"("param": "KQ")", R"("param": "multihead", "heads": 2)",
                            R"("param": "W", "decoder": "trained")"})
    for (const char* size :
         {R"("n": 12, "T": 32, "d": 32)", R"("n": 6, "T": 8, "d": 10)", R"("n": 5, "T": 19, "d": 21)"}) {
      const std::string json = std::string(R"({"data": {"kind": "gaussian-unit", "seed": 4, )") + size +
                               R"(}, "model": {)" + model + R"(}, "optimizer": {"kind": "ngd", "lr": 0.5},
                                  "run": {"record_every": 50}})";
      CAPTURE(json);
      Params params[2];
      std::vector<MetricRow> history[2];
      for (bool wide : {false, true})
        with_lanes(wide, [&] {
          Session session = Session::from_json(json);
          session.step(300);
          params[wide] = session.params();
          history[wide] = session.history();
        });
      for (std::size_t b = 0; b < params[0].blocks.size(); ++b)
        CHECK(same_bits(params[0].blocks[b].data(), params[1].blocks[b].data(), params[0].blocks[b].size()));
      REQUIRE(history[0].size() == history[1].size());
      for (std::size_t row = 0; row < history[0].size(); ++row)
        CHECK(same_bits(history[0][row].values.data(), history[1][row].values.data(),
                        static_cast<Eigen::Index>(history[0][row].values.size())));
    }
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
