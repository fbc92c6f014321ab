#!/usr/bin/env python3
"""Solve the SVM problems dumped by `svm_bench --dump DIR` with cvxopt and compare with our solutions.

    python3 bench/svm_cvxopt.py DIR [--repeats R]

Frobenius: the primal QP  min ½‖W‖²_F  s.t.  ⟨a_k c_kᵀ, W⟩ ≥ b_k            (cvxopt.solvers.qp)
nuclear:   the SDP  min ½(tr P + tr Q)  s.t.  [[P, W], [Wᵀ, Q]] ⪰ 0, same constraints  (cvxopt.solvers.sdp)
l1diag:    the LP   min Σ t_j  s.t.  −t ≤ w ≤ t, Σ_j a_kj c_kj w_j ≥ b_k      (cvxopt.solvers.lp)
lp:        min Σ|w_j|^p / p with cvxopt.solvers.cp (small problems only)

Prints, per problem: cvxopt's time (median of repeats), ours (from the dump), our time / cvxopt's,
the largest entrywise difference of the two solutions, and the relative difference of the norms.
"""
import glob
import json
import os
import statistics
import sys
import time

try:
    import numpy as np
    from cvxopt import matrix, solvers
except ImportError as e:  # the Debian python3 has them (python3-numpy, python3-cvxopt)
    sys.exit(f"svm_cvxopt.py: {e}; run with /usr/bin/python3 or install python3-numpy python3-cvxopt")

# Tight tolerances (cvxopt's defaults are 1e-7 / 1e-6); when cvxopt fails at these it is rerun with its defaults.
TIGHT = {"show_progress": False, "abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9, "maxiters": 200}
DEFAULT = {"show_progress": False, "abstol": 1e-7, "reltol": 1e-6, "feastol": 1e-7, "maxiters": 200}


def constraint_rows(prob):
    a, c = np.array(prob["a"]), np.array(prob["c"])
    # ⟨a cᵀ, W⟩ = kron(a, c) · vec_rowmajor(W)
    return np.einsum("ki,kj->kij", a, c).reshape(len(a), -1), np.array(prob["b"], dtype=float)


def solve_fro(prob):
    d = prob["d"]
    M, b = constraint_rows(prob)
    D = d * d
    r = solvers.qp(matrix(np.eye(D)), matrix(np.zeros(D)), matrix(-M), matrix(-b))
    w = np.array(r["x"]).ravel()
    return w.reshape(d, d), np.linalg.norm(w), r["status"]


def solve_nuc(prob):
    d = prob["d"]
    M, b = constraint_rows(prob)
    K = len(b)
    tri = [(i, j) for j in range(d) for i in range(j, d)]
    nw, nt = d * d, len(tri)
    nvar = nw + 2 * nt
    n2 = 2 * d
    Gs = np.zeros((n2 * n2, nvar))  # column-major vec of −blk(x)

    def put(col, r, s):
        Gs[r + s * n2, col] -= 1
        if r != s:
            Gs[s + r * n2, col] -= 1

    for i in range(d):
        for j in range(d):
            put(i * d + j, i, d + j)  # W_ij sits in the upper-right block
    for t, (i, j) in enumerate(tri):
        put(nw + t, i, j)  # P
        put(nw + nt + t, d + i, d + j)  # Q
    c = np.zeros(nvar)
    for t, (i, j) in enumerate(tri):
        if i == j:
            c[nw + t] = c[nw + nt + t] = 0.5
    Gl = np.zeros((K, nvar))
    Gl[:, :nw] = -M
    r = solvers.sdp(matrix(c), Gl=matrix(Gl), hl=matrix(-b), Gs=[matrix(Gs)], hs=[matrix(np.zeros((n2, n2)))])
    x = np.array(r["x"]).ravel()
    W = x[:nw].reshape(d, d)
    return W, np.linalg.svd(W, compute_uv=False).sum(), r["status"]


def solve_l1diag(prob):
    d = prob["d"]
    a, cz, b = np.array(prob["a"]), np.array(prob["c"]), np.array(prob["b"], dtype=float)
    Md = a * cz  # Σ_j a_kj c_kj w_j
    K = len(b)
    # x = (w, t): min Σ t  s.t.  w − t ≤ 0, −w − t ≤ 0, −Md w ≤ −b
    I = np.eye(d)
    G = np.vstack([np.hstack([I, -I]), np.hstack([-I, -I]), np.hstack([-Md, np.zeros((K, d))])])
    h = np.concatenate([np.zeros(2 * d), -b])
    r = solvers.lp(matrix(np.concatenate([np.zeros(d), np.ones(d)])), matrix(G), matrix(h))
    w = np.array(r["x"]).ravel()[:d]
    return np.diag(w), np.abs(w).sum(), r["status"]


def solve_lp(prob):
    d, p = prob["d"], prob["p"]
    M, b = constraint_rows(prob)
    D = d * d
    # start: a feasible point (the least-squares solution scaled up)
    w0 = np.linalg.lstsq(M, b, rcond=None)[0]
    w0 *= 1.01 / max(1e-12, min(M @ w0 / b))

    def F(x=None, z=None):
        if x is None:
            return 0, matrix(w0)
        w = np.array(x).ravel()
        f = np.sum(np.abs(w) ** p) / p
        g = np.sign(w) * np.abs(w) ** (p - 1)
        if z is None:
            return f, matrix(g).T
        h = (p - 1) * np.maximum(np.abs(w), 1e-12) ** (p - 2)
        return f, matrix(g).T, matrix(np.diag(z[0] * h))

    r = solvers.cp(F, G=matrix(-M), h=matrix(-b))
    w = np.array(r["x"]).ravel()
    return w.reshape(d, d), np.sum(np.abs(w) ** p) ** (1 / p), r["status"]


SOLVERS = {"fro": solve_fro, "nuc": solve_nuc, "l1diag": solve_l1diag, "lp": solve_lp}


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    directory, repeats = args[0], 5
    if "--repeats" in args:
        repeats = int(args[args.index("--repeats") + 1])
    files = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not files:
        sys.exit(f"svm_cvxopt.py: no problems in {directory} (run svm_bench --dump {directory})")
    print(f"{'problem':<24} {'cvxopt ms':>10} {'ours ms':>10} {'ours/cvxopt':>12} {'max|ΔW|':>10} {'Δnorm/norm':>11}  cvxopt status")
    for path in files:
        prob = json.load(open(path))
        norm = prob["norm"]
        if prob.get("status") != "optimal":
            print(f"{prob['name']:<24} skipped: ours is {prob.get('status')}")
            continue
        large = len(prob["b"]) > 500
        if norm == "lp" and large:
            print(f"{prob['name']:<24} {'—':>10} {prob['ms']:>10.3f} {'—':>12} {'—':>10} {'—':>11}  (cvxopt cp not run on this size)")
            continue
        times, result = [], None
        for options in (TIGHT, DEFAULT):
            solvers.options.clear()
            solvers.options.update(options)
            try:
                times = []
                for _ in range(1 if large else repeats):
                    t0 = time.perf_counter()
                    result = SOLVERS[norm](prob)
                    times.append(1e3 * (time.perf_counter() - t0))
                if result[2] == "optimal":
                    break
            except (ArithmeticError, ValueError) as e:
                result = None
                print(f"  ({prob['name']}: cvxopt failed with tolerances {options['abstol']:g}: {e})")
        if result is None:
            continue
        W, value, status = result
        ours = np.array(prob["W"])
        ms = statistics.median(times)
        diff = np.abs(W - ours).max()
        rel = abs(value - prob["value"]) / prob["value"]
        print(f"{prob['name']:<24} {ms:>10.3f} {prob['ms']:>10.3f} {prob['ms'] / ms:>12.4f} {diff:>10.2e} {rel:>11.2e}  {status}")


if __name__ == "__main__":
    main()
