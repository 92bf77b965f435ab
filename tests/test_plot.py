"""vb.plot draws and saves each figure (content checked through the data it plots)."""

from pathlib import Path

import numpy as np
import pytest

import varbayes as vb

pytest.importorskip("matplotlib")
import varbayes.plot  # noqa: E402  (optional module: needs matplotlib)


def test_learning_rate_schedule_and_reliability_and_band_figures(tmp_path: Path) -> None:
    opt = vb.optim.SGD([vb.zeros(1, requires_grad=True)], lr=0.1)
    sched = vb.optim.lr_scheduler.WarmupCosine(opt, 5, 50, 1e-3)
    lrs = [sched.lr_at(0.1, t) for t in range(50)]
    fig = vb.plot.plot_lr_schedule(lrs, tmp_path / "lr.png")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), lrs)

    rng = np.random.default_rng(0)
    probs = vb.metrics.softmax(rng.standard_normal((200, 3)))
    targets = rng.integers(0, 3, 200)
    diagram = vb.metrics.reliability_diagram(probs, targets, n_bins=10)
    vb.plot.plot_reliability(diagram, tmp_path / "rel.png")

    net = vb.nn.Sequential(vb.nn.BayesLinear(1, 8), vb.nn.Tanh(), vb.nn.BayesLinear(8, 1))
    x = np.linspace(-1, 1, 20, dtype=np.float32)[:, None]
    pred = vb.predict(net, x, n_samples=10)
    fig = vb.plot.plot_predictive_band(x, pred, x, np.sin(x), path=tmp_path / "band.png")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), pred.mean.ravel())
    for name in ("lr.png", "rel.png", "band.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp*")), "no temporary files left behind"
