// Training-step throughput of the native core: steps/s for W, KQ and multihead (H = 4),
// logistic loss, normalised GD, at the papers' size S = (6, 8, 10) and the larger M = (64, 32, 32) and
// L = (512, 64, 64); a FLOP-count estimate per step and the achieved GFLOP/s next to the single-core peak
// measured here; the growth of the cost as n, T and d double; and the cost of recording metrics.
//
//   train_bench [--seconds S] [--repeats R] [--json FILE] [--quick]
//   train_bench --cell SIZE MODEL [--seconds S] [--repeats R]   (one cell, one JSON line: bench/peers.py
//                                                                 interleaves it with the peers' runs)
//
// Each cell is the median of R timed runs of ≥ S seconds. Times are per-thread CPU time (what the step
// costs; robust on a shared machine) and wall time (what a user waits), both reported.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "lanes.hpp"
#include "session.hpp"

// Quads pass between always-inlined AVX2 functions only (core/lanes.hpp): no ABI warning in this file.
#pragma GCC diagnostic ignored "-Wpsabi"

using namespace attnsvm;

namespace {

struct Size {
  std::string name;
  int n, T, d;
};

struct Variant {
  const char* name;
  const char* json;
  int heads;
  bool kq;
};

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// The 1-minute load average (other processes competing for the cores: wall time suffers, CPU time less).
double load_average() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Rate {
  double cpu, wall;  // steps per second of CPU time and of wall time (medians)
};

std::string config_json(const Size& s, const Variant& m, long record_every) {
  return "{\"data\": {\"n\": " + std::to_string(s.n) + ", \"T\": " + std::to_string(s.T) +
         ", \"d\": " + std::to_string(s.d) + "}, \"model\": {" + m.json +
         "}, \"loss\": \"logistic\", \"optimizer\": {\"kind\": \"ngd\", \"lr\": 0.1}, \"svm\": {\"norms\": " +
         (record_every > 1000000 ? "[]" : "[\"fro\"]") +
         "}, \"run\": {\"record_every\": " + std::to_string(record_every) + "}}";
}

/// Steps/s of one configuration: warm up, size the batch to ≥ `seconds`, then `repeats` timed batches.
Rate measure(const std::string& json, double seconds, int repeats) {
  Session session = Session::from_json(json);
  session.step(2);  // warm-up: buffers sized, token values cached
  long steps = 1;
  for (;;) {
    double t0 = cpu_seconds();
    session.step(steps);
    double took = cpu_seconds() - t0;
    if (took > seconds / 4) {
      steps = std::max(1L, static_cast<long>(steps * seconds / took));
      break;
    }
    steps *= 2;
  }
  std::vector<double> cpu, wall;
  for (int r = 0; r < repeats; ++r) {
    double c0 = cpu_seconds(), w0 = wall_seconds();
    session.step(steps);
    cpu.push_back(steps / (cpu_seconds() - c0));
    wall.push_back(steps / (wall_seconds() - w0));
  }
  return {median(cpu), median(wall)};
}

/// Floating-point operations (multiply and add counted separately; exp/log not counted) of one NGD step
/// in our formulation: queries W Z (2·n·d²), scores X_i q_i (2·n·T·d), gradient columns X_iᵀ r_i
/// (2·n·T·d), G Z (2·n·d²), softmax and Jacobian product (~10·n·T), per head; KQ adds W = K Qᵀ and
/// ∇_K, ∇_Q (3 · 2·d³).
double flops_ours(const Size& s, const Variant& m) {
  double n = s.n, T = s.T, d = s.d;
  double per_head = 4 * n * d * d + 4 * n * T * d + 10 * n * T;
  return m.heads * per_head + (m.kq ? 6 * d * d * d : 0.0);
}

/// The papers' formulation: scores (X_i W) z_i cost 2·n·T·d² forward; autograd's backward twice that.
double flops_papers(const Size& s, const Variant& m) {
  double n = s.n, T = s.T, d = s.d;
  return m.heads * 3 * (2 * n * T * d * d + 2 * n * T * d) + (m.kq ? 6 * d * d * d : 0.0);
}

/// GFLOP/s of independent multiply-adds on V lanes (a multiply, then an add: no FMA, as the core).
/// Six accumulators cover the adders' latency; the best of nine runs of about 0.05 s.
template <class V>
[[gnu::always_inline]] inline double mul_add_rate() {
  constexpr int K = 6;
  constexpr long kIterations = 20000000;
  V acc[K], a[K];
  for (int i = 0; i < K; ++i) acc[i] = splat<V>(0.0), a[i] = splat<V>(1.0 + 1e-9 * (i + 1));
  V b = splat<V>(0.999999);
  double best = 0;
  for (int r = 0; r < 9; ++r) {
    const double t0 = cpu_seconds();
    for (long n = 0; n < kIterations; ++n) {
      __asm__ volatile("" : "+x"(b));  // b is new each round: the products cannot be hoisted
      for (int i = 0; i < K; ++i) acc[i] += a[i] * b;
    }
    best = std::max(best, kIterations * K * 2.0 * kLanes<V> / (cpu_seconds() - t0) / 1e9);
  }
  double sink = 0;
  for (int i = 0; i < K; ++i) sink += acc[i][0];
  if (sink == 12345.678) std::printf(" ");  // keep the sums alive
  return best;
}

#ifdef ATTNSVM_WIDE_LANES
ATTNSVM_WIDE_LANES double quad_mul_add_rate() { return mul_add_rate<Quad>(); }
#endif

/// Single-core peak for the lanes the core runs (lanes.hpp): 4 with AVX2, else 2; `lanes` receives it.
double measured_peak(int& lanes) {
  lanes = 2;
#ifdef ATTNSVM_WIDE_LANES
  if (wide_lanes()) {
    lanes = 4;
    return quad_mul_add_rate();
  }
#endif
  return mul_add_rate<Pair>();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.4;
  int repeats = 5;
  bool quick = false;
  std::string json_out, cell_size, cell_model;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::stod(argv[++i]);
    else if (a == "--repeats" && i + 1 < argc)
      repeats = std::stoi(argv[++i]);
    else if (a == "--json" && i + 1 < argc)
      json_out = argv[++i];
    else if (a == "--quick")
      quick = true;
    else if (a == "--cell" && i + 2 < argc)
      cell_size = argv[++i], cell_model = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: train_bench [--seconds S] [--repeats R] [--json FILE] [--quick] [--cell SIZE MODEL]\n");
      return 2;
    }
  }
  if (quick) seconds = 0.15, repeats = 3;
  const std::vector<Size> sizes = {{"S", 6, 8, 10}, {"M", 64, 32, 32}, {"L", 512, 64, 64}};
  const std::vector<Variant> models = {{"W", R"("param": "W")", 1, false},
                                       {"KQ", R"("param": "KQ")", 1, true},
                                       {"multihead", R"("param": "multihead", "heads": 4)", 4, false}};
  if (!cell_size.empty()) {
    for (const auto& s : sizes)
      for (const auto& m : models)
        if (s.name == cell_size && m.name == cell_model) {
          Rate r = measure(config_json(s, m, 1000000000), seconds, repeats);
          std::printf("%s\n", Json{{"size", s.name},
                                   {"model", m.name},
                                   {"lanes", wide_lanes() ? 4 : 2},
                                   {"steps_per_s_cpu", r.cpu},
                                   {"steps_per_s_wall", r.wall}}
                                  .dump()
                                  .c_str());
          return 0;
        }
    std::fprintf(stderr, "train_bench: no cell %s %s (sizes S, M, L; models W, KQ, multihead)\n", cell_size.c_str(),
                 cell_model.c_str());
    return 2;
  }
  int lanes = 2;
  const double peak = measured_peak(lanes);
  std::printf(
      "native core: NGD, logistic loss, float64; median of %d runs of >= %.2f s; CPU = thread CPU time; "
      "load average %.2f\n",
      repeats, seconds, load_average());
  std::printf(
      "lanes: %d (%s); single-core peak for them: %.2f GFLOP/s (measured: independent multiplies and adds, "
      "no FMA)\n",
      lanes, lanes == 4 ? "AVX2, chosen at run time" : "SSE2/SIMD128; ATTNSVM_LANES=2 or no AVX2", peak);
  std::printf("our scores: X_i (W z_i), O(n d^2 + n T d) per step; FLOP = our count (mul+add, exp not counted)\n\n");
  std::printf("%-4s %-10s %5s %4s %4s %12s %12s %10s %12s %9s %7s %14s\n", "size", "model", "n", "T", "d",
              "steps/s CPU", "steps/s wall", "us/step", "FLOP/step", "GFLOP/s", "%peak", "rec/step st/s");
  Json results = Json::array();
  for (const auto& s : sizes)
    for (const auto& m : models) {
      Rate r = measure(config_json(s, m, 1000000000), seconds, repeats);
      // The same run recording every step (metrics row incl. a Frobenius SVM reference), as the CLI default.
      Rate rec = measure(config_json(s, m, 1), seconds / 2, std::max(1, repeats / 2));
      double flops = flops_ours(s, m), gflops = flops * r.cpu / 1e9;
      std::printf("%-4s %-10s %5d %4d %4d %12.0f %12.0f %10.2f %12.3g %9.2f %6.1f%% %14.0f\n", s.name.c_str(), m.name,
                  s.n, s.T, s.d, r.cpu, r.wall, 1e6 / r.cpu, flops, gflops, 100 * gflops / peak, rec.cpu);
      results.push_back({{"size", s.name},
                         {"model", m.name},
                         {"n", s.n},
                         {"T", s.T},
                         {"d", s.d},
                         {"steps_per_s_cpu", r.cpu},
                         {"steps_per_s_wall", r.wall},
                         {"steps_per_s_recording", rec.cpu},
                         {"flops_ours", flops},
                         {"flops_papers", flops_papers(s, m)}});
      std::fflush(stdout);
    }

  // Growth: double n, T and d one at a time from M (W, NGD, no recording). The fitted exponent of a
  // doubling is log2 of the time ratio: 1 means linear in that size. For our cost 4nd² + 4nTd from M
  // (T = d) the counts predict n: 1, T: log2 1.5 = 0.58, d: log2 3 = 1.58; the papers' n·T·d² predicts
  // T: 1, d: 2.
  std::printf("\ngrowth (W, NGD; from M = (64, 32, 32), doubling one of n, T, d; CPU steps/s)\n");
  std::printf("%-16s %12s %10s %11s %11s %13s %13s\n", "n, T, d", "steps/s", "us/step", "time ratio", "FLOP ratio",
              "exponent", "exp. (FLOP)");
  const Variant& w = models[0];
  const Size base = sizes[1];
  const std::vector<Size> growth = {base,
                                    {"2n", 2 * base.n, base.T, base.d},
                                    {"2T", base.n, 2 * base.T, base.d},
                                    {"2d", base.n, base.T, 2 * base.d},
                                    {"2n,2T,2d", 2 * base.n, 2 * base.T, 2 * base.d}};
  double base_rate = 0;
  Json growth_json = Json::array();
  for (const auto& g : growth) {
    Rate r = measure(config_json(g, w, 1000000000), seconds, repeats);
    if (base_rate == 0) base_rate = r.cpu;
    std::string label = std::to_string(g.n) + ", " + std::to_string(g.T) + ", " + std::to_string(g.d);
    const double time_ratio = base_rate / r.cpu, flop_ratio = flops_ours(g, w) / flops_ours(base, w);
    std::printf("%-16s %12.0f %10.2f %11.2f %11.2f %13.2f %13.2f\n", label.c_str(), r.cpu, 1e6 / r.cpu, time_ratio,
                flop_ratio, std::log2(time_ratio), std::log2(flop_ratio));
    growth_json.push_back({{"label", g.name},
                           {"n", g.n},
                           {"T", g.T},
                           {"d", g.d},
                           {"steps_per_s_cpu", r.cpu},
                           {"exponent", std::log2(time_ratio)},
                           {"exponent_flops", std::log2(flop_ratio)}});
    std::fflush(stdout);
  }
  if (!json_out.empty())
    std::ofstream(json_out) << Json{
        {"peak_gflops", peak},
        {"lanes", lanes},
        {"load_average", load_average()},
        {"results", results},
        {"growth", growth_json}}.dump(1);
  return 0;
}
