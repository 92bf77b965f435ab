"""Train a Bayesian MLP on noisy sin(x): ELBO with KL annealing, warmup + cosine lr, clipping, early
stopping, a checkpoint, and predictive intervals. Run: python examples/python/train_bnn.py"""

import tempfile
from pathlib import Path

import numpy as np

import varbayes as vb
from varbayes.train import ELBO, EarlyStopping, KLSchedule, fit

rng = np.random.default_rng(0)
x = rng.uniform(-3, 3, (320, 1)).astype(np.float32)
y = (np.sin(x) + 0.1 * rng.standard_normal(x.shape)).astype(np.float32)
train, val = (x[:256], y[:256]), (x[256:], y[256:])

vb.manual_seed(0)
model = vb.nn.Sequential(vb.nn.BayesLinear(1, 32), vb.nn.Tanh(), vb.nn.BayesLinear(32, 1))
model.likelihood = vb.nn.GaussianLikelihood(0.3)
optimizer = vb.optim.Adam(model.parameters(), lr=0.03)
scheduler = vb.optim.lr_scheduler.WarmupCosine(optimizer, warmup_steps=40, total_steps=1200, min_lr=1e-4)
elbo = ELBO(n_data=256, likelihood="gaussian", kl_schedule=KLSchedule("linear", steps=400))
stopper = EarlyStopping(patience=20, monitor="val_nll")  # val_loss would grow with the annealed KL weight
options = dict(loss=elbo, optimizer=optimizer, scheduler=scheduler, epochs=150, batch_size=32, seed=0)
history = fit(model, train, val, clip_norm=5.0, early_stopping=stopper, **options)
print(f"epochs run {len(history.epochs)}, best epoch {history.best_epoch}, val NLL {stopper.best:.3f}")

with tempfile.TemporaryDirectory() as tmp:
    vb.save(model, Path(tmp) / "bnn.vb")
    restored = vb.load(Path(tmp) / "bnn.vb")

vb.manual_seed(1)
prediction = vb.predict(restored, val[0], n_samples=100)
lo, hi = prediction.interval(0.95)
print(f"noise std {restored.likelihood.std.item():.3f} (true 0.1)", end=", ")
print(
    f"RMSE {vb.metrics.rmse(prediction, val[1]):.3f}, 95% coverage {vb.metrics.coverage(lo, hi, val[1]):.2f}"
)
print(f"CRPS {vb.metrics.crps_gaussian(prediction, val[1]):.3f}")
