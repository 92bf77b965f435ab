"""
varbayes native core: tensors, autograd, modules, optimizers and CPU kernels
"""
from __future__ import annotations
import collections.abc
import numpy
import os
import typing
__all__: list[str] = ['Adadelta', 'Adagrad', 'Adam', 'AdamW', 'Adamax', 'BayesLinear', 'BayesLinearLRT', 'DType', 'Dropout', 'ELU', 'GELU', 'Generator', 'Hardtanh', 'Identity', 'LeakyReLU', 'Linear', 'LogSoftmax', 'Mish', 'Module', 'NAdam', 'Node', 'NormalPrior', 'Optimizer', 'PReLU', 'ParamGroup', 'Parameter', 'RAdam', 'RMSprop', 'ReLU', 'SGD', 'SGLD', 'Sequential', 'SiLU', 'Sigmoid', 'Softmax', 'Softplus', 'Softsign', 'Tanh', 'Tensor', 'abs', 'acos', 'acosh', 'add', 'all', 'amax', 'amin', 'any', 'arange', 'argmax', 'argmin', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'bitwise_and', 'bitwise_not', 'bitwise_or', 'bitwise_xor', 'bool', 'can_cast', 'cat', 'ceil', 'clamp', 'clip_grad_norm_', 'clip_grad_value_', 'clone', 'contiguous', 'cos', 'cosh', 'cpu_info', 'cross_entropy', 'default_generator', 'div', 'double', 'dropout', 'elu', 'empty', 'erf', 'erfc', 'erfinv', 'exp', 'exp2', 'expm1', 'eye', 'flatten', 'float', 'float32', 'float64', 'floor', 'floor_divide', 'fmod', 'frac', 'from_numpy', 'full', 'full_like', 'gaussian_nll_loss', 'gelu', 'generator_scope', 'get_num_threads', 'hardtanh', 'hypot', 'index_select', 'int', 'int32', 'int64', 'is_grad_enabled', 'is_parameter', 'is_sampling_enabled', 'isfinite', 'isinf', 'isnan', 'kl', 'kl_normal', 'leaky_relu', 'lerp', 'linear', 'linspace', 'load_module_cpp', 'log', 'log10', 'log1p', 'log2', 'log_softmax', 'logaddexp', 'logical_and', 'logical_not', 'logical_or', 'logical_xor', 'logit', 'logsumexp', 'long', 'manual_seed', 'matmul', 'max', 'maximum', 'mean', 'min', 'minimum', 'mish', 'mse_loss', 'mul', 'nan_to_num', 'neg', 'nll_loss', 'nonzero', 'ones', 'ones_like', 'permute', 'pow', 'prelu', 'promote_types', 'rand', 'randn', 'reciprocal', 'relu', 'remainder', 'reshape', 'result_type', 'round', 'rsqrt', 'sample_gaussian', 'save_module_cpp', 'set_grad_enabled', 'set_num_threads', 'set_sampling_enabled', 'sigmoid', 'sign', 'silu', 'sin', 'sinh', 'softmax', 'softplus', 'softsign', 'sqrt', 'square', 'squeeze', 'stack', 'std', 'sub', 'sum', 'tan', 'tanh', 'transpose', 'trunc', 'unsqueeze', 'var', 'where', 'zeros', 'zeros_like']
class DType:
    """
    Element type of a tensor: varbayes.float32, float64, int32, int64 or bool.
    
    Members:
    
      float32
    
      float64
    
      int32
    
      int64
    
      bool
    """
    __members__: typing.ClassVar[dict[str, DType]]
    bool: typing.ClassVar[DType]
    float32: typing.ClassVar[DType]
    float64: typing.ClassVar[DType]
    int32: typing.ClassVar[DType]
    int64: typing.ClassVar[DType]
    @staticmethod
    def __repr__(*args, **kwargs):
        """
        (self: varbayes._core.DType) -> str
        """
    @staticmethod
    def __str__(*args, **kwargs):
        """
        (self: varbayes._core.DType) -> str
        """
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
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def is_floating_point(self) -> bool:
        """
        True for float32 and float64.
        """
    @property
    def itemsize(self) -> int:
        """
        Bytes per element.
        """
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
    An n-dimensional array (float32, float64, int32, int64 or bool) with reverse-mode autodiff of its floating-point values.
    """
    def __abs__(self) -> Tensor:
        ...
    def __add__(self, arg0: typing.Any) -> Tensor:
        ...
    def __and__(self, arg0: typing.Any) -> Tensor:
        ...
    def __array__(self, dtype: typing.Any = None, copy: typing.Any = None) -> numpy.ndarray:
        ...
    def __bool__(self) -> bool:
        ...
    def __eq__(self, arg0: typing.Any) -> Tensor:
        ...
    def __float__(self) -> float:
        ...
    def __floordiv__(self, arg0: typing.Any) -> Tensor:
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
    def __index__(self) -> typing.Any:
        ...
    def __int__(self) -> int:
        ...
    def __invert__(self) -> Tensor:
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
    def __mod__(self, arg0: typing.Any) -> Tensor:
        ...
    def __mul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __ne__(self, arg0: typing.Any) -> Tensor:
        ...
    def __neg__(self) -> Tensor:
        ...
    def __or__(self, arg0: typing.Any) -> Tensor:
        ...
    def __pow__(self, arg0: typing.Any) -> Tensor:
        ...
    def __radd__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rand__(self, arg0: typing.Any) -> Tensor:
        ...
    def __repr__(self) -> str:
        ...
    def __rfloordiv__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rmatmul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rmod__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rmul__(self, arg0: typing.Any) -> Tensor:
        ...
    def __ror__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rpow__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rsub__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rtruediv__(self, arg0: typing.Any) -> Tensor:
        ...
    def __rxor__(self, arg0: typing.Any) -> Tensor:
        ...
    def __setitem__(self, arg0: typing.Any, arg1: typing.Any) -> None:
        ...
    def __sub__(self, arg0: typing.Any) -> Tensor:
        ...
    def __truediv__(self, arg0: typing.Any) -> Tensor:
        ...
    def __xor__(self, arg0: typing.Any) -> Tensor:
        ...
    def abs(self) -> Tensor:
        """
        Absolute value, elementwise.
        """
    def acos(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def acosh(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def add_(self, other: typing.Any, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> Tensor:
        """
        self += alpha * other, in place.
        """
    def all(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Whether every element is nonzero (over dim), as a bool tensor.
        """
    def amax(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Maximum over dim, an int or a tuple (ties share the gradient).
        """
    def amin(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Minimum over dim, an int or a tuple (ties share the gradient).
        """
    def any(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Whether any element is nonzero (over dim), as a bool tensor.
        """
    def argmax(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None, keepdim: bool = False) -> Tensor:
        """
        int64 index of the first maximum along dim (of the flattened tensor when dim is None).
        """
    def argmin(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None, keepdim: bool = False) -> Tensor:
        """
        int64 index of the first minimum along dim (of the flattened tensor when dim is None).
        """
    def asin(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def asinh(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def atan(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def atan2(self, other: typing.Any) -> Tensor:
        """
        Angle of the point (other, input) in (-pi, pi] (broadcasting).
        """
    def atanh(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def backward(self, gradient: Tensor | None = None, retain_graph: bool = False) -> None:
        """
        Accumulates d(self)/d(leaf) into each leaf's .grad; the graph is freed unless retain_graph.
        """
    def bitwise_and(self, other: typing.Any) -> Tensor:
        """
        Elementwise bitwise op of integer or bool tensors.
        """
    def bitwise_not(self) -> Tensor:
        """
        Elementwise ~ of an integer or bool tensor.
        """
    def bitwise_or(self, other: typing.Any) -> Tensor:
        """
        Elementwise bitwise op of integer or bool tensors.
        """
    def bitwise_xor(self, other: typing.Any) -> Tensor:
        """
        Elementwise bitwise op of integer or bool tensors.
        """
    def bool(self) -> Tensor:
        """
        A copy converted to this dtype (or the tensor).
        """
    def ceil(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def clamp(self, min: typing.Any = None, max: typing.Any = None) -> Tensor:
        """
        Limits values to [min, max] (either may be None); an integer tensor with a float bound becomes float32.
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
    def cos(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def cosh(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
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
        """
        A copy converted to this dtype (or the tensor).
        """
    def erf(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def erfc(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def erfinv(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def exp(self) -> Tensor:
        """
        e ** input, elementwise.
        """
    def exp2(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def expand(self, *args) -> Tensor:
        """
        A broadcast view to a larger shape (-1 keeps a size).
        """
    def expm1(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
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
        """
        A copy converted to this dtype (or the tensor).
        """
    def floor(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def floor_divide(self, arg0: typing.Any) -> Tensor:
        ...
    def fmod(self, other: typing.Any) -> Tensor:
        """
        Remainder of input / other with the sign of input, as C's fmod (broadcasting).
        """
    def frac(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def hypot(self, other: typing.Any) -> Tensor:
        """
        sqrt(input^2 + other^2) without overflow (broadcasting).
        """
    def index_select(self, dim: typing.SupportsInt | typing.SupportsIndex, index: typing.Any) -> Tensor:
        """
        Copies the entries at the given integer indices along dim.
        """
    def int(self) -> Tensor:
        """
        A copy converted to this dtype (or the tensor).
        """
    def is_contiguous(self) -> bool:
        """
        True when the elements are laid out row-major without gaps.
        """
    def is_floating_point(self) -> bool:
        """
        True when the dtype is float32 or float64.
        """
    def isfinite(self) -> Tensor:
        """
        True where the test holds: a bool tensor (no gradient).
        """
    def isinf(self) -> Tensor:
        """
        True where the test holds: a bool tensor (no gradient).
        """
    def isnan(self) -> Tensor:
        """
        True where the test holds: a bool tensor (no gradient).
        """
    def item(self) -> typing.Any:
        """
        The value of a one-element tensor as a Python float, int or bool (by dtype).
        """
    def lerp(self, end: typing.Any, weight: typing.Any) -> Tensor:
        """
        input + weight * (end - input); weight is a number or a tensor (broadcasting).
        """
    def log(self) -> Tensor:
        """
        Natural logarithm, elementwise.
        """
    def log10(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def log1p(self) -> Tensor:
        """
        log(1 + input), elementwise, accurate for small input.
        """
    def log2(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def log_softmax(self, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
        """
        Log-softmax along dim, computed stably.
        """
    def logaddexp(self, other: typing.Any) -> Tensor:
        """
        log(exp(input) + exp(other)), computed stably (broadcasting).
        """
    def logical_and(self, other: typing.Any) -> Tensor:
        """
        Elementwise logical op: a bool tensor.
        """
    def logical_not(self) -> Tensor:
        """
        Elementwise not: a bool tensor, true where input is zero.
        """
    def logical_or(self, other: typing.Any) -> Tensor:
        """
        Elementwise logical op: a bool tensor.
        """
    def logical_xor(self, other: typing.Any) -> Tensor:
        """
        Elementwise logical op: a bool tensor.
        """
    def logit(self, eps: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
        """
        log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
        """
    def logsumexp(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        log(sum(exp(x))) over dim, computed stably.
        """
    def long(self) -> Tensor:
        """
        A copy converted to this dtype (or the tensor).
        """
    def matmul(self, other: Tensor) -> Tensor:
        ...
    def max(self, dim: typing.Any = None, keepdim: bool = False) -> typing.Any:
        """
        The max of all elements; with an int dim, the named tuple (values, indices) along it (the gradient goes to the selected element); with a tuple of dims, the reduction over them (ties share the gradient); with a tensor, the elementwise maximum.
        """
    def maximum(self, arg0: typing.Any) -> Tensor:
        ...
    def mean(self, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
        """
        Mean over dim (all dims when None).
        """
    def min(self, dim: typing.Any = None, keepdim: bool = False) -> typing.Any:
        """
        The min of all elements; with an int dim, the named tuple (values, indices) along it (the gradient goes to the selected element); with a tuple of dims, the reduction over them (ties share the gradient); with a tensor, the elementwise minimum.
        """
    def minimum(self, arg0: typing.Any) -> Tensor:
        ...
    def mul_(self, arg0: typing.Any) -> Tensor:
        ...
    def nan_to_num(self, nan: typing.SupportsFloat | typing.SupportsIndex = 0.0, posinf: typing.SupportsFloat | typing.SupportsIndex | None = None, neginf: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
        """
        Replaces NaN, +inf and -inf (by default with 0 and the largest and lowest finite values).
        """
    def neg(self) -> Tensor:
        """
        -input, elementwise.
        """
    def nonzero(self, *, as_tuple: bool = False) -> typing.Any:
        """
        Indices of the nonzero elements: int64 (count, ndim), or one index tensor per dim.
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
    def prelu(self, weight: Tensor) -> Tensor:
        """
        x if x > 0, else weight x; weight has one value or one per channel (dimension 1).
        """
    def reciprocal(self) -> Tensor:
        """
        1 / input, elementwise.
        """
    def relu(self) -> Tensor:
        """
        max(input, 0), elementwise.
        """
    def remainder(self, arg0: typing.Any) -> Tensor:
        ...
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """
        Sets requires_grad in place and returns the tensor.
        """
    def reshape(self, *args) -> Tensor:
        ...
    def round(self, *, decimals: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
        """
        Rounds half to even, at `decimals` decimal places (negative: tens, hundreds, ...).
        """
    def rsqrt(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def sigmoid(self) -> Tensor:
        """
        1 / (1 + exp(-input)), elementwise, stable for large |input|.
        """
    def sign(self) -> Tensor:
        """
        -1, 0 or 1 by the sign of input (NaN stays NaN); no gradient flows through it.
        """
    def sin(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def sinh(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
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
    def square(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def squeeze(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> Tensor:
        """
        Removes dimensions of size 1 (only `dim` when given).
        """
    def std(self, dim: typing.Any = None, unbiased: typing.Any = None, keepdim: bool = False, *, correction: typing.Any = None) -> Tensor:
        """
        Standard deviation over dim: the square root of var with the same arguments.
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
    def tan(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def tanh(self) -> Tensor:
        """
        Hyperbolic tangent, elementwise.
        """
    def to(self, *args, **kwargs) -> Tensor:
        """
        As torch's: to(dtype), to(device, dtype=None), to(other_tensor) or to(device=..., dtype=...); a copy
        converted to the dtype (the tensor itself if it already has it). 'cpu' is the only device.
        """
    def tolist(self) -> typing.Any:
        """
        Nested Python lists of floats, ints or bools (by dtype).
        """
    def transpose(self, dim0: typing.SupportsInt | typing.SupportsIndex, dim1: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
        """
        Swaps two dimensions (a view).
        """
    def trunc(self) -> Tensor:
        """
        Elementwise function, as PyTorch's of the same name.
        """
    def type(self, dtype: typing.Any) -> Tensor:
        """
        A copy converted to dtype (the tensor itself if it already has it).
        """
    def unsqueeze(self, dim: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
        """
        Inserts a dimension of size 1 (a view).
        """
    def var(self, dim: typing.Any = None, unbiased: typing.Any = None, keepdim: bool = False, *, correction: typing.Any = None) -> Tensor:
        """
        Variance over dim with `correction` degrees of freedom removed (default 1: unbiased).
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
        Element type (varbayes.float32, float64, int32, int64, bool).
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
class generator_scope:
    """
    Context manager: inside ``with vb.generator_scope(g):`` every draw of this thread that names no
    generator (layer initialisation, Bayesian sampling, dropout, randn, SGLD's default seed) comes
    from g instead of the shared default generator, so threads working at the same time each get
    reproducible draws. Scopes nest; the scope affects only the thread that entered it.
    
    Parameters
    ----------
    generator : Generator
        The generator to draw from.
    """
    def __enter__(self) -> None:
        ...
    def __exit__(self, *args) -> None:
        ...
    def __init__(self, generator: typing.Any) -> None:
        ...
class Module:
    """
    Base class of all layers; subclass it and define forward().
    """
    def __call__(self, *args, **kwargs) -> typing.Any:
        """
        Calls forward() (through the forward hooks, if any).
        """
    def __deepcopy__(self, memo: dict) -> Module:
        """
        copy.deepcopy(module): the same as module.clone().
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
    def clone(self) -> Module:
        """
        A deep copy: the same module types and configuration (Python subclasses of Module with
        deep copies of their Python attributes), copies of the parameters and buffers, the training
        flag. A submodule or tensor shared within the tree is shared in the copy; gradients are not
        copied and no random numbers are drawn.
        
        Returns
        -------
        Module
            An independent module tree; ``copy.deepcopy(module)`` gives the same.
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
    def forward_with_kl(self, *args, **kwargs) -> tuple[typing.Any, Tensor]:
        """
        Calls the module and returns ``(output, kl)``, with kl = vb.nn.kl(self), for an ELBO.
        
        The Bayesian layers hand their KL over from the forward pass: a sampling layer forms its weight
        KL in the same pass over the posterior parameters as the weight sample, and backward forms all
        their gradients in one pass, so ``out, kl = model.forward_with_kl(x)`` costs one pass over the
        weights each way where ``model(x)`` followed by ``model.kl()`` costs two.
        
        Parameters
        ----------
        *args, **kwargs
            The arguments of forward().
        
        Returns
        -------
        tuple
            The output of forward() and the KL (a differentiable 0-d Tensor).
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
    def to(self, *args, **kwargs) -> typing.Any:
        """
        As torch's: to(dtype), to(device, dtype=None), to(tensor) or to(device=..., dtype=...); converts
        parameters and buffers in place and returns self. 'cpu' is the only device.
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
class SiLU(Module):
    """
    x sigmoid(x).
    """
    def __init__(self) -> None:
        ...
class Mish(Module):
    """
    x tanh(softplus(x)).
    """
    def __init__(self) -> None:
        ...
class Softsign(Module):
    """
    x / (1 + |x|).
    """
    def __init__(self) -> None:
        ...
class GELU(Module):
    """
    x Phi(x) (approximate='tanh': tanh approximation).
    """
    def __init__(self, approximate: str = 'none') -> None:
        ...
    @property
    def approximate(self) -> str:
        ...
class ELU(Module):
    """
    x if x > 0, else alpha (exp(x) - 1).
    """
    def __init__(self, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> None:
        ...
    @property
    def alpha(self) -> float:
        ...
class LeakyReLU(Module):
    """
    x if x > 0, else negative_slope x.
    """
    def __init__(self, negative_slope: typing.SupportsFloat | typing.SupportsIndex = 0.01) -> None:
        ...
    @property
    def negative_slope(self) -> float:
        ...
class Hardtanh(Module):
    """
    x clamped to [min_val, max_val].
    """
    def __init__(self, min_val: typing.SupportsFloat | typing.SupportsIndex = -1.0, max_val: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> None:
        ...
    @property
    def max_val(self) -> float:
        ...
    @property
    def min_val(self) -> float:
        ...
class Softmax(Module):
    """
    softmax along dim.
    """
    def __init__(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        ...
    @property
    def dim(self) -> int | None:
        ...
class LogSoftmax(Module):
    """
    log_softmax along dim.
    """
    def __init__(self, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        ...
    @property
    def dim(self) -> int | None:
        ...
class PReLU(Module):
    """
    x if x > 0, else weight x; weight is learnable (num_parameters values).
    """
    def __init__(self, num_parameters: typing.SupportsInt | typing.SupportsIndex = 1, init: typing.SupportsFloat | typing.SupportsIndex = 0.25, *, dtype: typing.Any = None) -> None:
        ...
    @property
    def num_parameters(self) -> int:
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
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, momentum: typing.SupportsFloat | typing.SupportsIndex = 0.0, dampening: typing.SupportsFloat | typing.SupportsIndex = 0.0, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        ...
class Adam(Optimizer):
    """
    Adam with L2 weight decay, as torch.optim.Adam.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        ...
class AdamW(Adam):
    """
    Adam with decoupled weight decay, as torch.optim.AdamW.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.01, amsgrad: bool = False, *, maximize: bool = False) -> None:
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
    keyed by seed (default: drawn from the current generator, see vb.generator_scope) and the parameter's index.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex, *, prior: typing.Any, n_data: typing.SupportsFloat | typing.SupportsIndex, temperature: typing.SupportsFloat | typing.SupportsIndex = 1.0, preconditioned: bool = False, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.99, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-05, seed: typing.SupportsIndex | None = None) -> None:
        ...
    @property
    def seed(self) -> int:
        """
        The key of the noise streams.
        """
class RMSprop(Optimizer):
    """
    RMSprop, as torch.optim.RMSprop: steps along g / (sqrt(v) + eps), v the moving average (weight
    alpha) of g^2, minus the squared moving average of g if centered; with momentum > 0 through a
    momentum buffer. State: square_avg, grad_avg (centered), momentum_buffer (momentum > 0).
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.01, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.99, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, momentum: typing.SupportsFloat | typing.SupportsIndex = 0.0, centered: bool = False, *, maximize: bool = False) -> None:
        ...
class Adagrad(Optimizer):
    """
    Adagrad, as torch.optim.Adagrad: steps along g / (sqrt(sum of g^2) + eps) with the learning rate
    lr / (1 + (t - 1) * lr_decay) at step t. State: sum (starting at initial_accumulator_value).
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.01, lr_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, initial_accumulator_value: typing.SupportsFloat | typing.SupportsIndex = 0.0, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-10, *, maximize: bool = False) -> None:
        ...
class Adadelta(Optimizer):
    """
    Adadelta (Zeiler 2012), as torch.optim.Adadelta: steps lr * g * sqrt(u + eps) / sqrt(v + eps), v and u
    the moving averages (weight rho) of g^2 and of the squared steps. State: square_avg, acc_delta.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 1.0, rho: typing.SupportsFloat | typing.SupportsIndex = 0.9, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-06, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, *, maximize: bool = False) -> None:
        ...
class Adamax(Optimizer):
    """
    Adamax, as torch.optim.Adamax: Adam with the infinity norm u = max(beta2 * u, |g| + eps) in place of
    the second moment. State: exp_avg, exp_inf.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.002, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, *, maximize: bool = False) -> None:
        ...
class NAdam(Optimizer):
    """
    NAdam (Dozat 2016), as torch.optim.NAdam: Adam with Nesterov momentum under the momentum schedule
    mu_t = beta1 * (1 - 0.96^(t * momentum_decay) / 2); decoupled_weight_decay decays the weights
    as AdamW does. State: exp_avg, exp_avg_sq, mu_product (a number).
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.002, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, momentum_decay: typing.SupportsFloat | typing.SupportsIndex = 0.004, decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        ...
class RAdam(Optimizer):
    """
    RAdam (Liu et al. 2020), as torch.optim.RAdam: Adam with its adaptive step rectified for its
    variance, and bias-corrected momentum SGD while that variance is intractable (rho_t <= 5);
    decoupled_weight_decay decays the weights as AdamW does. State: exp_avg, exp_avg_sq.
    """
    def __init__(self, params: typing.Any, lr: typing.SupportsFloat | typing.SupportsIndex = 0.001, betas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = (0.9, 0.999), eps: typing.SupportsFloat | typing.SupportsIndex = 1e-08, weight_decay: typing.SupportsFloat | typing.SupportsIndex = 0.0, decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        ...
def Parameter(data: Tensor, requires_grad: bool = True) -> Tensor:
    """
    Marks a tensor (a detached alias of data) as a parameter: assigning it to a Module attribute registers it.
    """
def abs(input: Tensor) -> Tensor:
    """
    Absolute value, elementwise.
    """
def acos(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def acosh(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def add(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input + other (broadcasting).
    """
def all(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Whether every element is nonzero (over dim), as a bool tensor.
    """
def amax(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Maximum over dim, an int or a tuple (ties share the gradient).
    """
def amin(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Minimum over dim, an int or a tuple (ties share the gradient).
    """
def any(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Whether any element is nonzero (over dim), as a bool tensor.
    """
def arange(start: typing.Any, end: typing.Any = None, step: typing.Any = 1, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    Values from start (or 0) up to end, exclusive, by step; int64 when all are integers, else float32.
    """
def argmax(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex | None = None, keepdim: bool = False) -> Tensor:
    """
    int64 index of the first maximum along dim (of the flattened tensor when dim is None).
    """
def argmin(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex | None = None, keepdim: bool = False) -> Tensor:
    """
    int64 index of the first minimum along dim (of the flattened tensor when dim is None).
    """
def asin(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def asinh(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def atan(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def atan2(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Angle of the point (other, input) in (-pi, pi] (broadcasting).
    """
def atanh(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def bitwise_and(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise bitwise op of integer or bool tensors.
    """
def bitwise_not(input: Tensor) -> Tensor:
    """
    Elementwise ~ of an integer or bool tensor.
    """
def bitwise_or(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise bitwise op of integer or bool tensors.
    """
def bitwise_xor(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise bitwise op of integer or bool tensors.
    """
def can_cast(from_: DType, to: DType) -> bool:
    """
    Whether an in-place op may cast from one dtype to the other (never to a lower category).
    """
def cat(tensors: collections.abc.Sequence[Tensor], dim: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
    """
    Concatenates tensors along an existing dimension.
    """
def ceil(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def clamp(input: Tensor, min: typing.Any = None, max: typing.Any = None) -> Tensor:
    """
    Limits values to [min, max] (either may be None); an integer tensor with a float bound becomes float32.
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
def cos(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def cosh(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
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
    input / other, true division (integer operands give float32; broadcasting).
    """
def dropout(input: Tensor, p: typing.SupportsFloat | typing.SupportsIndex = 0.5, training: bool = True, generator: typing.Any = None) -> Tensor:
    """
    Zeroes elements with probability p and scales the rest by 1/(1-p) when training.
    """
def elu(input: Tensor, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> Tensor:
    """
    x if x > 0, else alpha (exp(x) - 1).
    """
def empty(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    An uninitialised tensor.
    """
def erf(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def erfc(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def erfinv(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def exp(input: Tensor) -> Tensor:
    """
    e ** input, elementwise.
    """
def exp2(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def expm1(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def eye(n: typing.SupportsInt | typing.SupportsIndex, m: typing.SupportsInt | typing.SupportsIndex | None = None, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    The n x m identity matrix.
    """
def flatten(input: Tensor, start_dim: typing.SupportsInt | typing.SupportsIndex = 0, end_dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Merges dimensions start_dim..end_dim.
    """
def floor(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def floor_divide(input: typing.Any, other: typing.Any) -> Tensor:
    """
    floor(input / other), Python's //; integer division by zero raises.
    """
def fmod(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Remainder of input / other with the sign of input, as C's fmod (broadcasting).
    """
def frac(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def from_numpy(array: numpy.ndarray) -> Tensor:
    """
    A tensor sharing the memory of a float32/float64/int32/int64/bool NumPy array (no copy).
    """
def full(size: typing.Any, fill_value: typing.Any, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor filled with fill_value; the dtype defaults to int64 for an int, bool for a bool, else float32.
    """
def full_like(input: Tensor, fill_value: typing.SupportsFloat | typing.SupportsIndex, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    fill_value in input's shape and dtype (or dtype).
    """
def gaussian_nll_loss(input: Tensor, target: Tensor, var: typing.Any, full: bool = False, eps: typing.SupportsFloat | typing.SupportsIndex = 1e-06, reduction: str = 'mean') -> Tensor:
    """
    Gaussian negative log-likelihood with variance var, as PyTorch's.
    """
def gelu(input: Tensor, approximate: str = 'none') -> Tensor:
    """
    x Phi(x), Phi the standard normal CDF; approximate='tanh' uses the tanh approximation.
    """
def get_num_threads() -> int:
    """
    Number of threads used by kernels.
    """
def hardtanh(input: Tensor, min_val: typing.SupportsFloat | typing.SupportsIndex = -1.0, max_val: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> Tensor:
    """
    x clamped to [min_val, max_val] (no gradient at or beyond the bounds).
    """
def hypot(input: typing.Any, other: typing.Any) -> Tensor:
    """
    sqrt(input^2 + other^2) without overflow (broadcasting).
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
def isfinite(input: Tensor) -> Tensor:
    """
    True where the test holds: a bool tensor (no gradient).
    """
def isinf(input: Tensor) -> Tensor:
    """
    True where the test holds: a bool tensor (no gradient).
    """
def isnan(input: Tensor) -> Tensor:
    """
    True where the test holds: a bool tensor (no gradient).
    """
def kl(module: Module) -> Tensor:
    """
    Sum of the KL divergences of all Bayesian layers in module (a differentiable 0-d tensor).
    """
def kl_normal(mu_q: Tensor, rho_q: Tensor, mu_p: Tensor, std_p: Tensor) -> Tensor:
    """
    Sum of KL(N(mu_q, softplus(rho_q)^2) || N(mu_p, std_p^2)) over elements (fused, differentiable).
    """
def leaky_relu(input: Tensor, negative_slope: typing.SupportsFloat | typing.SupportsIndex = 0.01) -> Tensor:
    """
    x if x > 0, else negative_slope x.
    """
def lerp(input: Tensor, end: typing.Any, weight: typing.Any) -> Tensor:
    """
    input + weight * (end - input); weight is a number or a tensor (broadcasting).
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
def log10(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def log1p(input: Tensor) -> Tensor:
    """
    log(1 + input), elementwise, accurate for small input.
    """
def log2(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def log_softmax(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Log-softmax along dim, computed stably.
    """
def logaddexp(input: typing.Any, other: typing.Any) -> Tensor:
    """
    log(exp(input) + exp(other)), computed stably (broadcasting).
    """
def logical_and(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise logical op: a bool tensor.
    """
def logical_not(input: Tensor) -> Tensor:
    """
    Elementwise not: a bool tensor, true where input is zero.
    """
def logical_or(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise logical op: a bool tensor.
    """
def logical_xor(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise logical op: a bool tensor.
    """
def logit(input: Tensor, eps: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
    """
    log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
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
def max(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> typing.Any:
    """
    The max of all elements; with an int dim, the named tuple (values, indices) along it (the gradient goes to the selected element); with a tuple of dims, the reduction over them (ties share the gradient); with a tensor, the elementwise maximum.
    """
def maximum(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise maximum (NaN propagates).
    """
def mean(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Mean over dim (all dims when None).
    """
def min(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> typing.Any:
    """
    The min of all elements; with an int dim, the named tuple (values, indices) along it (the gradient goes to the selected element); with a tuple of dims, the reduction over them (ties share the gradient); with a tensor, the elementwise minimum.
    """
def minimum(input: typing.Any, other: typing.Any) -> Tensor:
    """
    Elementwise minimum (NaN propagates).
    """
def mish(input: Tensor) -> Tensor:
    """
    x tanh(softplus(x)).
    """
def mse_loss(input: Tensor, target: Tensor, reduction: str = 'mean') -> Tensor:
    """
    Mean squared error (shapes must match).
    """
def mul(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input * other (broadcasting).
    """
def nan_to_num(input: Tensor, nan: typing.SupportsFloat | typing.SupportsIndex = 0.0, posinf: typing.SupportsFloat | typing.SupportsIndex | None = None, neginf: typing.SupportsFloat | typing.SupportsIndex | None = None) -> Tensor:
    """
    Replaces NaN, +inf and -inf (by default with 0 and the largest and lowest finite values).
    """
def neg(input: Tensor) -> Tensor:
    """
    -input, elementwise.
    """
def nll_loss(input: Tensor, target: typing.Any, reduction: str = 'mean') -> Tensor:
    """
    Negative log-likelihood of integer class targets under log-probabilities (N, C).
    """
def nonzero(input: Tensor, *, as_tuple: bool = False) -> typing.Any:
    """
    Indices of the nonzero elements: int64 (count, ndim), or one index tensor per dim.
    """
def ones(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor of ones.
    """
def ones_like(input: Tensor, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    Ones of input's shape and dtype (or dtype).
    """
def permute(input: Tensor, dims: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> Tensor:
    """
    Reorders the dimensions (a view).
    """
def pow(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input ** other (broadcasting).
    """
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """
    x if x > 0, else weight x; weight has one value or one per channel (dimension 1).
    """
def promote_types(type1: DType, type2: DType) -> DType:
    """
    The smallest dtype both dtypes convert to without losing category or width.
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
def remainder(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input - other * floor(input / other): Python's %, the sign of other.
    """
def reshape(input: Tensor, shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> Tensor:
    """
    A tensor with the same elements and a new shape (a view when possible).
    """
def result_type(tensor1: typing.Any, tensor2: typing.Any) -> DType:
    """
    The dtype an op on the two operands (tensors or Python numbers) computes in, as torch.result_type.
    """
def round(input: Tensor, *, decimals: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
    """
    Rounds half to even, at `decimals` decimal places (negative: tens, hundreds, ...).
    """
def rsqrt(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
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
def silu(input: Tensor) -> Tensor:
    """
    x sigmoid(x) (swish).
    """
def sin(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def sinh(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def softmax(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex = -1) -> Tensor:
    """
    Softmax along dim.
    """
def softplus(input: Tensor) -> Tensor:
    """
    log(1 + exp(input)), elementwise, stable for large |input|.
    """
def softsign(input: Tensor) -> Tensor:
    """
    x / (1 + |x|).
    """
def sqrt(input: Tensor) -> Tensor:
    """
    Square root, elementwise.
    """
def square(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def squeeze(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex | None = None) -> Tensor:
    """
    Removes dimensions of size 1 (only `dim` when given).
    """
def stack(tensors: collections.abc.Sequence[Tensor], dim: typing.SupportsInt | typing.SupportsIndex = 0) -> Tensor:
    """
    Stacks tensors along a new dimension.
    """
def std(input: Tensor, dim: typing.Any = None, unbiased: typing.Any = None, keepdim: bool = False, *, correction: typing.Any = None) -> Tensor:
    """
    Standard deviation over dim: the square root of var with the same arguments.
    """
def sub(input: typing.Any, other: typing.Any) -> Tensor:
    """
    input - other (broadcasting).
    """
def sum(input: Tensor, dim: typing.Any = None, keepdim: bool = False) -> Tensor:
    """
    Sum over dim (all dims when None).
    """
def tan(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def tanh(input: Tensor) -> Tensor:
    """
    Hyperbolic tangent, elementwise.
    """
def transpose(input: Tensor, dim0: typing.SupportsInt | typing.SupportsIndex, dim1: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
    """
    Swaps two dimensions (a view).
    """
def trunc(input: Tensor) -> Tensor:
    """
    Elementwise function, as PyTorch's of the same name.
    """
def unsqueeze(input: Tensor, dim: typing.SupportsInt | typing.SupportsIndex) -> Tensor:
    """
    Inserts a dimension of size 1 (a view).
    """
def var(input: Tensor, dim: typing.Any = None, unbiased: typing.Any = None, keepdim: bool = False, *, correction: typing.Any = None) -> Tensor:
    """
    Variance over dim with `correction` degrees of freedom removed (default 1: unbiased).
    """
def where(condition: Tensor, input: typing.Any = None, other: typing.Any = None) -> typing.Any:
    """
    condition ? input : other for a bool condition (broadcasting; operands promoted as torch);
    where(condition) alone is nonzero(condition, as_tuple=True).
    """
def zeros(*args, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    A tensor of zeros.
    """
def zeros_like(input: Tensor, *, dtype: typing.Any = None, requires_grad: bool = False) -> Tensor:
    """
    Zeros of input's shape and dtype (or dtype).
    """
bool: DType
double: DType
float: DType
float32: DType
float64: DType
int: DType
int32: DType
int64: DType
long: DType
