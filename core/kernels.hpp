#pragma once
// The matrix products of a training step, two lanes at a time (Pair: SSE2 natively, wasm SIMD128 in the
// browser), four on x86 CPUs with AVX2 (Quad, chosen at run time: lanes.hpp). Every entry is summed in
// one fixed order, independent of the blocking and of the lane width, so the native and wasm builds
// compute the same bits. They replace Eigen's kernels on the hot path: compiled for wasm those ran
// 1.4–1.8× slower than natively (V8 compiles Emscripten's emulated SSE2 intrinsics less well than plain
// SIMD128), these run at about the native two-lane speed there.
#include <Eigen/Dense>
#include <cstddef>

namespace attnsvm::kernels {

using Index = std::ptrdiff_t;

/// y = M x for a row-major rows × cols block M with row stride ld (the scores a_i = X_i q_i):
/// y_t = (Σ_{k even} M_tk x_k, Σ_{k odd} M_tk x_k) summed pairwise in order of k, then the two lanes
/// added, then the last term when cols is odd.
void rows_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y);

/// y = Mᵀ x for the same block (the gradient columns X_iᵀ r_i): y_k = Σ_t x_t M_tk in order of t.
void rows_transposed_times(const double* M, Index rows, Index cols, Index ld, const double* x, double* y);

/// C = A B for column-major A (m × k, leading dimension lda) and B (k × n) read as B(l, j) =
/// B[l·b_row + j·b_col], so that B may be a transpose; C (m × n) column-major with leading dimension
/// ldc. C_ij = Σ_l A_il B_lj in order of l.
void multiply(const double* A, Index lda, const double* B, Index b_row, Index b_col, double* C, Index ldc, Index m,
              Index n, Index k);

/// Row-major blocks: a sequence's T × d tokens X_i, or all of X.
using RowBlock = Eigen::Ref<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

/// y = M x (y sized by the caller).
inline void rows_times(const RowBlock& M, const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> y) {
  rows_times(M.data(), M.rows(), M.cols(), M.outerStride(), x.data(), y.data());
}

/// y = Mᵀ x (y sized by the caller).
inline void rows_transposed_times(const RowBlock& M, const Eigen::Ref<const Eigen::VectorXd>& x,
                                  Eigen::Ref<Eigen::VectorXd> y) {
  rows_transposed_times(M.data(), M.rows(), M.cols(), M.outerStride(), x.data(), y.data());
}

/// C = A B (resized).
inline void multiply(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, Eigen::MatrixXd& C) {
  C.resize(A.rows(), B.cols());
  multiply(A.data(), A.rows(), B.data(), 1, B.rows(), C.data(), C.rows(), A.rows(), B.cols(), A.cols());
}

/// C = A Bᵀ (resized).
inline void multiply_transposed(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, Eigen::MatrixXd& C) {
  C.resize(A.rows(), B.rows());
  multiply(A.data(), A.rows(), B.data(), B.rows(), 1, C.data(), C.rows(), A.rows(), B.rows(), A.cols());
}

}  // namespace attnsvm::kernels
