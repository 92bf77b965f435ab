"""
varbayes native core: tensors, autograd, modules, optimizers and CPU kernels
"""
from __future__ import annotations
import collections.abc
import numpy
import os
import typing
__all__: list[str] = ['Adam', 'AdamW', 'BayesLinear', 'BayesLinearLRT', 'DType', 'Dropout', 'Generator', 'Identity', 'Linear', 'Module', 'Node', 'NormalPrior', 'Optimizer', 'ParamGroup', 'Parameter', 'ReLU', 'SGD', 'SGLD', 'Sequential', 'Sigmoid', 'Softplus', 'Tanh', 'Tensor', 'abs', 'add', 'arange', 'cat', 'clamp', 'clip_grad_norm_', 'clip_grad_value_', 'clone', 'contiguous', 'cpu_info', 'cross_entropy', 'default_generator', 'div', 'dropout', 'empty', 'exp', 'eye', 'flatten', 'float32', 'float64', 'from_numpy', 'full', 'full_like', 'gaussian_nll_loss', 'get_num_threads', 'index_select', 'is_grad_enabled', 'is_parameter', 'is_sampling_enabled', 'kl', 'kl_normal', 'linear', 'linspace', 'load_module_cpp', 'log', 'log1p', 'log_softmax', 'logsumexp', 'manual_seed', 'matmul', 'max', 'maximum', 'mean', 'min', 'minimum', 'mse_loss', 'mul', 'neg', 'nll_loss', 'ones', 'ones_like', 'permute', 'pow', 'rand', 'randn', 'reciprocal', 'relu', 'reshape', 'sample_gaussian', 'save_module_cpp', 'set_grad_enabled', 'set_num_threads', 'set_sampling_enabled', 'sigmoid', 'sign', 'softmax', 'softplus', 'sqrt', 'squeeze', 'stack', 'sub', 'sum', 'tanh', 'transpose', 'unsqueeze', 'var', 'where', 'zeros', 'zeros_like']
class DType:
    """
    Element type of a tensor (varbayes.float32 or varbayes.float64).
    
    Members:
    
      float32
    
      float64
    """
    __members__: typing.ClassVar[dict[str, DType]]
    float32: typing.ClassVar[DType]
    float64: typing.ClassVar[DType]
    @typing.overload
    def __eq__(self, other: DType) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: DType) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    @typing.overload
    def __repr__(self) -> str:
        ...
    @typing.overload
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def itemsize(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Node:
    """
    A node of the autograd graph (the op that made a tensor).
    """
    def __repr__(self) -> str:
        ...
    def name(self) -> str:
        """
        Name of the op.
        """
    @property
    def next_functions(self) -> list:
        """
        The nodes of the inputs (None for leaves and inputs without grad).
        """
class Tensor:
    """
    An n-dimensional float32/float64 array with reverse-mode autodiff.
    """
    def __abs__(self) -> Tensor:
        ...
    def __add__(self, arg0: typing.Any) -> Tensor:
        ...
    def __array__(self, dtype: typing.Any = None, copy: typing.Any = None) -> numpy.ndarray:
        ...
    def __bool__(self) -> bool:
        ...
    def __eq__(self, arg0: typing.Any) -> Tensor:
        ...
    def __float__(self) -> float:
        ...
    def __ge__(self, arg0: typing.Any) -> Tensor:
        ...
    def __getitem__(self, arg0: typing.Any) -> Tensor:
        ...
    def __gt__(self, arg0: typing.Any) -> Tensor:
        ...
    def __hash__(self) -> int:
        ...
    def __iadd__(self, arg0: typing.Any) -> Tensor:
        ...
    def __imul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __isub__(self, arg0: typing.Any) -> Tensor:
        ...
    def __itruediv__(self, arg0: typing.Any) -> Tensor:
        ...
    def __le__(self, arg0: typing.Any) -> Tensor:
        ...
    def __len__(self) -> int:
        ...
    def __lt__(self, arg0: typing.Any) -> Tensor:
        ...
    def __matmul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __mul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __ne__(self, arg0: typing.Any) -> Tensor:
        ...
    def __neg__(self) -> Tensor:
        ...
    def __pow__(self, arg0: typing.Any) -> Tensor:
        ...
    def __radd__(self, arg0: typing.Any) -> Tensor:
        ...
    def __repr__(self) -> str:
        ...
    def __rmatmul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rmul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rpow__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rsub__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rtruediv__(self, arg0: typing.Any) -> Tensor:
        ...
    def __setitem__(self, arg0: typing.Any, arg1: typing.Any) -> None:
        ...
    def __sub__(self, arg0: typing.Any) -> Tensor:
        ...
    def __truediv__(self, arg0: typing.Any) -> Tensor:
        ...
    def abs(self) -> Tensor:
        """
        Absolute value, elementwise.
        """
    def add_(self, other: typing.Any, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> Tensor:
        """
        self += alpha * other, in place.
        """
    def backward(self, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        """
        Accumulates d(self)/d(leaf) into each leaf's .grad; the graph is freed unless retain_graph.
        """
    def clamp(self, min: typing.SupportsFloat | typing.SupportsIndex | None = None, max: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
        """
        Limits values to [min, max] (either may be None).
        """
    def clone(self) -> Tensor:
        """
        A copy with its own storage (differentiable).
        """
    def contiguous(self) -> Tensor:
        """
        The tensor itself if contiguous, else a contiguous copy.
        """
    def copy_(self, arg0: typing.Any) -> Tensor:
        ...
    def detach(self) -> Tensor:
        """
        The same data without graph history.
        """
    def dim(self) -> int:
        """
        Number of dimensions.
        """
    def div_(self, arg0: typing.Any) -> Tensor:
        ...
    def double(self) -> Tensor:
        ...
    def exp(self) -> Tensor:
        """
        e ** input, elementwise.
        """
    def expand(self, *args) -> Tensor:
        """
        A broadcast view to a larger shape (-1 keeps a size).
        """
    def fill_(self, value: typing.SupportsFloat | typing.SupportsIndex) -> Tensor:
        """
        Sets every element to value, in place.
        """
    def flatten(self, start_dim: typing.SupportsInt | typing.SupportsIndex = 0, end_dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
        """
        Merges dimensions start_dim..end_dim.
        """
    def float(self) -> Tensor:
        ...
    def index_select(self, dim: typing.SupportsInt | typing.SupportsIndex, index: typing.Any) -> Tensor:
        """
        Copies the entries at the given integer indices along dim.
        """
    def is_contiguous(self) -> bool:
        """
        True when the elements are laid out row-major without gaps.
        """
    def item(self) -> float:
        """
        The value of a one-element tensor as a Python float.
        """
    def log(self) -> Tensor:
        """
        Natural logarithm, elementwise.
        """
    def log1p(self) -> Tensor:
        """
        log(1 + input), elementwise, accurate for small input.
        """
    def log_softmax(self, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
        """
        Log-softmax along dim, computed stably.
        """
    def logsumexp(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        log(sum(exp(x))) over dim, computed stably.
        """
    def matmul(self, other: Tensor) -> Tensor:
        ...
    def max(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Maximum over dim (ties share the gradient).
        """
    def maximum(self, arg0: typing.Any) -> Tensor:
        ...
    def mean(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Mean over dim (all dims when None).
        """
    def min(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Minimum over dim (ties share the gradient).
        """
    def minimum(self, arg0: typing.Any) -> Tensor:
        ...
    def mul_(self, arg0: typing.Any) -> Tensor:
        ...
    def neg(self) -> Tensor:
        """
        -input, elementwise.
        """
    def numel(self) -> int:
        """
        Number of elements.
        """
    def numpy(self) -> numpy.ndarray:
        """
        A NumPy array sharing this tensor's memory (no copy).
        """
    def permute(self, *args) -> Tensor:
        """
        Reorders the dimensions (a view).
        """
    def pow(self, exponent: typing.Any) -> Tensor:
        ...
    def reciprocal(self) -> Tensor:
        """
        1 / input, elementwise.
        """
    def relu(self) -> Tensor:
        """
        max(input, 0), elementwise.
        """
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """
        Sets requires_grad in place and returns the tensor.
        """
    def reshape(self, *args) -> Tensor:
        ...
    def sigmoid(self) -> Tensor:
        """
        1 / (1 + exp(-input)), elementwise, stable for large |input|.
        """
    def sign(self) -> Tensor:
        """
        -1, 0 or 1 by the sign of input (NaN stays NaN); no gradient flows through it.
        """
    def size(self, dim: typing.Any = None) -> typing.Any:
        """
        Shape, or the size of one dimension.
        """
    def softmax(self, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
        """
        Softmax along dim.
        """
    def softplus(self) -> Tensor:
        """
        log(1 + exp(input)), elementwise, stable for large |input|.
        """
    def sqrt(self) -> Tensor:
        """
        Square root, elementwise.
        """
    def squeeze(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> Tensor:
        """
        Removes dimensions of size 1 (only `dim` when given).
        """
    def stride(self, dim: typing.Any = None) -> typing.Any:
        """
        Strides in elements, or the stride of one dimension.
        """
    def sub_(self, other: typing.Any, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> Tensor:
        """
        self -= alpha * other, in place.
        """
    def sum(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Sum over dim (all dims when None).
        """
    def t(self) -> Tensor:
        """
        Transpose of a matrix.
        """
    def tanh(self) -> Tensor:
        """
        Hyperbolic tangent, elementwise.
        """
    def to(self, dtype: typing.Any) -> Tensor:
        """
        A copy converted to dtype (the tensor itself if it already has it).
        """
    def tolist(self) -> typing.Any:
        """
        Nested Python lists of floats.
        """
    def transpose(self, dim0: typing.SupportsInt | typing.SupportsIndex, dim1: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
        """
        Swaps two dimensions (a view).
        """
    def unsqueeze(self, dim: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
        """
        Inserts a dimension of size 1 (a view).
        """
    def var(self, dim: typing.Any = None, correction: typing.SupportsInt | typing.SupportsIndex = 1, keepdim: bool = False) -> Tensor:
        """
        Variance over dim with `correction` degrees of freedom removed (1: unbiased).
        """
    def view(self, *args) -> Tensor:
        """
        A view with a new shape; raises ValueError when the strides do not allow one.
        """
    def zero_(self) -> Tensor:
        """
        Sets every element to 0, in place.
        """
    @property
    def T(self) -> Tensor:
        """
        The tensor with its dimensions reversed.
        """
    @property
    def data(self) -> Tensor:
        """
        A detached alias of this tensor; assigning replaces the data of every alias.
        """
    @data.setter
    def data(self, arg1: Tensor) -> None:
        ...
    @property
    def dtype(self) -> DType:
        """
        Element type (varbayes.float32 or float64).
        """
    @property
    def grad(self) -> typing.Any:
        """
        Accumulated gradient (None until backward reaches this tensor).
        """
    @grad.setter
    def grad(self, arg1: typing.Any) -> None:
        ...
    @property
    def grad_fn(self) -> typing.Any:
        """
        The autograd node that produced this tensor (None for leaves).
        """
    @property
    def is_leaf(self) -> bool:
        """
        True for tensors not produced by a recorded op.
        """
    @property
    def ndim(self) -> int:
        """
        Number of dimensions.
        """
    @property
    def requires_grad(self) -> bool:
        """
        Whether gradients are computed for this tensor.
        """
    @requires_grad.setter
    def requires_grad(self, arg1: bool) -> None:
        ...
    @property
    def shape(self) -> tuple:
        """
        Sizes of the dimensions.
        """
class Generator:
    """
    Counter-based (Philox4x32-10) generator: draws depend only on the seed and how many values were drawn before, never on the thread count.
    """
    def __init__(self, seed: typing.SupportsIndex = 0) -> None:
        ...
    def get_state(self) -> tuple[int, int]:
        """
        (seed, offset), enough to reproduce the stream.
        """
    def initial_seed(self) -> int:
        """
        The seed.
        """
    def manual_seed(self, seed: typing.SupportsIndex) -> Generator:
        """
        Resets the generator to the start of the stream for seed.
        """
    def set_state(self, state: tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]) -> None:
        """
        Restores a state from get_state().
        """
    @property
    def offset(self) -> int:
        """
        Number of Philox blocks used so far (settable, to replay a stream).
        """
    @offset.setter
    def offset(self, arg1: typing.Any) -> None:
        ...
class Module:
    """
    Base class of all layers; subclass it and define forward().
    """
    def __call__(self, *args, **kwargs) -> typing.Any:
        """
        Calls forward() (through the forward hooks, if any).
        """
    def __delattr__(self, arg0: str) -> None:
        ...
    def __getattr__(self, arg0: str) -> typing.Any:
        ...
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def __setattr__(self, arg0: str, arg1: typing.Any) -> None:
        ...
    def add_module(self, name: str, module: Module) -> None:
        """
        Registers a submodule.
        """
    def apply(self, fn: typing.Any) -> typing.Any:
        """
        Calls fn on every submodule (children first, recursively), then on self; returns self.
        """
    def buffers(self, recurse: bool = True) -> list[Tensor]:
        """
        All buffers.
        """
    def children(self) -> list[Module]:
        """
        Direct submodules.
        """
    def double(self) -> typing.Any:
        ...
    def eval(self) -> typing.Any:
        """
        Sets evaluation mode (recursively); returns self.
        """
    def extra_repr(self) -> str:
        """
        Constructor arguments shown by repr().
        """
    def float(self) -> typing.Any:
        ...
    def forward(self, input: Tensor) -> Tensor:
        """
        The computation; subclasses override it.
        """
    def get_submodule(self, target: str) -> typing.Any:
        """
        The submodule at a dotted path such as 'encoder.0'; AttributeError if there is none.
        """
    def kl(self) -> Tensor:
        """
        Sum of the KL divergences of all Bayesian layers in this module.
        """
    def load_state_dict(self, state_dict: dict, strict: bool = True) -> typing.Any:
        """
        Copies values into the parameters/buffers (shapes checked; all keys must match when strict).
        """
    def modules(self) -> list[Module]:
        """
        This module and all descendants.
        """
    def named_buffers(self, recurse: bool = True) -> list:
        """
        (name, buffer) pairs.
        """
    def named_children(self) -> list[tuple[str, Module]]:
        """
        (name, module) pairs of direct submodules.
        """
    def named_modules(self) -> list[tuple[str, Module]]:
        """
        (name, module) pairs: this module ('') and all descendants.
        """
    def named_parameters(self, recurse: bool = True) -> list:
        """
        (name, parameter) pairs, each parameter once.
        """
    def parameters(self, recurse: bool = True) -> list[Tensor]:
        """
        All parameters, each once.
        """
    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """
        Registers a non-trainable tensor (None keeps an empty slot); a persistent one is saved in state_dict().
        """
    def register_forward_hook(self, hook: typing.Any) -> typing.Any:
        """
        hook(module, args, output) runs after forward; a non-None result replaces the output. Returns a handle whose remove() unregisters it.
        """
    def register_forward_pre_hook(self, hook: typing.Any) -> typing.Any:
        """
        hook(module, args) runs before forward; a non-None result replaces args. Returns a handle whose remove() unregisters it.
        """
    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """
        Registers a parameter (None keeps an empty slot).
        """
    def requires_grad_(self, requires_grad: bool = True) -> typing.Any:
        """
        Sets requires_grad on every parameter; returns self.
        """
    def state_dict(self) -> dict:
        """
        Parameters and buffers by dotted name, as NumPy arrays (copies).
        """
    def to(self, dtype: typing.Any) -> typing.Any:
        """
        Converts parameters and buffers in place; returns self.
        """
    def train(self, mode: bool = True) -> typing.Any:
        """
        Sets training mode (recursively); returns self.
        """
    def zero_grad(self, set_to_none: bool = True) -> None:
        """
        Clears the parameters' gradients.
        """
    @property
    def training(self) -> bool:
        """
        True in training mode.
        """
class Linear(Module):
    """
    y = x W^T + b; W is (out_features, in_features).
    """
    def __init__(self, in_features: typing.SupportsInt | typing.SupportsIndex, out_features: typing.SupportsInt | typing.SupportsIndex, bias: bool = True, *, dtype: typing.Any = None) -> None:
        ...
    def forward(self, input: Tensor) -> Tensor:
        ...
    @property
    def in_features(self) -> int:
        ...
    @property
    def out_features(self) -> int:
        ...
class ReLU(Module):
    """
    max(x, 0).
    """
    def __init__(self) -> None:
        ...
class Tanh(Module):
    """
    tanh(x).
    """
    def __init__(self) -> None:
        ...
class Sigmoid(Module):
    """
    1 / (1 + exp(-x)).
    """
    def __init__(self) -> None:
        ...
class Softplus(Module):
    """
    log(1 + exp(x)).
    """
    def __init__(self) -> None:
        ...
class Identity(Module):
    """
    Returns its input.
    """
    def __init__(self, *args, **kwargs) -> None:
        ...
class Dropout(Module):
    """
    Inverted dropout (identity in eval mode).
    """
    def __init__(self, p: typing.SupportsFloat | typing.SupportsIndex = 0.5) -> None:
        ...
    @property
    def p(self) -> float:
        ...
class Sequential(Module):
    """
    Applies its modules in order.
    """
    def __getitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> Module:
        ...
    def __init__(self, *args) -> None:
        ...
    def __iter__(self) -> collections.abc.Iterator:
        ...
    def __len__(self) -> int:
        ...
    def append(self, module: Module) -> typing.Any:
        ...
class NormalPrior(Module):
    """
    Gaussian prior N(mean, std^2): fixed (buffers) or trainable (parameters 'mean' and 'std_rho', std = softplus(std_rho)). mean/std are numbers (one prior for all weights) or arrays of a layer's weight shape (per-weight priors).
    """
    def __init__(self, mean: typing.Any = 0.0, std: typing.Any = 1.0, trainable: bool = False) -> None:
        ...
    @property
    def mean(self) -> Tensor:
        """
        The prior mean (differentiable).
        """
    @property
    def std(self) -> Tensor:
        """
        The prior standard deviation (differentiable).
        """
    @property
    def trainable(self) -> bool:
        ...
class BayesLinear(Module):
    """
    Linear layer with a mean-field Gaussian posterior over weights and bias (sigma = softplus(rho)); each forward in sampling mode draws one weight sample (Bayes by Backprop).
    """
    @staticmethod
    def from_linear(linear: Linear, prior: NormalPrior = None, posterior_rho_init: typing.SupportsFloat | typing.SupportsIndex = -5.0) -> BayesLinear:
        """
        A layer of the same shape whose posterior means start at the Linear layer's weights.
        """
    def __init__(self, in_features: typing.SupportsInt | typing.SupportsIndex, out_features: typing.SupportsInt | typing.SupportsIndex, bias: bool = True, prior: NormalPrior = None, posterior_rho_init: typing.SupportsFloat | typing.SupportsIndex = -5.0, *, dtype: typing.Any = None) -> None:
        ...
    def forward(self, input: Tensor) -> Tensor:
        ...
    def init_from(self, linear: Linear) -> None:
        """
        Copies a Linear layer's weight and bias into the posterior means.
        """
    def set_prior(self, weight_prior: NormalPrior, bias_prior: NormalPrior = None) -> None:
        """
        Sets the weight prior and the bias prior (the weight prior for both when bias_prior is None).
        """
    @property
    def in_features(self) -> int:
        ...
    @property
    def out_features(self) -> int:
        ...
    @property
    def sample(self) -> bool:
        """
        Draw samples in forward (else use posterior means).
        """
    @sample.setter
    def sample(self, arg0: bool) -> None:
        ...
class BayesLinearLRT(BayesLinear):
    """
    The same Bayesian linear layer with the local reparameterization estimator: samples the pre-activations (one draw per example and unit), never a weight matrix.
    """
    @staticmethod
    def from_linear(linear: Linear, prior: NormalPrior = None, posterior_rho_init: typing.SupportsFloat | typing.SupportsIndex = -5.0) -> BayesLinearLRT:
        """
        A layer of the same shape whose posterior means start at the Linear layer's weights.
        """
    def __init__(self, in_features: typing.SupportsInt | typing.SupportsIndex, out_features: typing.SupportsInt | typing.SupportsIndex, bias: bool = True, prior: NormalPrior = None, posterior_rho_init: typing.SupportsFloat | typing.SupportsIndex = -5.0, *, dtype: typing.Any = None) -> None:
        ...
    def forward(self, input: Tensor) -> Tensor:
        ...
class ParamGroup:
    """
    A live view of an optimizer's parameter group (dict-like).
    """
    def __contains__(self, arg0: str) -> bool:
        ...
    def __getitem__(self, arg0: str) -> typing.Any:
        ...
    def __setitem__(self, arg0: str, arg1: typing.Any) -> None:
        ...
    def get(self, key: str, default: typing.Any = None) -> typing.Any:
        ...
    def keys(self) -> list[str]:
        ...
class Optimizer:
    """
    Base class of optimizers.
    """
    def __repr__(self) -> str:
        ...
    def add_param_group(self, param_group: dict) -> None:
        """
        Adds a group {'params': [...], option: value}.
        """
    def load_state_dict(self, state_dict: dict) -> None:
        """
        Restores a state from state_dict().
        """
    def state_dict(self) -> dict:
        """
        Options and per-parameter state (NumPy arrays), keyed by parameter index.
        """
    def step(self) -> None:
        """
        Updates every parameter that has a gradient.
        """
    def zero_grad(self, set_to_none: bool = True) -> None:
        """
        Clears the gradients.
        """
    @property
    def param_groups(self) -> list[ParamGroup]:
        """
        Live views of the parameter groups: group['lr'] reads and writes the learning rate.
        """
class SGD(Optimizer):
    """
    Stochastic gradient descent, as torch.optim.SGD.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, momentum: typing.SupportsFloat | typing.SupportsIndex = 0.0, dampening: typing.SupportsFloat | typing.SupportsIndex = 0.0, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, nesterov: bool = False) -> None:
        ...
class Adam(Optimizer):
    """
    Adam with L2 weight decay, as torch.optim.Adam.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, amsgrad: bool = False) -> None:
        ...
class AdamW(Adam):
    """
    Adam with decoupled weight decay, as torch.optim.AdamW.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.01, amsgrad: bool = False) -> None:
        ...
class SGLD(Optimizer):
    """
    Stochastic-gradient Langevin dynamics (Welling & Teh 2011); pSGLD (Li et al. 2016) with preconditioned=True.
    
    Backpropagate the mean NLL of the minibatch; the step is
    theta <- theta - lr * G * grad U + sqrt(2 * lr * temperature * G) * xi, xi ~ N(0, 1),
    U = n_data * (mean minibatch NLL) - log N(theta; prior_mean, prior_std^2), so the visited weights
    sample exp(-U / temperature). G = 1 (SGLD) or 1 / (eps + sqrt(V)), V <- alpha V + (1 - alpha) g^2
    (pSGLD, V starting at g^2, Gamma correction neglected as by Li et al.). prior: a vb.nn.NormalPrior
    with one mean and std, a (mean, std) pair or a std (mean 0); fixed. The noise is a Philox stream
    keyed by seed (default: drawn from the default generator) and the parameter's index.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex, *, prior: typing.Any, n_data: typing.SupportsFloat | typing.SupportsIndex, temperature: typing.SupportsFloat | typing.SupportsIndex = 1.0, preconditioned: bool = False, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.99, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-05, seed: typing.SupportsIndex | None = None) -> None:
        ...
    @property
    def seed(self) -> int:
        """
        The key of the noise streams.
        """
def Parameter(data: Tensor, requires_grad: bool = True) -> Tensor:
    """
    Marks a tensor (a detached alias of data) as a parameter: assigning it to a Module attribute registers it.
    """
def abs(input: Tensor) -> Tensor:
    """
    Absolute value, elementwise.
    """
def add(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input + other (broadcasting).
    """
def arange(start: typing.SupportsFloat | typing.SupportsIndex, end: typing.Any = None, step: typing.SupportsFloat | typing.SupportsIndex = 1.0, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    Values from start (or 0) up to end, exclusive, by step.
    """
def cat(tensors: collections.abc.Sequence[Tensor], dim: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
    """
    Concatenates tensors along an existing dimension.
    """
def clamp(input: Tensor, min: typing.SupportsFloat | typing.SupportsIndex | None = None, max: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
    """
    Limits values to [min, max] (either may be None).
    """
def clip_grad_norm_(parameters: typing.Any, max_norm: typing.SupportsFloat | typing.SupportsIndex, norm_type: typing.SupportsFloat | typing.SupportsIndex = 2.0, error_if_nonfinite: bool = False, foreach: typing.Any = None) -> float:
    """
    Scales gradients so their global norm of order norm_type is at most max_norm; returns the norm before clipping (a float).
    """
def clip_grad_value_(parameters: typing.Any, clip_value: typing.SupportsFloat | typing.SupportsIndex) -> None:
    """
    Clamps gradient elements to [-clip_value, clip_value].
    """
def clone(input: Tensor) -> Tensor:
    """
    A copy with its own storage (differentiable).
    """
def contiguous(input: Tensor) -> Tensor:
    """
    The tensor itself if contiguous, else a contiguous copy.
    """
def cpu_info() -> dict:
    """
    Active kernel ISA level ('scalar', 'avx2', 'avx512'), the best the CPU supports, its features and the thread count.
    """
def cross_entropy(input: Tensor, target: typing.Any, reduction: str = 'mean') -> Tensor:
    """
    Cross-entropy of logits (N, C) and integer class targets (N,).
    """
def default_generator() -> Generator:
    """
    The process-wide generator used when none is given.
    """
def div(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input / other (broadcasting).
    """
def dropout(input: Tensor, p: typing.SupportsFloat | typing.SupportsIndex = 0.5, training: bool = True, generator: typing.Any = None) -> Tensor:
    """
    Zeroes elements with probability p and scales the rest by 1/(1-p) when training.
    """
def empty(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    An uninitialised tensor.
    """
def exp(input: Tensor) -> Tensor:
    """
    e ** input, elementwise.
    """
def eye(n: typing.SupportsInt | typing.SupportsIndex, m: typing.SupportsInt | typing.SupportsIndex | None = None, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    The n x m identity matrix.
    """
def flatten(input: Tensor, start_dim: typing.SupportsInt | typing.SupportsIndex = 0, end_dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Merges dimensions start_dim..end_dim.
    """
def from_numpy(array: numpy.ndarray) -> Tensor:
    """
    A tensor sharing the memory of a float32/float64 NumPy array (no copy).
    """
def full(size: typing.Any, fill_value: typing.SupportsFloat | typing.SupportsIndex, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor filled with fill_value.
    """
def full_like(input: Tensor, fill_value: typing.SupportsFloat | typing.SupportsIndex) -> Tensor:
    """
    fill_value in input's shape and dtype.
    """
def gaussian_nll_loss(input: Tensor, target: Tensor, var: typing.Any, full: bool = False, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-06, reduction: str = 'mean') -> Tensor:
    """
    Gaussian negative log-likelihood with variance var, as PyTorch's.
    """
def get_num_threads() -> int:
    """
    Number of threads used by kernels.
    """
def index_select(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex, index: typing.Any) -> Tensor:
    """
    Copies the entries at the given integer indices along dim.
    """
def is_grad_enabled() -> bool:
    """
    Whether ops record the autograd graph in this thread.
    """
def is_parameter(tensor: Tensor) -> bool:
    """
    True for a tensor made by Parameter() or registered as a module parameter.
    """
def is_sampling_enabled() -> bool:
    """
    Whether Bayesian layers sample (thread-local).
    """
def kl(module: Module) -> Tensor:
    """
    Sum of the KL divergences of all Bayesian layers in module (a differentiable 0-d tensor).
    """
def kl_normal(mu_q: Tensor, rho_q: Tensor, mu_p: Tensor, std_p: Tensor) -> Tensor:
    """
    Sum of KL(N(mu_q, softplus(rho_q)^2) || N(mu_p, std_p^2)) over elements (fused, differentiable).
    """
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """
    input @ weight.T + bias in one fused GEMM.
    """
def linspace(start: typing.SupportsFloat | typing.SupportsIndex, end: typing.SupportsFloat | typing.SupportsIndex, steps: typing.SupportsInt | typing.SupportsIndex, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    `steps` evenly spaced values from start to end inclusive.
    """
def load_module_cpp(path: os.PathLike | str | bytes) -> Module:
    """
    Rebuilds a module with the C++ checkpoint reader (files of vb.save or save_module_cpp).
    """
def log(input: Tensor) -> Tensor:
    """
    Natural logarithm, elementwise.
    """
def log1p(input: Tensor) -> Tensor:
    """
    log(1 + input), elementwise, accurate for small input.
    """
def log_softmax(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Log-softmax along dim, computed stably.
    """
def logsumexp(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    log(sum(exp(x))) over dim, computed stably.
    """
def manual_seed(seed: typing.SupportsIndex) -> None:
    """
    Seeds the default generator.
    """
def matmul(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Matrix product with NumPy semantics (1-D, 2-D, batched).
    """
def max(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Maximum over dim (ties share the gradient).
    """
def maximum(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise maximum (NaN propagates).
    """
def mean(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Mean over dim (all dims when None).
    """
def min(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Minimum over dim (ties share the gradient).
    """
def minimum(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise minimum (NaN propagates).
    """
def mse_loss(input: Tensor, target: Tensor, reduction: str = 'mean') -> Tensor:
    """
    Mean squared error (shapes must match).
    """
def mul(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input * other (broadcasting).
    """
def neg(input: Tensor) -> Tensor:
    """
    -input, elementwise.
    """
def nll_loss(input: Tensor, target: typing.Any, reduction: str = 'mean') -> Tensor:
    """
    Negative log-likelihood of integer class targets under log-probabilities (N, C).
    """
def ones(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor of ones.
    """
def ones_like(input: Tensor) -> Tensor:
    """
    Ones of input's shape and dtype.
    """
def permute(input: Tensor, dims: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> Tensor:
    """
    Reorders the dimensions (a view).
    """
def pow(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input ** other (broadcasting).
    """
def rand(*args, dtype: typing.Any = None, requires_grad: bool = False, generator: typing.Any = None) -> Tensor:
    """
    Uniform samples in [0, 1) (counter-based Philox generator).
    """
def randn(*args, dtype: typing.Any = None, requires_grad: bool = False, generator: typing.Any = None) -> Tensor:
    """
    Standard normal samples (counter-based Philox generator).
    """
def reciprocal(input: Tensor) -> Tensor:
    """
    1 / input, elementwise.
    """
def relu(input: Tensor) -> Tensor:
    """
    max(input, 0), elementwise.
    """
def reshape(input: Tensor, shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> Tensor:
    """
    A tensor with the same elements and a new shape (a view when possible).
    """
def sample_gaussian(mu: Tensor, rho: Tensor, generator: typing.Any = None) -> Tensor:
    """
    mu + softplus(rho) * eps, eps ~ N(0, 1) (fused; eps is regenerated in backward).
    """
def save_module_cpp(module: Module, path: os.PathLike | str | bytes) -> None:
    """
    Writes module with the C++ checkpoint writer (the format of vb.save).
    """
def set_grad_enabled(mode: bool) -> None:
    """
    Turns graph recording on or off in this thread.
    """
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Sets the number of threads used by kernels (n >= 1). Results do not depend on it beyond round-off.
    """
def set_sampling_enabled(mode: bool) -> None:
    """
    Turns sampling in Bayesian layers on or off in this thread.
    """
def sigmoid(input: Tensor) -> Tensor:
    """
    1 / (1 + exp(-input)), elementwise, stable for large |input|.
    """
def sign(input: Tensor) -> Tensor:
    """
    -1, 0 or 1 by the sign of input (NaN stays NaN); no gradient flows through it.
    """
def softmax(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Softmax along dim.
    """
def softplus(input: Tensor) -> Tensor:
    """
    log(1 + exp(input)), elementwise, stable for large |input|.
    """
def sqrt(input: Tensor) -> Tensor:
    """
    Square root, elementwise.
    """
def squeeze(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> Tensor:
    """
    Removes dimensions of size 1 (only `dim` when given).
    """
def stack(tensors: collections.abc.Sequence[Tensor], dim: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
    """
    Stacks tensors along a new dimension.
    """
def sub(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input - other (broadcasting).
    """
def sum(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Sum over dim (all dims when None).
    """
def tanh(input: Tensor) -> Tensor:
    """
    Hyperbolic tangent, elementwise.
    """
def transpose(input: Tensor, dim0: typing.SupportsInt | typing.SupportsIndex, dim1: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
    """
    Swaps two dimensions (a view).
    """
def unsqueeze(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
    """
    Inserts a dimension of size 1 (a view).
    """
def var(input: Tensor, dim: typing.Any = None, correction: typing.SupportsInt | typing.SupportsIndex = 1, keepdim: bool = False) -> Tensor:
    """
    Variance over dim with `correction` degrees of freedom removed (1: unbiased).
    """
def where(condition: Tensor, input: typing.Any, other: typing.Any) -> Tensor:
    """
    condition != 0 ? input : other (broadcasting).
    """
def zeros(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor of zeros.
    """
def zeros_like(input: Tensor) -> Tensor:
    """
    Zeros of input's shape and dtype.
    """
float32: DType
float64: DType
