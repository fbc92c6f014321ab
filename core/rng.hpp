#pragma once
// The project's own deterministic random number generator (PCG32, O'Neill 2014), so that the native
// build and the WebAssembly build draw identical data and initialisations from the same seed.
#include <cmath>
#include <cstdint>
#include <numbers>

namespace attnsvm {

class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 54) : inc_((stream << 1u) | 1u) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  /// Uniform 32-bit integer (PCG-XSH-RR).
  std::uint32_t next_u32() {
    std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() {
    std::uint64_t hi = next_u32() >> 5;  // 27 bits
    std::uint64_t lo = next_u32() >> 6;  // 26 bits
    return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
  }

  /// Uniform integer in [0, n).
  int uniform_int(int n) { return static_cast<int>(uniform() * n); }

  /// ±1 with equal probability.
  double sign() { return (next_u32() & 1u) ? 1.0 : -1.0; }

  /// Standard normal by the Marsaglia polar method (only sqrt and log: identical across libms).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace attnsvm
