"""Fit a small MLP to noisy sin(x) with varbayes: tensors, autograd, Module, Adam, clipping.

Run: python examples/python/quickstart.py
"""

import numpy as np

import varbayes as vb

rng = np.random.default_rng(0)
x = np.linspace(-3, 3, 256, dtype=np.float32)[:, None]
y = np.sin(x) + 0.1 * rng.standard_normal(x.shape).astype(np.float32)
X, Y = vb.from_numpy(x), vb.from_numpy(y)

vb.manual_seed(0)
model = vb.nn.Sequential(
    vb.nn.Linear(1, 32), vb.nn.Tanh(), vb.nn.Linear(32, 32), vb.nn.Tanh(), vb.nn.Linear(32, 1)
)
optimizer = vb.optim.Adam(model.parameters(), lr=1e-2)

for step in range(1, 501):
    optimizer.zero_grad()
    loss = vb.nn.functional.mse_loss(model(X), Y)
    loss.backward()
    grad_norm = vb.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step:4d}  mse {loss.item():.5f}  grad norm {grad_norm:.3f}")

with vb.no_grad():
    test = vb.tensor([[-2.0], [0.0], [2.0]])
    print("prediction at -2, 0, 2:", [round(v, 3) for v in model(test).numpy().ravel().tolist()])
    print("sin at      -2, 0, 2:", [round(float(np.sin(v)), 3) for v in (-2.0, 0.0, 2.0)])
