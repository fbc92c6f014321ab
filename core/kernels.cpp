#include "kernels.hpp"

#include "lanes.hpp"

// Quads pass between always-inlined AVX2 functions only (lanes.hpp): no ABI warning in this file.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace attnsvm::kernels {

namespace {

/// R rows of y = M x at once: R independent accumulators keep both adders busy.
template <int R>
inline void rows_times_block(const double* M, Index cols, Index ld, const double* x, double* y) {
  Pair acc[R];
  for (int r = 0; r < R; ++r) acc[r] = Pair{0, 0};
  Index k = 0;
  for (; k + 2 <= cols; k += 2) {
    const Pair xk = load<Pair>(x + k);
    for (int r = 0; r < R; ++r) acc[r] += load<Pair>(M + r * ld + k) * xk;
  }
  for (int r = 0; r < R; ++r) {
    double sum = acc[r][0] + acc[r][1];
    if (k < cols) sum += M[r * ld + k] * x[k];
    y[r] = sum;
  }
}

/// The same sums for 2Q rows with Quad lanes: each Quad holds the (even, odd) pair of two rows.
template <int Q>
inline void rows_times_block_quad(const double* M, Index cols, Index ld, const double* x, double* y) {
  Quad acc[Q];
  for (int q = 0; q < Q; ++q) acc[q] = Quad{0, 0, 0, 0};
  Index k = 0;
  for (; k + 2 <= cols; k += 2) {
    const Pair x2 = load<Pair>(x + k);
    const Quad xk = __builtin_shufflevector(x2, x2, 0, 1, 0, 1);
    for (int q = 0; q < Q; ++q) {
      const double* a = M + 2 * q * ld + k;
      acc[q] += __builtin_shufflevector(load<Pair>(a), load<Pair>(a + ld), 0, 1, 2, 3) * xk;
    }
  }
  for (int q = 0; q < Q; ++q) {
    double first = acc[q][0] + acc[q][1], second = acc[q][2] + acc[q][3];
    if (k < cols) first += M[2 * q * ld + k] * x[k], second += M[(2 * q + 1) * ld + k] * x[k];
    y[2 * q] = first, y[2 * q + 1] = second;
  }
}

/// P·lanes columns of y = Mᵀ x at once, down all rows.
template <int P, class V>
inline void rows_transposed_times_block(const double* M, Index rows, Index ld, const double* x, double* y) {
  constexpr int N = kLanes<V>;
  V acc[P];
  for (int p = 0; p < P; ++p) acc[p] = splat<V>(0);
  for (Index t = 0; t < rows; ++t) {
    const V xt = splat<V>(x[t]);
    for (int p = 0; p < P; ++p) acc[p] += xt * load<V>(M + t * ld + N * p);
  }
  for (int p = 0; p < P; ++p) store(y + N * p, acc[p]);
}

/// A (P·lanes) × J block of C = A B: P lane groups of rows of A against J columns of B.
template <int P, int J, class V>
inline void multiply_block(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc,
                           Index k) {
  constexpr int N = kLanes<V>;
  V acc[P][J];
  for (int p = 0; p < P; ++p)
    for (int j = 0; j < J; ++j) acc[p][j] = splat<V>(0);
  for (Index l = 0; l < k; ++l) {
    V a[P];
    for (int p = 0; p < P; ++p) a[p] = load<V>(A + l * lda + N * p);
    for (int j = 0; j < J; ++j) {
      const V b = splat<V>(B[l * b_row + j * b_col]);
      for (int p = 0; p < P; ++p) acc[p][j] += a[p] * b;
    }
  }
  for (int j = 0; j < J; ++j)
    for (int p = 0; p < P; ++p) store(C + j * ldc + N * p, acc[p][j]);
}

/// J columns of C = A B, all m rows: blocks of 4 V-lane groups, the remainder in Pair blocks.
template <int J, class V>
inline void multiply_columns(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C,
                             Index ldc, Index m, Index k) {
  Index i = 0;
  if constexpr (kLanes<V> == 4)
    for (; i + 16 <= m; i += 16) multiply_block<4, J, Quad>(A + i, lda, B, b_row, b_col, C + i, ldc, k);
  for (; i + 8 <= m; i += 8) multiply_block<4, J, Pair>(A + i, lda, B, b_row, b_col, C + i, ldc, k);
  for (; i + 2 <= m; i += 2) multiply_block<1, J, Pair>(A + i, lda, B, b_row, b_col, C + i, ldc, k);
  if (i < m)  // odd m: the last row, one lane's worth of the same sums
    for (int j = 0; j < J; ++j) {
      double sum = 0;
      for (Index l = 0; l < k; ++l) sum += A[l * lda + i] * B[l * b_row + j * b_col];
      C[j * ldc + i] = sum;
    }
}

template <class V>
inline void rows_times_impl(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
  Index t = 0;
  if constexpr (kLanes<V> == 4)
    for (; t + 16 <= rows; t += 16) rows_times_block_quad<8>(M + t * ld, cols, ld, x, y + t);
  for (; t + 8 <= rows; t += 8) rows_times_block<8>(M + t * ld, cols, ld, x, y + t);
  for (; t + 4 <= rows; t += 4) rows_times_block<4>(M + t * ld, cols, ld, x, y + t);
  for (; t < rows; ++t) rows_times_block<1>(M + t * ld, cols, ld, x, y + t);
}

template <class V>
inline void rows_transposed_times_impl(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
  Index k = 0;
  if constexpr (kLanes<V> == 4) {
    for (; k + 32 <= cols; k += 32) rows_transposed_times_block<8, Quad>(M + k, rows, ld, x, y + k);
    for (; k + 16 <= cols; k += 16) rows_transposed_times_block<4, Quad>(M + k, rows, ld, x, y + k);
  }
  for (; k + 16 <= cols; k += 16) rows_transposed_times_block<8, Pair>(M + k, rows, ld, x, y + k);
  for (; k + 8 <= cols; k += 8) rows_transposed_times_block<4, Pair>(M + k, rows, ld, x, y + k);
  for (; k + 2 <= cols; k += 2) rows_transposed_times_block<1, Pair>(M + k, rows, ld, x, y + k);
  if (k < cols) {  // odd cols: the last column, one lane's worth of the same sums
    double sum = 0;
    for (Index t = 0; t < rows; ++t) sum += x[t] * M[t * ld + k];
    y[k] = sum;
  }
}

template <class V>
inline void multiply_impl(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc,
                          Index m, Index n, Index k) {
  Index j = 0;
  for (; j + 2 <= n; j += 2) multiply_columns<2, V>(A, lda, B + j * b_col, b_row, b_col, C + j * ldc, ldc, m, k);
  if (j < n) multiply_columns<1, V>(A, lda, B + j * b_col, b_row, b_col, C + j * ldc, ldc, m, k);
}

#ifdef ATTNSVM_WIDE_LANES
ATTNSVM_WIDE_LANES void rows_times_wide(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
  rows_times_impl<Quad>(M, rows, cols, ld, x, y);
}
ATTNSVM_WIDE_LANES void rows_transposed_times_wide(const double* M, Index rows, Index cols, Index ld, const double* x,
                                                   double* y) {
  rows_transposed_times_impl<Quad>(M, rows, cols, ld, x, y);
}
ATTNSVM_WIDE_LANES void multiply_wide(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C,
                                      Index ldc, Index m, Index n, Index k) {
  multiply_impl<Quad>(A, lda, B, b_row, b_col, C, ldc, m, n, k);
}
#endif

}  // namespace

void rows_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
#ifdef ATTNSVM_WIDE_LANES
  if (wide_lanes()) return rows_times_wide(M, rows, cols, ld, x, y);
#endif
  rows_times_impl<Pair>(M, rows, cols, ld, x, y);
}

void rows_transposed_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
#ifdef ATTNSVM_WIDE_LANES
  if (wide_lanes()) return rows_transposed_times_wide(M, rows, cols, ld, x, y);
#endif
  rows_transposed_times_impl<Pair>(M, rows, cols, ld, x, y);
}

void multiply(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc, Index m,
              Index n, Index k) {
#ifdef ATTNSVM_WIDE_LANES
  if (wide_lanes()) return multiply_wide(A, lda, B, b_row, b_col, C, ldc, m, n, k);
#endif
  multiply_impl<Pair>(A, lda, B, b_row, b_col, C, ldc, m, n, k);
}

}  // namespace attnsvm::kernels
