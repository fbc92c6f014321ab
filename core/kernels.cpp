#include "kernels.hpp"

#include "vector_exp.hpp"

namespace attnsvm::kernels {

namespace {

inline Pair load(const double* p) {
  Pair v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void store(double* p, Pair v) { __builtin_memcpy(p, &v, sizeof v); }

inline Pair splat(double x) { return Pair{x, x}; }

/// R rows of y = M x at once: R independent accumulators keep both adders busy.
template <int R>
inline void rows_times_block(const double* M, Index cols, Index ld, const double* x, double* y) {
  Pair acc[R];
  for (int r = 0; r < R; ++r) acc[r] = Pair{0, 0};
  Index k = 0;
  for (; k + 2 <= cols; k += 2) {
    const Pair xk = load(x + k);
    for (int r = 0; r < R; ++r) acc[r] += load(M + r * ld + k) * xk;
  }
  for (int r = 0; r < R; ++r) {
    double sum = acc[r][0] + acc[r][1];
    if (k < cols) sum += M[r * ld + k] * x[k];
    y[r] = sum;
  }
}

/// 2P columns of y = Mᵀ x at once, down all rows.
template <int P>
inline void rows_transposed_times_block(const double* M, Index rows, Index ld, const double* x, double* y) {
  Pair acc[P];
  for (int p = 0; p < P; ++p) acc[p] = Pair{0, 0};
  for (Index t = 0; t < rows; ++t) {
    const Pair xt = splat(x[t]);
    for (int p = 0; p < P; ++p) acc[p] += xt * load(M + t * ld + 2 * p);
  }
  for (int p = 0; p < P; ++p) store(y + 2 * p, acc[p]);
}

/// A 2P × J block of C = A B: P row pairs of A against J columns of B, 2PJ accumulators.
template <int P, int J>
inline void multiply_block(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc,
                           Index k) {
  Pair acc[P][J];
  for (int p = 0; p < P; ++p)
    for (int j = 0; j < J; ++j) acc[p][j] = Pair{0, 0};
  for (Index l = 0; l < k; ++l) {
    Pair a[P];
    for (int p = 0; p < P; ++p) a[p] = load(A + l * lda + 2 * p);
    for (int j = 0; j < J; ++j) {
      const Pair b = splat(B[l * b_row + j * b_col]);
      for (int p = 0; p < P; ++p) acc[p][j] += a[p] * b;
    }
  }
  for (int j = 0; j < J; ++j)
    for (int p = 0; p < P; ++p) store(C + j * ldc + 2 * p, acc[p][j]);
}

/// J columns of C = A B, all m rows.
template <int J>
inline void multiply_columns(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C,
                             Index ldc, Index m, Index k) {
  Index i = 0;
  for (; i + 8 <= m; i += 8) multiply_block<4, J>(A + i, lda, B, b_row, b_col, C + i, ldc, k);
  for (; i + 2 <= m; i += 2) multiply_block<1, J>(A + i, lda, B, b_row, b_col, C + i, ldc, k);
  if (i < m)  // odd m: the last row, one lane's worth of the same sums
    for (int j = 0; j < J; ++j) {
      double sum = 0;
      for (Index l = 0; l < k; ++l) sum += A[l * lda + i] * B[l * b_row + j * b_col];
      C[j * ldc + i] = sum;
    }
}

}  // namespace

void rows_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
  Index t = 0;
  for (; t + 8 <= rows; t += 8) rows_times_block<8>(M + t * ld, cols, ld, x, y + t);
  for (; t + 4 <= rows; t += 4) rows_times_block<4>(M + t * ld, cols, ld, x, y + t);
  for (; t < rows; ++t) rows_times_block<1>(M + t * ld, cols, ld, x, y + t);
}

void rows_transposed_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y) {
  Index k = 0;
  for (; k + 16 <= cols; k += 16) rows_transposed_times_block<8>(M + k, rows, ld, x, y + k);
  for (; k + 8 <= cols; k += 8) rows_transposed_times_block<4>(M + k, rows, ld, x, y + k);
  for (; k + 2 <= cols; k += 2) rows_transposed_times_block<1>(M + k, rows, ld, x, y + k);
  if (k < cols) {  // odd cols: the last column, one lane's worth of the same sums
    double sum = 0;
    for (Index t = 0; t < rows; ++t) sum += x[t] * M[t * ld + k];
    y[k] = sum;
  }
}

void multiply(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc, Index m,
              Index n, Index k) {
  Index j = 0;
  for (; j + 2 <= n; j += 2) multiply_columns<2>(A, lda, B + j * b_col, b_row, b_col, C + j * ldc, ldc, m, k);
  if (j < n) multiply_columns<1>(A, lda, B + j * b_col, b_row, b_col, C + j * ldc, ldc, m, k);
}

}  // namespace attnsvm::kernels
