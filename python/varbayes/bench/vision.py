"""``python -m varbayes bench vision``: deterministic vs Bayesian MLPs on FashionMNIST or CIFAR-10.

Reproduces the reference study's experiment (two fully connected hidden layers of 1200 units, Bayesian
vs deterministic, identical hyperparameters, accuracy per epoch) and adds calibration (test NLL, ECE,
reliability diagram), an out-of-distribution check (FashionMNIST models on grayscale CIFAR-10) and,
with ``--compare-torch``, the same three models in plain PyTorch for epoch-time ratios.

Fairness: every model, in both frameworks, starts from the same initial weights (the Bayesian posterior
means copy the deterministic net's initialisation; the PyTorch models copy the varbayes ones), sees the
same minibatches in the same order and uses the same optimizer settings. Epochs are interleaved across
models, so load changes on a shared machine hit all of them alike.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import _core
from .._fs import atomic_write_bytes
from ..creation import tensor
from ..data import load_cifar10, load_fashion_mnist, to_float_features, to_grayscale
from ..elbo import ELBO, KLSchedule
from ..metrics import (
    ReliabilityDiagram,
    accuracy,
    auroc,
    nll,
    predictive_entropy,
    reliability_diagram,
)
from ..nn import BayesLinear, BayesLinearLRT, Linear, NormalPrior, ReLU, Sequential
from ..optim import Adam
from ..optim.lr_scheduler import CosineAnnealingLR
from ..predict import predict

MODELS = ("deterministic", "bayesian", "bayesian_lrt")
LR_SCHEDULES = ("constant", "cosine")
SERIES = ("train_accuracy", "test_accuracy", "test_nll", "ece", "epoch_seconds", "eval_seconds")
DATASETS = {"fashion-mnist": load_fashion_mnist, "cifar10": load_cifar10}
N_CLASSES = 10
ECE_BINS = 15
EVAL_BATCH = 5000  # rows per forward pass when predicting: bounds memory, amortizes per-weight work


@dataclass(frozen=True)
class VisionConfig:
    dataset: str
    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    hidden: int = 1200
    samples: int = 10  # Monte-Carlo weight samples per test prediction of the Bayesian nets
    # N(0, 1) lets the posterior sigmas grow until the LRT net degrades (docs/benchmarks.md)
    prior_std: float = 0.1
    rho_init: float = -6.0  # initial posterior sigma = softplus(-6) ~ 0.0025
    # final KL weight: 1 is the ELBO, < 1 a tempered ("cold") posterior. 0.1 was chosen on a
    # validation split: under the full KL the mean-field posterior of 2.4M weights levels off
    # near 84-86% on FashionMNIST (docs/benchmarks.md).
    kl_weight: float = 0.1
    kl_anneal_epochs: float = 0.0  # beta rises linearly from 0 to kl_weight over these epochs
    # "cosine": the lr decays to 0 over all optimizer steps (PyTorch's CosineAnnealingLR, stepped per
    # minibatch), so the final weights are not a snapshot of Adam's noise at the full step size.
    lr_schedule: str = "cosine"
    val_split: float = 0.0  # fraction of the training set held out and evaluated on instead of the test set
    seed: int = 0
    threads: int | None = None  # recorded by run_benchmark: the engine's thread count
    limit: int | None = None
    compare_torch: bool = False
    data_dir: str | None = None


@dataclass(frozen=True)
class VisionData:
    """Flattened float32 features in [0, 1], int64 labels, and the out-of-distribution inputs if any."""

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_ood: np.ndarray | None
    ood_note: str
    evaluated_on: str


def load_data(cfg: VisionConfig) -> VisionData:
    """The first ``cfg.limit`` train and test images (all when None); for FashionMNIST also CIFAR-10 test
    images converted to 28x28 grayscale as out-of-distribution inputs (skipped when CIFAR-10 is missing).

    With ``cfg.val_split`` > 0 a seeded random fraction of those training images is held out and takes
    the test set's place, so that hyperparameters can be chosen without looking at the test set."""
    data = DATASETS[cfg.dataset](cfg.data_dir)
    n = cfg.limit
    x_train, y_train = data.x_train[:n], data.y_train[:n]
    x_test, y_test = data.x_test[:n], data.y_test[:n]
    evaluated_on = "test set"
    if cfg.val_split > 0:
        order = np.random.default_rng(cfg.seed).permutation(len(x_train))
        n_val = round(cfg.val_split * len(x_train))
        if not 0 < n_val < len(x_train):
            raise ValueError(f"--val-split {cfg.val_split} leaves no validation or no training images")
        held_out, kept = np.sort(order[:n_val]), np.sort(order[n_val:])
        x_train, y_train, x_test, y_test = x_train[kept], y_train[kept], x_train[held_out], y_train[held_out]
        evaluated_on = (
            f"validation split: {n_val} training images held out (default_rng({cfg.seed}) permutation); "
            "the test_* series and the OOD in-distribution images are on it, not on the test set"
        )
    x_ood, ood_note = None, "only for FashionMNIST"
    if cfg.dataset == "fashion-mnist":
        try:
            cifar = load_cifar10(cfg.data_dir)
        except FileNotFoundError as err:
            ood_note = f"skipped: {str(err).splitlines()[0]}"
        else:
            x_ood = to_float_features(to_grayscale(cifar.x_test[:n], data.x_train.shape[1:]))
            ood_note = (
                f"{cifar.name} test images ({len(x_ood)}) as 28x28 grayscale (BT.601 luma, area resize) vs "
                "FashionMNIST test images; score = predictive entropy, AUROC with OOD as positives"
            )
    return VisionData(
        data.name,
        str(data.source),
        to_float_features(x_train),
        y_train,
        to_float_features(x_test),
        y_test,
        x_ood,
        ood_note,
        evaluated_on,
    )


# ---- the models, one trainer class per framework ------------------------------------------------


class _Trainer(ABC):
    """One model with its optimizer. The epoch loop lives here so that timing and the training
    accuracy cover exactly the same work in both frameworks."""

    samples: int

    def train_epoch(self, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> tuple[float, float]:
        """Trains on the minibatches in order; returns the seconds taken and the running accuracy of the
        training forward passes (sampled weights for the Bayesian nets)."""
        correct = 0
        start = time.perf_counter()
        for idx in batches:
            yb = y[idx]
            correct += int(np.count_nonzero(self._step(x[idx], yb) == yb))
        return time.perf_counter() - start, correct / len(x)

    @abstractmethod
    def _step(self, xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        """One optimizer step on a minibatch; returns the predicted classes of its forward pass."""

    @abstractmethod
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Predictive class probabilities (N, C), averaged over ``samples`` forward passes."""


def _varbayes_mlp(kind: str, cfg: VisionConfig, n_in: int) -> Sequential:
    # Reseeding gives every model the same initial draw; the Bayesian layers copy it into their means.
    _core.manual_seed(cfg.seed)
    sizes = (n_in, cfg.hidden, cfg.hidden, N_CLASSES)
    layers: list[Any] = [Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    if kind != "deterministic":
        cls = BayesLinear if kind == "bayesian" else BayesLinearLRT
        layers = [cls.from_linear(lin, NormalPrior(0.0, cfg.prior_std), cfg.rho_init) for lin in layers]
    return Sequential(*[m for layer in layers for m in (layer, ReLU())][:-1])


def steps_per_epoch(cfg: VisionConfig, n_train: int) -> int:
    """Optimizer steps per epoch (the last minibatch may be partial)."""
    return -(-n_train // cfg.batch_size)


def kl_schedule(cfg: VisionConfig, n_train: int) -> KLSchedule:
    """Linear KL annealing over ``cfg.kl_anneal_epochs`` epochs of optimizer steps (none when 0)."""
    if cfg.kl_anneal_epochs == 0:
        return KLSchedule()
    return KLSchedule("linear", max(1, round(cfg.kl_anneal_epochs * steps_per_epoch(cfg, n_train))))


def total_steps(cfg: VisionConfig, n_train: int) -> int:
    """Optimizer steps of the whole run: the cosine schedule's T_max."""
    return cfg.epochs * steps_per_epoch(cfg, n_train)


class _VarbayesTrainer(_Trainer):
    def __init__(self, kind: str, cfg: VisionConfig, n_in: int, n_train: int) -> None:
        self.model = _varbayes_mlp(kind, cfg, n_in)
        self.samples = 1 if kind == "deterministic" else cfg.samples
        self.initial_state = self.model.state_dict()
        # The deterministic net has KL = 0, so the same objective reduces to the mean cross-entropy.
        self.elbo = ELBO(n_train, "categorical", cfg.kl_weight, kl_schedule(cfg, n_train))
        self.optimizer = Adam(self.model.parameters(), lr=cfg.lr)
        self.scheduler = (
            CosineAnnealingLR(self.optimizer, total_steps(cfg, n_train))
            if cfg.lr_schedule == "cosine"
            else None
        )
        self.step = 0

    def _step(self, xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        self.optimizer.zero_grad()
        logits, kl = self.model.forward_with_kl(tensor(xb))
        self.elbo(self.model, logits, yb, self.step, kl).backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        self.step += 1
        return logits.numpy().argmax(axis=1)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return predict(self.model, x, self.samples, batch_size=EVAL_BATCH, likelihood="categorical").mean


class _TorchTrainer(_Trainer):
    """The same model in plain PyTorch, written out by hand: reparameterized (one weight sample per
    forward) or local-reparameterization layers, sigma = softplus(rho), analytic KL to the fixed
    N(0, prior_std^2) prior, initial weights copied from the varbayes model."""

    def __init__(
        self, kind: str, initial_state: dict[str, np.ndarray], cfg: VisionConfig, n_train: int
    ) -> None:
        import torch

        self.torch, self.kind, self.n_train, self.prior_std = torch, kind, n_train, cfg.prior_std
        # beta per step exactly as the varbayes trainer's ELBO computes it
        self.beta = ELBO(n_train, "categorical", cfg.kl_weight, kl_schedule(cfg, n_train)).beta
        self.step = 0
        self.samples = 1 if kind == "deterministic" else cfg.samples
        torch.manual_seed(cfg.seed)
        torch.set_num_threads(cfg.threads)
        # state_dict keys are "<index in Sequential>.<parameter>"; prior buffers are not parameters.
        layers: dict[int, dict[str, Any]] = {}
        for key, value in initial_state.items():
            index, _, name = key.partition(".")
            if name in ("weight", "bias", "weight_mu", "weight_rho", "bias_mu", "bias_rho"):
                layers.setdefault(int(index), {})[name] = torch.tensor(value, requires_grad=True)
        self.layers = [layers[i] for i in sorted(layers)]
        self.optimizer = torch.optim.Adam([p for layer in self.layers for p in layer.values()], lr=cfg.lr)
        self.scheduler = (
            torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, total_steps(cfg, n_train))
            if cfg.lr_schedule == "cosine"
            else None
        )

    def _linear(self, h: Any, p: dict[str, Any]) -> Any:
        torch, functional = self.torch, self.torch.nn.functional
        if self.kind == "deterministic":
            return functional.linear(h, p["weight"], p["bias"])
        w_sigma, b_sigma = functional.softplus(p["weight_rho"]), functional.softplus(p["bias_rho"])
        if self.kind == "bayesian_lrt":
            mean = functional.linear(h, p["weight_mu"], p["bias_mu"])
            var = functional.linear(h * h, w_sigma * w_sigma, b_sigma * b_sigma)
            return mean + var.sqrt() * torch.randn_like(mean)
        weight = p["weight_mu"] + w_sigma * torch.randn_like(w_sigma)
        bias = p["bias_mu"] + b_sigma * torch.randn_like(b_sigma)
        return functional.linear(h, weight, bias)

    def _forward(self, x: Any) -> Any:
        h = self._linear(x, self.layers[0])
        for layer in self.layers[1:]:
            h = self._linear(self.torch.relu(h), layer)
        return h

    def _kl(self) -> Any:
        softplus, s = self.torch.nn.functional.softplus, self.prior_std
        total = 0.0
        for p in self.layers:
            for name in ("weight", "bias"):
                mu, sigma = p[f"{name}_mu"], softplus(p[f"{name}_rho"])
                kl = math.log(s) - sigma.log() + (sigma * sigma + mu * mu) / (2 * s * s) - 0.5
                total = total + kl.sum()
        return total

    def _step(self, xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
        torch = self.torch
        self.optimizer.zero_grad()
        logits = self._forward(torch.from_numpy(xb))
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(yb))
        if self.kind != "deterministic":
            loss = loss + self._kl() * (self.beta(self.step) / self.n_train)
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        self.step += 1
        return logits.detach().argmax(dim=1).numpy()

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        torch = self.torch
        chunks = []
        with torch.no_grad():
            for start in range(0, len(x), EVAL_BATCH):
                xb = torch.from_numpy(x[start : start + EVAL_BATCH])
                passes = [torch.softmax(self._forward(xb), dim=1) for _ in range(self.samples)]
                chunks.append(torch.stack(passes).mean(dim=0))
        return torch.cat(chunks).double().numpy()


# ---- the benchmark --------------------------------------------------------------------------------


def _reliability_json(diagram: ReliabilityDiagram) -> dict[str, Any]:
    def finite(values: np.ndarray) -> list[float | None]:
        return [float(v) if np.isfinite(v) else None for v in values]  # empty bins: NaN -> null

    return {
        "edges": diagram.edges.tolist(),
        "confidence": finite(diagram.confidence),
        "accuracy": finite(diagram.accuracy),
        "counts": diagram.counts.tolist(),
        "ece": diagram.ece,
    }


def _config_json(cfg: VisionConfig, data: VisionData) -> dict[str, Any]:
    from .. import __version__, cpu_info

    n_in = data.x_train.shape[1]
    config: dict[str, Any] = {
        **asdict(cfg),
        "data_source": data.source,
        "n_train": len(data.x_train),
        "n_test": len(data.x_test),
        "architecture": f"MLP {n_in}-{cfg.hidden}-{cfg.hidden}-{N_CLASSES}, ReLU",
        "inputs": "pixels / 255 in [0, 1], flattened",
        "standardize": False,
        "optimizer": f"Adam(lr={cfg.lr}, betas=(0.9, 0.999), eps=1e-8), no weight decay, "
        + (
            f"cosine annealing of the lr to 0 over all {total_steps(cfg, len(data.x_train))} steps "
            "(CosineAnnealingLR, stepped per minibatch)"
            if cfg.lr_schedule == "cosine"
            else "constant lr"
        ),
        "objective": "mean minibatch cross-entropy + beta * KL / n_train (the deterministic net has KL = 0); "
        + (
            f"beta rises linearly from 0 to {cfg.kl_weight} over the first {cfg.kl_anneal_epochs} epochs, "
            "then stays there"
            if cfg.kl_anneal_epochs
            else f"beta = {cfg.kl_weight} throughout"
        ),
        "evaluated_on": data.evaluated_on,
        "prior": f"N(0, {cfg.prior_std}^2), fixed, on every weight and bias",
        "posterior": f"mean-field Gaussian, sigma = softplus(rho), rho initialised to {cfg.rho_init}",
        "init": "PyTorch's Linear default, the same draw for all models (Bayesian posterior means and "
        "PyTorch models copy it)",
        "data_order": f"one permutation per epoch from numpy default_rng({cfg.seed}), shared by all models",
        "test_prediction": f"Bayesian nets: mean of the softmax over {cfg.samples} weight samples "
        "(vb.predict); deterministic net: one pass",
        "train_accuracy": "running accuracy of the training forward passes during the epoch "
        "(sampled weights for the Bayesian nets)",
        "ece_bins": ECE_BINS,
        "epoch_seconds": "training loop only (batching, forward, backward, optimizer step)",
        "torch_epoch_time_ratio": "median varbayes epoch seconds / median PyTorch epoch seconds",
        "ood": data.ood_note,
        "varbayes_version": __version__,
        "cpu": cpu_info(),
    }
    if cfg.compare_torch:
        import torch

        config["torch_version"] = torch.__version__
    return config


def run_benchmark(cfg: VisionConfig, data: VisionData, log: Any = None) -> dict[str, Any]:
    """Trains the three models (and their PyTorch twins) and returns the result in the JSON schema."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    # The engine's thread count is process state, set by the command line; PyTorch is made to match it.
    cfg = replace(cfg, threads=_core.get_num_threads())
    n_train, n_in = data.x_train.shape
    runs: dict[tuple[str, str], _Trainer] = {}
    for kind in MODELS:
        ours = runs[kind, "varbayes"] = _VarbayesTrainer(kind, cfg, n_in, n_train)
        if cfg.compare_torch:
            runs[kind, "torch"] = _TorchTrainer(kind, ours.initial_state, cfg, n_train)
    series: dict[tuple[str, str], dict[str, Any]] = {key: {name: [] for name in SERIES} for key in runs}
    final_probs: dict[tuple[str, str], np.ndarray] = {}
    rng = np.random.default_rng(cfg.seed)
    for epoch in range(1, cfg.epochs + 1):
        order = rng.permutation(n_train)
        batches = [order[i : i + cfg.batch_size] for i in range(0, n_train, cfg.batch_size)]
        for key, trainer in runs.items():
            seconds, train_accuracy = trainer.train_epoch(data.x_train, data.y_train, batches)
            start = time.perf_counter()
            probs = final_probs[key] = trainer.predict_proba(data.x_test)
            record = {
                "train_accuracy": train_accuracy,
                "test_accuracy": accuracy(probs, data.y_test),
                "test_nll": nll(probs, data.y_test),
                "ece": reliability_diagram(probs, data.y_test, ECE_BINS).ece,
                "epoch_seconds": seconds,
                "eval_seconds": time.perf_counter() - start,
            }
            for name, value in record.items():
                series[key][name].append(value)
            log(
                f"epoch {epoch}/{cfg.epochs} {key[0]:<13} {key[1]:<8} train acc {train_accuracy:.4f}  "
                f"test acc {record['test_accuracy']:.4f}  NLL {record['test_nll']:.4f}  "
                f"ECE {record['ece']:.4f}  {seconds:.2f} s"
            )
    models: dict[str, Any] = {}
    for kind in MODELS:
        entry = series[kind, "varbayes"]
        probs = final_probs[kind, "varbayes"]
        entry["final_reliability"] = _reliability_json(reliability_diagram(probs, data.y_test, ECE_BINS))
        if data.x_ood is not None:
            ood_entropy = predictive_entropy(runs[kind, "varbayes"].predict_proba(data.x_ood))
            entry["ood_auroc"] = auroc(ood_entropy, predictive_entropy(probs))
        if cfg.compare_torch:
            theirs = entry["torch"] = series[kind, "torch"]
            entry["torch_epoch_time_ratio"] = statistics.median(entry["epoch_seconds"]) / statistics.median(
                theirs["epoch_seconds"]
            )
        models[kind] = entry
    return {"dataset": data.name, "config": _config_json(cfg, data), "models": models}


def format_table(result: dict[str, Any]) -> str:
    """Final-epoch metrics, median epoch time, PyTorch ratio and OOD AUROC, one row per model."""
    cfg = result["config"]
    lines = [
        f"{result['dataset']}: {cfg['epochs']} epochs, n_train {cfg['n_train']}, batch {cfg['batch_size']}, "
        f"Adam lr {cfg['lr']}, {cfg['samples']} test samples, {cfg['threads']} threads",
        f"{'model':<15}{'test acc':>9}{'train acc':>10}{'NLL':>8}{'ECE':>8}{'epoch s':>9}{'torch s':>9}"
        f"{'ratio':>7}{'OOD AUROC':>11}",
    ]

    def fmt(value: float | None, width: int, digits: int) -> str:
        return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"

    for kind, m in result["models"].items():
        torch_seconds = statistics.median(m["torch"]["epoch_seconds"]) if "torch" in m else None
        lines.append(
            f"{kind:<15}{m['test_accuracy'][-1]:>9.4f}{m['train_accuracy'][-1]:>10.4f}"
            f"{m['test_nll'][-1]:>8.4f}{m['ece'][-1]:>8.4f}{statistics.median(m['epoch_seconds']):>9.2f}"
            f"{fmt(torch_seconds, 9, 2)}{fmt(m.get('torch_epoch_time_ratio'), 7, 2)}"
            f"{fmt(m.get('ood_auroc'), 11, 3)}"
        )
    return "\n".join(lines)


def plot_results(result: dict[str, Any], path: Path) -> None:
    """Accuracy per epoch of the three nets (as the reference study's figures 3.1/3.2) beside the
    reliability diagram of the final models."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'varbayes[bench]'") from exc
    from ..plot import plot_reliability, save_figure

    fig, (acc_ax, rel_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for kind, m in result["models"].items():
        epochs = np.arange(1, len(m["test_accuracy"]) + 1)
        (line,) = acc_ax.plot(epochs, m["test_accuracy"], marker=".", label=f"{kind} test")
        acc_ax.plot(epochs, m["train_accuracy"], ls="--", color=line.get_color(), label=f"{kind} train")
        r = m["final_reliability"]
        diagram = ReliabilityDiagram(
            *(np.asarray(r[k], dtype=float) for k in ("edges", "confidence", "accuracy", "counts")), r["ece"]
        )
        plot_reliability(diagram, ax=rel_ax, label=f"{kind} (ECE {r['ece']:.3f})")
    acc_ax.xaxis.get_major_locator().set_params(integer=True)
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_title(f"{result['dataset']}: accuracy per epoch")
    acc_ax.legend(fontsize="small")
    # Each plot_reliability call draws the diagonal; keep one legend entry per label.
    handles, labels = rel_ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    rel_ax.legend(unique.values(), unique.keys(), fontsize="small")
    rel_ax.set_title("reliability of the final models")
    save_figure(fig, path)
    plt.close(fig)


# ---- command line ---------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text}")
    return value


def add_parser(sub: Any) -> None:
    defaults = VisionConfig(dataset="fashion-mnist")
    p = sub.add_parser(
        "vision",
        help="deterministic vs Bayesian (reparameterized, LRT) 2x1200 MLPs on FashionMNIST or CIFAR-10",
    )
    p.add_argument("--dataset", choices=tuple(DATASETS), required=True)
    p.add_argument("--epochs", type=_positive_int, default=defaults.epochs)
    p.add_argument("--batch-size", type=_positive_int, default=defaults.batch_size)
    p.add_argument("--lr", type=float, default=defaults.lr, help="Adam learning rate (all models)")
    p.add_argument(
        "--samples",
        type=_positive_int,
        default=defaults.samples,
        help="weight samples per test prediction of the Bayesian nets",
    )
    p.add_argument(
        "--lr-schedule",
        choices=LR_SCHEDULES,
        default=defaults.lr_schedule,
        help="constant lr, or cosine annealing to 0 over the run (all models)",
    )
    p.add_argument("--prior-std", type=float, default=defaults.prior_std, help="std of the N(0, s^2) prior")
    p.add_argument(
        "--rho-init", type=float, default=defaults.rho_init, help="initial posterior rho (sigma = softplus)"
    )
    p.add_argument(
        "--kl-weight",
        type=_non_negative_float,
        default=defaults.kl_weight,
        help="weight beta of KL / n_train in the loss: 1 is the ELBO, < 1 a tempered posterior",
    )
    p.add_argument(
        "--kl-anneal-epochs",
        type=_non_negative_float,
        default=defaults.kl_anneal_epochs,
        help="KL weight rises linearly from 0 to --kl-weight over this many epochs (0: no annealing)",
    )
    p.add_argument(
        "--val-split",
        type=_fraction,
        default=defaults.val_split,
        help="hold out this fraction of the training set and evaluate on it instead of the test set "
        "(for choosing hyperparameters)",
    )
    p.add_argument("--json", type=Path, help="write the per-epoch results as JSON")
    p.add_argument("--plot", type=Path, help="write accuracy curves and reliability diagram (PNG)")
    p.add_argument("--compare-torch", action="store_true", help="also train the models in PyTorch")
    p.add_argument("--limit", type=_positive_int, help="use only the first N train and test images")
    p.add_argument("--data-dir", help="data directory (default: $VARBAYES_DATA, then the user cache, ...)")
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--threads", type=_positive_int, help="threads for varbayes and PyTorch")
    p.add_argument("--hidden", type=_positive_int, default=defaults.hidden, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    cfg = VisionConfig(**{f.name: getattr(args, f.name) for f in fields(VisionConfig)})
    if cfg.compare_torch:
        try:
            import torch  # noqa: F401  (fail before training, not after)
        except ImportError:
            print("--compare-torch needs PyTorch: pip install torch==2.13.0 (the CPU build)", file=sys.stderr)
            return 1
    if args.threads is not None:
        _core.set_num_threads(args.threads)
    try:
        data = load_data(cfg)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    result = run_benchmark(cfg, data)
    if args.json:
        atomic_write_bytes(args.json, json.dumps(result, indent=1).encode())
    if args.plot:
        plot_results(result, args.plot)
    print(format_table(result))
    return 0


__all__ = [
    "MODELS",
    "VisionConfig",
    "VisionData",
    "format_table",
    "load_data",
    "plot_results",
    "run_benchmark",
]
