"""Training-step and prediction benchmark: varbayes vs the same models in plain PyTorch, same run,
same thread count. A step is zero_grad, forward, loss (+ KL/N), backward, global-norm clipping and
an Adam update; the "sgld" step is zero_grad, forward, Gaussian NLL, backward and an SGLD update
(vb.optim.SGLD; in PyTorch, which has no SGLD, the same update written with tensor ops).

    PYTHONPATH=python python benchmarks/bench_training.py [--threads 1,2] [--repeat 7] [--quick]
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from common import (
    environment,
    import_torch,
    parse_args,
    print_table,
    ratio,
    run_per_thread_count,
    sample_seconds,
    set_threads,
    time_interleaved,
    write_json,
)

FULL = SimpleNamespace(
    dims=(784, 1200, 1200, 10),
    batch=128,
    n_train=60000,
    reg_dims=(2, 32, 32, 1),
    reg_points=150,
    predict_inputs=2000,
    predict_samples=20,
)
QUICK = SimpleNamespace(
    dims=(32, 24, 24, 10),
    batch=16,
    n_train=600,
    reg_dims=(2, 8, 8, 1),
    reg_points=20,
    predict_inputs=40,
    predict_samples=3,
)
CLIP_NORM = 5.0
RHO_INIT = -5.0  # varbayes' default posterior_rho_init, used by the PyTorch layers too
# What the issues ask of varbayes/torch time: the deterministic step no slower (issue 3), the
# Bayesian steps and prediction at most 0.6x, the small regression step at least 10x faster (issue 4).
# The SGLD step has no target (None): it is measured for the NCSM sampler (issue 10).
TARGET_RATIO = {"mlp": 1.0, "bayes": 0.6, "bayes_lrt": 0.6, "regression": 0.1, "predict": 0.6, "sgld": None}
SGLD_LR, SGLD_NOISE_STD = 1e-6, 0.1  # a fixed Gaussian likelihood; prior N(0, 1)


def mlp(layer: Callable, activation: Callable, sequential: Callable, dims: tuple[int, ...]) -> Any:
    """dims[0] -> ... -> dims[-1] with an activation between layers; the APIs of varbayes and
    PyTorch agree, so one builder serves both."""
    mods = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        mods.append(layer(a, b))
        if i < len(dims) - 2:
            mods.append(activation())
    return sequential(*mods)


def torch_bayes_linear(torch: Any) -> type:
    """A hand-written PyTorch Bayesian linear layer matching varbayes': sigma = softplus(rho), means
    initialised like nn.Linear, analytic KL to a N(0, 1) prior (varbayes' default)."""
    nn, F = torch.nn, torch.nn.functional

    class TorchBayesLinear(nn.Module):
        def __init__(self, n_in: int, n_out: int, lrt: bool) -> None:
            super().__init__()
            init = nn.Linear(n_in, n_out)
            self.weight_mu = nn.Parameter(init.weight.detach().clone())
            self.bias_mu = nn.Parameter(init.bias.detach().clone())
            self.weight_rho = nn.Parameter(torch.full_like(self.weight_mu, RHO_INIT))
            self.bias_rho = nn.Parameter(torch.full_like(self.bias_mu, RHO_INIT))
            self.lrt = lrt

        def forward(self, x: Any) -> Any:
            w_sigma, b_sigma = F.softplus(self.weight_rho), F.softplus(self.bias_rho)
            if self.lrt:  # local reparameterization: sample the pre-activations
                mean = F.linear(x, self.weight_mu, self.bias_mu)
                var = F.linear(x * x, w_sigma * w_sigma, b_sigma * b_sigma)
                return mean + var.sqrt() * torch.randn_like(mean)
            # Bayes by Backprop: one weight sample per forward
            w = self.weight_mu + w_sigma * torch.randn_like(w_sigma)
            b = self.bias_mu + b_sigma * torch.randn_like(b_sigma)
            return F.linear(x, w, b)

        def kl(self) -> Any:
            total = 0
            for mu, rho in ((self.weight_mu, self.weight_rho), (self.bias_mu, self.bias_rho)):
                sigma = F.softplus(rho)
                total = total + (0.5 * (sigma * sigma + mu * mu) - torch.log(sigma) - 0.5).sum()
            return total

    return TorchBayesLinear


def train_step(lib: Any, params: list, loss_fn: Callable[[], Any]) -> Callable[[], None]:
    """One Adam step with clipping; ``lib`` is varbayes or torch (same optimizer/clipping API)."""
    opt = lib.optim.Adam(params, lr=1e-3)

    def step() -> None:
        opt.zero_grad()
        loss_fn().backward()
        lib.nn.utils.clip_grad_norm_(params, CLIP_NORM)
        opt.step()

    return step


def varbayes_workloads(size: SimpleNamespace, data: dict[str, np.ndarray]) -> dict[str, Callable[[], Any]]:
    import varbayes as vb

    vb.manual_seed(0)
    F = vb.nn.functional
    x, y = vb.from_numpy(data["x"]), data["y"]
    fns = {}
    models = {}
    layers = {"mlp": vb.nn.Linear, "bayes": vb.nn.BayesLinear, "bayes_lrt": vb.nn.BayesLinearLRT}
    for name, layer in layers.items():
        model = models[name] = mlp(layer, vb.nn.ReLU, vb.nn.Sequential, size.dims)
        kl_weight = 0.0 if name == "mlp" else 1.0 / size.n_train

        def loss(model=model, kl_weight=kl_weight):
            if not kl_weight:
                return F.cross_entropy(model(x), y)
            out, kl = model.forward_with_kl(x)  # the KL handed over by the forward pass
            return F.cross_entropy(out, y) + kl * kl_weight

        fns[name] = train_step(vb, list(model.parameters()), loss)

    reg = mlp(vb.nn.BayesLinear, vb.nn.Tanh, vb.nn.Sequential, size.reg_dims)
    reg.likelihood = vb.nn.GaussianLikelihood(std=0.1)  # learned noise, a parameter of reg
    rx, ry = vb.from_numpy(data["reg_x"]), vb.from_numpy(data["reg_y"])

    def regression_loss():
        out, kl = reg.forward_with_kl(rx)
        return reg.likelihood.nll(out, ry) + kl / size.reg_points

    fns["regression"] = train_step(vb, list(reg.parameters()), regression_loss)
    px = vb.from_numpy(data["predict_x"])
    fns["predict"] = lambda: vb.predict(models["bayes"], px, size.predict_samples, likelihood="categorical")

    det = mlp(vb.nn.Linear, vb.nn.Tanh, vb.nn.Sequential, size.reg_dims)
    noise = vb.nn.GaussianLikelihood(std=SGLD_NOISE_STD, trainable=False)
    sgld = vb.optim.SGLD(det.parameters(), SGLD_LR, prior=1.0, n_data=size.reg_points, seed=0)

    def sgld_step() -> None:
        sgld.zero_grad()
        noise.nll(det(rx), ry).backward()
        sgld.step()

    fns["sgld"] = sgld_step
    return fns


def torch_workloads(
    torch: Any, size: SimpleNamespace, data: dict[str, np.ndarray]
) -> dict[str, Callable[[], Any]]:
    torch.manual_seed(0)
    nn, F = torch.nn, torch.nn.functional
    bayes_linear = torch_bayes_linear(torch)

    def kl(model: Any) -> Any:
        return sum(m.kl() for m in model.modules() if isinstance(m, bayes_linear))

    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    fns = {}
    models = {}
    for name, layer in (
        ("mlp", nn.Linear),
        ("bayes", lambda a, b: bayes_linear(a, b, lrt=False)),
        ("bayes_lrt", lambda a, b: bayes_linear(a, b, lrt=True)),
    ):
        model = models[name] = mlp(layer, nn.ReLU, nn.Sequential, size.dims)
        kl_weight = 0.0 if name == "mlp" else 1.0 / size.n_train

        def loss(model=model, kl_weight=kl_weight):
            out = F.cross_entropy(model(x), y)
            return out + kl(model) * kl_weight if kl_weight else out

        fns[name] = train_step(torch, list(model.parameters()), loss)

    reg = mlp(lambda a, b: bayes_linear(a, b, lrt=False), nn.Tanh, nn.Sequential, size.reg_dims)
    noise_rho = nn.Parameter(torch.tensor(float(np.log(np.expm1(0.1)))))  # std 0.1, as varbayes'
    rx, ry = torch.from_numpy(data["reg_x"]), torch.from_numpy(data["reg_y"])

    def reg_loss():
        out = reg(rx)
        var = F.softplus(noise_rho) ** 2
        return F.gaussian_nll_loss(out, ry, var.expand_as(out), full=True) + kl(reg) / size.reg_points

    fns["regression"] = train_step(torch, [*reg.parameters(), noise_rho], reg_loss)
    px = torch.from_numpy(data["predict_x"])

    @torch.no_grad()
    def predict():
        # What vb.predict returns for logits: mean and spread of the softmax over samples.
        probs = torch.stack([torch.softmax(models["bayes"](px), -1) for _ in range(size.predict_samples)])
        return probs.mean(0), probs.std(0)

    fns["predict"] = predict

    det = mlp(nn.Linear, nn.Tanh, nn.Sequential, size.reg_dims)
    det_params = list(det.parameters())
    noise_std = (2 * SGLD_LR) ** 0.5
    var = torch.full_like(ry, SGLD_NOISE_STD**2)  # fixed, as varbayes' untrainable likelihood

    def sgld_step() -> None:
        for p in det_params:
            p.grad = None
        F.gaussian_nll_loss(det(rx), ry, var, full=True).backward()
        with torch.no_grad():
            for p in det_params:  # theta += -lr (N grad + theta / s^2) + sqrt(2 lr) xi, prior N(0, 1)
                drift = size.reg_points * p.grad + p
                p.add_(drift, alpha=-SGLD_LR).add_(torch.randn_like(p), alpha=noise_std)

    fns["sgld"] = sgld_step
    return fns


def make_data(size: SimpleNamespace) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    reg_x = rng.uniform(-1, 1, (size.reg_points, size.reg_dims[0])).astype(np.float32)
    reg_y = np.sin(3 * reg_x[:, :1]) * reg_x[:, 1:2] + 0.1 * rng.standard_normal((size.reg_points, 1))
    return {
        "x": rng.standard_normal((size.batch, size.dims[0])).astype(np.float32),
        "y": rng.integers(0, size.dims[-1], size.batch),
        "reg_x": reg_x,
        "reg_y": reg_y.astype(np.float32),
        "predict_x": rng.standard_normal((size.predict_inputs, size.dims[0])).astype(np.float32),
    }


def describe(size: SimpleNamespace) -> dict[str, str]:
    net = "-".join(map(str, size.dims))
    reg = "-".join(map(str, size.reg_dims))
    return {
        "mlp": f"MLP {net} batch {size.batch} train step",
        "bayes": f"BayesLinear {net} batch {size.batch} train step",
        "bayes_lrt": f"BayesLinearLRT {net} batch {size.batch} train step",
        "regression": f"regression BNN {reg} on {size.reg_points} points train step",
        "predict": f"predict {size.predict_samples} samples x {size.predict_inputs} inputs",
        "sgld": f"SGLD MLP {reg} on {size.reg_points} points step",
    }


def child_threads(args) -> dict[str, Any]:
    """One thread count, in its own process (see common.py for why)."""
    threads = args.threads[0]
    counts = set_threads(threads)
    size = QUICK if args.quick else FULL
    data = make_data(size)
    candidates = {"varbayes": varbayes_workloads(size, data)}
    torch = import_torch()
    if torch is not None:
        candidates["torch"] = torch_workloads(torch, size, data)
    rows = []
    for workload, label in describe(size).items():
        fns = {lib: workloads[workload] for lib, workloads in candidates.items()}
        times = time_interleaved(fns, args.repeat, sample_seconds(args.quick))
        rows.append({"workload": workload, "label": label, "threads": threads, **times})
    return {"thread_counts": counts, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], "training", argv)
    if args.child_out is not None:
        write_json(args.child_out, child_threads(args))
        return
    env = environment()
    with tempfile.TemporaryDirectory() as tmp:
        results = run_per_thread_count(__file__, args, Path(tmp))
    rows = [row for result in results.values() for row in result["rows"]]
    thread_counts = {n: result["thread_counts"] for n, result in results.items()}
    env["load_average_end"] = environment()["load_average"]
    for row in rows:
        row["ratio_vs_torch"] = ratio(row["varbayes"]["best_s"], row.get("torch", {}).get("best_s"))
        row["target_ratio"] = TARGET_RATIO[row["workload"]]
    report = {
        "benchmark": "training",
        "environment": env,
        "thread_counts": thread_counts,
        "options": {"threads": args.threads, "repeat": args.repeat, "quick": args.quick},
        "rows": rows,
    }
    print(
        f"numpy {env['numpy']}  torch {env['torch'] or 'unavailable'}  isa={env['cpu_info']['isa']}  "
        f"load average {env['load_average']} -> {env['load_average_end']}"
    )

    def ms(row: dict[str, Any], lib: str, key: str) -> float | None:
        return None if lib not in row else 1e3 * row[lib][key]

    print_table(
        "Time per call in ms (best / median of rounds); ratio = varbayes/torch best time, < 1 = vb faster",
        ["workload", "threads", "vb best", "vb median", "torch best", "torch median", "vb/torch", "target"],
        [
            [
                r["label"],
                r["threads"],
                ms(r, "varbayes", "best_s"),
                ms(r, "varbayes", "median_s"),
                ms(r, "torch", "best_s"),
                ms(r, "torch", "median_s"),
                r["ratio_vs_torch"],
                "-" if r["target_ratio"] is None else f"<= {r['target_ratio']}",
            ]
            for r in rows
        ],
    )
    write_json(args.json, report)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
