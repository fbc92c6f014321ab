#!/usr/bin/env python3
"""Peers of the training-step benchmark: the same float64 model and update as the native core,
written as the papers' code is written (PyTorch on CPU: autograd, torch.optim.SGD on gradients divided
by their norm, scores (X_i W) z_i) and in NumPy with hand-written gradients (scores X_i (W z_i)).

    bench/peers.py [--seconds S] [--repeats R] [--ours train_bench.json] [--wasm wasm_bench.json]
                   [--cli build/native/attnsvm] [--train-bench build/native/train_bench] [--quick]
                   [--cell SIZE MODEL]

Models W, KQ and multihead (H = 4), logistic loss, normalised GD (each block by its own Frobenius norm),
at S = (6, 8, 10), M = (64, 32, 32), L = (512, 64, 64), on gaussian-unit data (unit Gaussian tokens,
queries and decoder, labels ±1; the decoder is fixed). Before timing, correctness (not timing) is
asserted: PyTorch and NumPy reach the same loss after a few steps on the same data to 1e-9, and, with
--cli, both reproduce the native CLI's parameters after a few steps on the CLI's own dataset and
initialisation (`attnsvm data`, `attnsvm run --params-out`). Each cell is the median of R timed runs of
>= S seconds; times are this process's CPU time (one thread) and wall time.

With --train-bench, ours is measured here too, interleaved with the peers: R rounds of (ours, PyTorch,
NumPy), each >= S seconds, and the ratios ours/peer are taken round by round (median, min–max), so a
slow minute of the shared machine slows both sides of a ratio instead of one. --cell measures one cell
only (e.g. `--cell M W --repeats 20`) and adds the quartiles of its ratios.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import torch
except ImportError:  # the PyTorch columns are skipped, NumPy still runs
    torch = None

SIZES = [("S", 6, 8, 10), ("M", 64, 32, 32), ("L", 512, 64, 64)]
MODELS = [("W", "W", 1), ("KQ", "KQ", 1), ("multihead", "multihead", 4)]
LR = 0.1


# --- data and parameters ------------------------------------------------------------------------------


def unit_rows(rng, shape):
    x = rng.standard_normal(shape)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def gaussian_unit(n, T, d, seed=1):
    """The gaussian-unit generator's distribution (core/generators.cpp), not its exact numbers."""
    rng = np.random.default_rng(seed)
    return {
        "X": unit_rows(rng, (n, T, d)),
        "y": rng.choice([-1.0, 1.0], size=n),
        "z": unit_rows(rng, (n, d)),
        "v": unit_rows(rng, (d,)),
    }


def initial_params(param, heads, d, seed=2, std=0.01):
    """Blocks as the core lays them out: [W] | [K, Q] | [W_1..W_H]; decoders fixed (v_h = v)."""
    rng = np.random.default_rng(seed)
    count = {"W": 1, "KQ": 2, "multihead": heads}[param]
    return [std * rng.standard_normal((d, d)) for _ in range(count)]


# --- NumPy: hand-written gradients, scores X_i (W z_i) ----------------------------------------------


def softplus(x):
    return np.logaddexp(0.0, x)


def numpy_head(X, z, u, W):
    """Scores a = X_i (W z_i), softmax s, outputs f and g_i = X_iᵀ (s ⊙ (u − f)) for one head."""
    q = z @ W.T  # n×d queries W z_i: n·d²
    a = np.matmul(X, q[:, :, None])[:, :, 0]  # n×T: n·T·d
    a = a - a.max(axis=1, keepdims=True)
    s = np.exp(a)
    s /= s.sum(axis=1, keepdims=True)
    f = np.einsum("nt,nt->n", s, u)
    r = s * (u - f[:, None])
    g = np.matmul(r[:, None, :], X)[:, 0, :]  # n×d: n·T·d
    return f, g


class NumpyModel:
    def __init__(self, data, param, heads, params):
        self.X, self.y, self.z = data["X"], data["y"], data["z"]
        self.u = self.X @ data["v"]  # fixed decoder: token values once
        self.param, self.heads = param, heads
        self.initial = [p.copy() for p in params]
        self.params = [p.copy() for p in params]
        self.restarts = 0

    def restart(self):
        self.params = [p.copy() for p in self.initial]
        self.restarts += 1

    def matrices(self):
        if self.param == "KQ":
            K, Q = self.params
            return [K @ Q.T]
        return self.params

    def loss_and_grads(self):
        n, H = len(self.y), self.heads
        heads = [numpy_head(self.X, self.z, self.u, W) for W in self.matrices()]
        f = sum(fh for fh, _ in heads) / H
        margin = self.y * f
        loss = softplus(-margin).mean()
        c = -self.y / (1.0 + np.exp(margin)) / n  # (1/n) ℓ'(y f) y, ℓ'(x) = −σ(−x)
        grads_W = [(g * (c / H)[:, None]).T @ self.z for _, g in heads]  # Σ_i c_i g_i z_iᵀ: n·d²
        if self.param == "KQ":
            K, Q = self.params
            return loss, [grads_W[0] @ Q, grads_W[0].T @ K]
        return loss, grads_W

    def step(self):
        loss, grads = self.loss_and_grads()
        for p, g in zip(self.params, grads):
            p -= LR * g / np.linalg.norm(g)
        return loss


# --- PyTorch: autograd, torch.optim.SGD on normalised gradients, scores (X_i W) z_i ------------------


class TorchModel:
    def __init__(self, data, param, heads, params):
        t = lambda a: torch.tensor(a, dtype=torch.float64)
        self.X, self.y, self.z, self.v = t(data["X"]), t(data["y"]), t(data["z"]), t(data["v"])
        self.param, self.heads = param, heads
        self.params = [torch.nn.Parameter(t(p)) for p in params]
        self.initial = [t(p) for p in params]
        self.optimizer = torch.optim.SGD(self.params, lr=LR)
        self.restarts = 0

    def restart(self):
        with torch.no_grad():
            for p, p0 in zip(self.params, self.initial):
                p.copy_(p0)
        self.restarts += 1

    def loss(self):
        u = self.X @ self.v
        if self.param == "KQ":  # (X_i K)(Qᵀ z_i): n·T·d·m
            K, Q = self.params
            a = torch.bmm(self.X @ K, (self.z @ Q).unsqueeze(2)).squeeze(2)
            f = (torch.softmax(a, dim=1) * u).sum(1)
        else:  # (X_i W_h) z_i per head: n·T·d² each
            f = 0
            for W in self.params:
                a = torch.bmm(self.X @ W, self.z.unsqueeze(2)).squeeze(2)
                f = f + (torch.softmax(a, dim=1) * u).sum(1)
            f = f / self.heads
        return torch.nn.functional.softplus(-self.y * f).mean()

    def step(self):
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p.grad /= p.grad.norm()
        self.optimizer.step()
        return loss.item()


# --- correctness ------------------------------------------------------------------------------------


def check_torch_equals_numpy(steps=5):
    for size, n, T, d in SIZES[:2]:
        data = gaussian_unit(n, T, d)
        for name, param, heads in MODELS:
            init = initial_params(param, heads, d)
            a, b = NumpyModel(data, param, heads, init), TorchModel(data, param, heads, init)
            for _ in range(steps):
                la, lb = a.step(), b.step()
            assert abs(la - lb) <= 1e-9, f"{size} {name}: NumPy loss {la} vs PyTorch {lb} after {steps} steps"
            for pa, pb in zip(a.params, b.params):
                err = np.abs(pa - pb.detach().numpy()).max()
                assert err <= 1e-9, f"{size} {name}: parameters differ by {err} after {steps} steps"
    print(f"check: PyTorch and NumPy agree to 1e-9 (loss and parameters) after {steps} NGD steps at S and M")


def run_cli(cli, config, *args):
    out = subprocess.run([cli, *args], input=None, capture_output=True, text=True, check=True)
    return out.stdout


def check_against_cli(cli, steps=5):
    """Both peers reproduce `attnsvm run` on the CLI's dataset and initial parameters (S, each model)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, param, heads in MODELS:
            model = {"param": param} | ({"heads": heads} if heads > 1 else {})
            config = {"data": {"n": 6, "T": 8, "d": 10}, "model": model, "loss": "logistic",
                      "optimizer": {"kind": "ngd", "lr": LR}, "svm": {"norms": []}}
            path = os.path.join(tmp, "config.json")
            with open(path, "w") as fh:
                json.dump(config, fh)
            dataset = json.loads(run_cli(cli, config, "data", path))
            data = {"X": np.array(dataset["X"]), "y": np.array(dataset["y"]), "z": np.array(dataset["z"]),
                    "v": np.array(dataset["v"])}

            def params_after(k):
                out = os.path.join(tmp, "params.json")
                csv = run_cli(cli, config, "run", path, "--iterations", str(k), "--params-out", out)
                with open(out) as fh:
                    p = json.load(fh)
                loss = float(csv.strip().splitlines()[-1].split(",")[1])
                if param == "KQ":
                    return [np.array(p["K"]), np.array(p["Q"])], loss
                if param == "multihead":
                    return [np.array(h["W"]) for h in p["heads"]], loss
                return [np.array(p["W"])], loss

            init, _ = params_after(0)
            final, cli_loss = params_after(steps)
            peers = [NumpyModel(data, param, heads, init)] + ([TorchModel(data, param, heads, init)] if torch else [])
            for peer in peers:
                for _ in range(steps):
                    peer.step()
                got = [p.detach().numpy() if torch and isinstance(p, torch.Tensor) else p for p in peer.params]
                err = max(np.abs(a - b).max() for a, b in zip(got, final))
                assert err <= 1e-9, f"{name}: {type(peer).__name__} parameters differ from the CLI's by {err}"
                loss = peer.loss().item() if isinstance(peer, TorchModel) else peer.loss_and_grads()[0]
                assert abs(loss - cli_loss) <= 1e-9, f"{name}: {type(peer).__name__} loss {loss} vs CLI {cli_loss}"
    print(f"check: NumPy{' and PyTorch' if torch else ''} reproduce `attnsvm run` (parameters and loss, 1e-9) "
          f"after {steps} NGD steps at S for W, KQ, multihead")


# --- timing -----------------------------------------------------------------------------------------


def advance(model, steps):
    """`steps` NGD steps. A long run can drive a peer's gradient to exactly 0 (the softmax saturates), and its
    normalised step to NaN: it then starts again from its initial parameters (counted in model.restarts), so
    that the time measured is the time of real steps."""
    with np.errstate(all="ignore"):  # the 0/0 that makes the NaN: counted instead of warned about
        for _ in range(steps):
            if not math.isfinite(model.step()):
                model.restart()


def restart_note(size, name, *models):
    """A line for the cells where a peer had to restart (see advance)."""
    return [f"{size} {name}: {type(m).__name__} restarted {m.restarts}x from its initial parameters after its "
            f"normalised gradient turned NaN" for m in models if m is not None and m.restarts]


def measure(model, seconds, repeats):
    """Steps/s (CPU time of this process, wall time): medians of `repeats` runs of >= `seconds`."""
    advance(model, 1)  # warm-up
    steps = 1
    while True:
        t0 = time.process_time()
        advance(model, steps)
        took = time.process_time() - t0
        if took > seconds / 4:
            steps = max(1, int(steps * seconds / took))
            break
        steps *= 2
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        advance(model, steps)
        cpu.append(steps / (time.process_time() - c0))
        wall.append(steps / (time.perf_counter() - w0))
    return float(np.median(cpu)), float(np.median(wall))


def measure_ours(train_bench, size, model, seconds):
    """Native steps/s (thread CPU time) of one cell, by `train_bench --cell`."""
    out = subprocess.run([train_bench, "--cell", size, model, "--seconds", str(seconds), "--repeats", "1"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["steps_per_s_cpu"]


def spread(values):
    """'median (min–max)' of ratios."""
    return f"{np.median(values):.0f}x ({min(values):.0f}–{max(values):.0f})"


def flops_papers(n, T, d, param, heads):
    """PyTorch as written: X_i W (2·n·T·d²) then · z_i (2·n·T·d) forward, backward twice that."""
    return heads * 3 * (2 * n * T * d * d + 2 * n * T * d) + (6 * d**3 if param == "KQ" else 0)


def flops_ours(n, T, d, param, heads):
    """X_i (W z_i): same count as bench/train_bench.cpp's flops_ours."""
    return heads * (4 * n * d * d + 4 * n * T * d + 10 * n * T) + (6 * d**3 if param == "KQ" else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ours", help="train_bench --json output (native steps/s)")
    ap.add_argument("--wasm", help="wasm_bench --json output (wasm under Node steps/s)")
    ap.add_argument("--cli", help="the attnsvm CLI, to check both peers against it")
    ap.add_argument("--train-bench", help="bench/train_bench.cpp's binary: measure ours interleaved with the peers")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cell", nargs=2, metavar=("SIZE", "MODEL"), help="paired mode: this cell only")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.repeats = 0.3, 1

    if torch is None:
        print("peers: PyTorch is not installed (Debian python3-torch; `bash scripts/setup.sh --bench`): "
              "its columns are skipped")
    else:
        default_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        check_torch_equals_numpy()
    if args.cli:
        check_against_cli(args.cli)
    if args.train_bench:
        return paired(args)

    ours, wasm = {}, {}
    if args.ours:
        with open(args.ours) as fh:
            for r in json.load(fh)["results"]:
                ours[(r["size"], r["model"])] = r
    if args.wasm:
        with open(args.wasm) as fh:
            for r in json.load(fh)["results"]:
                wasm[(r["size"], r["model"])] = r["steps_per_s_cpu"]

    print(f"\npeers: float64, NGD, logistic loss; median of {args.repeats} runs of >= {args.seconds:.2f} s; "
          f"CPU = process CPU time; PyTorch {torch.__version__ if torch else '-'} with "
          f"torch.set_num_threads(1), NumPy {np.__version__}; load average {os.getloadavg()[0]:.2f}")
    print("PyTorch scores (X_i W) z_i: n T d^2 per step (papers' code); NumPy and ours X_i (W z_i): n d^2 + n T d")
    head = (f"{'size':<5}{'model':<10}{'ours CPU':>11}{'torch CPU':>11}{'numpy CPU':>11}{'ours/torch':>11}"
            f"{'ours/numpy':>11}{'torch GF/s':>11}{'numpy GF/s':>11}")
    if wasm:
        head += f"{'wasm CPU':>11}{'wasm/torch':>11}"
    print(head)
    results, notes = [], []
    for size, n, T, d in SIZES:
        data = gaussian_unit(n, T, d)
        for name, param, heads in MODELS:
            init = initial_params(param, heads, d)
            t_cpu = t_wall = float("nan")
            peer_t = TorchModel(data, param, heads, init) if torch is not None else None
            peer_n = NumpyModel(data, param, heads, init)
            if peer_t is not None:
                t_cpu, t_wall = measure(peer_t, args.seconds, args.repeats)
            n_cpu, n_wall = measure(peer_n, args.seconds, args.repeats)
            notes += restart_note(size, name, peer_t, peer_n)
            o = ours.get((size, name), {}).get("steps_per_s_cpu", float("nan"))
            row = (f"{size:<5}{name:<10}{o:>11.0f}{t_cpu:>11.1f}{n_cpu:>11.1f}{o / t_cpu:>10.0f}x{o / n_cpu:>10.0f}x"
                   f"{flops_papers(n, T, d, param, heads) * t_cpu / 1e9:>11.2f}"
                   f"{flops_ours(n, T, d, param, heads) * n_cpu / 1e9:>11.2f}")
            if wasm:
                w = wasm.get((size, name), float("nan"))
                row += f"{w:>11.0f}{w / t_cpu:>10.0f}x"
            print(row, flush=True)
            results.append({"size": size, "model": name, "torch_cpu": t_cpu, "torch_wall": t_wall,
                            "numpy_cpu": n_cpu, "numpy_wall": n_wall, "ours_cpu": o})
    for note in notes:
        print(note)

    if torch is not None and default_threads != 1:
        print(f"\nPyTorch with its default {default_threads} threads (wall steps/s):")
        torch.set_num_threads(default_threads)
        for size, n, T, d in SIZES:
            data = gaussian_unit(n, T, d)
            for name, param, heads in MODELS:
                _, wall = measure(TorchModel(data, param, heads, initial_params(param, heads, d)), args.seconds,
                                  args.repeats)
                print(f"{size:<5}{name:<10}{wall:>11.1f}", flush=True)
    elif torch is not None:
        print("\n(PyTorch's default thread count here is 1: no separate multi-thread table)")
    return 0


def paired(args):
    """Ours, PyTorch (one thread, as main() set it) and NumPy in alternation, `repeats` rounds per cell;
    ratios taken within a round."""
    rounds = max(args.repeats, 3)
    print(f"\npeers, interleaved with ours: {rounds} rounds of (ours, PyTorch, NumPy), each >= {args.seconds:.2f} s of "
          f"CPU time; ratios within a round, median (min–max); PyTorch {torch.__version__ if torch else '-'} "
          f"with 1 thread, NumPy {np.__version__}; load average {os.getloadavg()[0]:.2f}")
    print("PyTorch scores (X_i W) z_i: n T d^2 per step (papers' code); NumPy and ours X_i (W z_i): n d^2 + n T d")
    print(f"{'size':<5}{'model':<10}{'ours':>10}{'PyTorch':>10}{'NumPy':>10}{'ours/PyTorch':>20}{'ours/NumPy':>18}")
    notes = []
    for size, n, T, d in SIZES:
        if args.cell and size != args.cell[0]:
            continue
        data = gaussian_unit(n, T, d)
        for name, param, heads in MODELS:
            if args.cell and name != args.cell[1]:
                continue
            init = initial_params(param, heads, d)
            peer_t = TorchModel(data, param, heads, init) if torch is not None else None
            peer_n = NumpyModel(data, param, heads, init)
            o, t, nn, vs_t, vs_n = [], [], [], [], []
            for _ in range(rounds):
                o.append(measure_ours(args.train_bench, size, name, args.seconds))
                t.append(measure(peer_t, args.seconds, 1)[0] if peer_t else float("nan"))
                nn.append(measure(peer_n, args.seconds, 1)[0])
                vs_t.append(o[-1] / t[-1])
                vs_n.append(o[-1] / nn[-1])
            print(f"{size:<5}{name:<10}{np.median(o):>10.0f}{np.median(t):>10.1f}{np.median(nn):>10.1f}"
                  f"{spread(vs_t):>20}{spread(vs_n):>18}", flush=True)
            notes += restart_note(size, name, peer_t, peer_n)
            if args.cell:
                for peer, ratios in (("PyTorch", vs_t), ("NumPy", vs_n)):
                    q = np.percentile(ratios, [25, 50, 75])
                    print(f"ours/{peer} over {rounds} rounds: quartiles {q[0]:.1f}x, {q[1]:.1f}x, {q[2]:.1f}x")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
