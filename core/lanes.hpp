#pragma once
// Two- and four-lane double vectors (GCC/Clang vector extensions) for the hot loops of a training step.
// Pair is SSE2 natively and wasm SIMD128 in the browser. Quad is one AVX2 register, taken at run time on
// x86 machines that have AVX2 (wide_lanes()). Every loop written with them keeps one output entry per
// lane, or adds a Quad into a Pair accumulator half by half in the Pair order, and no product is fused
// into an add: the results are the same bits at either width, so the native and wasm builds agree.
#include <cstdint>
#include <type_traits>
#include <utility>

// Quad values are only ever passed between always-inlined functions of AVX2 code (GCC warns that their
// ABI would differ from non-AVX code's): the warning is off for this header's functions only (popped at
// its end), and the files that pass Quads themselves turn it off the same way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
/// Marks the function that instantiates a Quad path: compiled for AVX2, with everything it calls inlined.
#define ATTNSVM_WIDE_LANES __attribute__((target("avx2"), flatten))
#endif

namespace attnsvm {

using Pair = double __attribute__((vector_size(16)));
using Quad = double __attribute__((vector_size(32)));

/// Pair or Quad.
template <class V>
concept Lanes = std::is_same_v<V, Pair> || std::is_same_v<V, Quad>;

template <class V>
inline constexpr int kLanes = sizeof(V) / sizeof(double);

template <class V>
struct LaneBitsOf;
template <>
struct LaneBitsOf<Pair> {
  using type = std::uint64_t __attribute__((vector_size(16)));
};
template <>
struct LaneBitsOf<Quad> {
  using type = std::uint64_t __attribute__((vector_size(32)));
};
/// Unsigned 64-bit integers, one per lane of V (for the bit manipulations of exp_nonpositive).
template <class V>
using LaneBits = typename LaneBitsOf<V>::type;

template <class V>
[[gnu::always_inline]] inline V load(const double* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
[[gnu::always_inline]] inline void store(double* p, V v) {
  __builtin_memcpy(p, &v, sizeof v);
}

/// V{lane(0), lane(1), …}: written out rather than looped, since Emscripten's Clang leaves a loop over
/// lanes as stores and loads through the stack.
template <class V, class F>
[[gnu::always_inline]] inline V from_lanes(F&& lane) {
  return [&]<int... l>(std::integer_sequence<int, l...>) { return V{lane(l)...}; }
  (std::make_integer_sequence<int, kLanes<V>>{});
}

template <class V>
[[gnu::always_inline]] inline V splat(double x) {
  return from_lanes<V>([x](int) { return x; });
}

/// Whether every lane of x is below c.
template <class V>
[[gnu::always_inline]] inline bool all_below(V x, double c) {
  if constexpr (kLanes<V> == 2)
    return x[0] < c && x[1] < c;
  else
    return x[0] < c && x[1] < c && x[2] < c && x[3] < c;
}

/// acc += v for a Pair; for a Quad, acc += lanes (0, 1), then acc += lanes (2, 3): the sums a Pair loop
/// over the same entries forms.
template <class V>
[[gnu::always_inline]] inline void add_by_pairs(Pair& acc, V v) {
  if constexpr (kLanes<V> == 2) {
    acc += v;
  } else {
    acc += Pair{v[0], v[1]};
    acc += Pair{v[2], v[3]};
  }
}

namespace detail {
extern bool wide_lanes;
}
/// Whether the Quad paths run: x86 with AVX2, unless ATTNSVM_LANES=2 is set (always false on wasm).
inline bool wide_lanes() { return detail::wide_lanes; }
/// Chooses the Pair (false) or, where available, the Quad paths; returns the previous choice (tests).
bool set_wide_lanes(bool wide);

}  // namespace attnsvm

#pragma GCC diagnostic pop
