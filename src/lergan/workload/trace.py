"""Network and GAN descriptions from PyTorch modules, by running them on example inputs.

:func:`trace_network` runs a module once (on ``meta`` tensors if the module is on the meta
device) while forward hooks record every call of a standard layer module (``nn.Conv2d``,
``nn.BatchNorm1d``, ``nn.LeakyReLU``, ... and the modules of :mod:`lergan.workload.modules`)
and a :class:`torch.overrides.TorchFunctionMode` records the functions applied between them
(``torch.cat``, ``view``, ``+``, ``F.relu``, ``F.interpolate``, ...). Each recorded step
becomes a layer description; views (``view``, ``unsqueeze``, indexing that only adds unit
dimensions such as ``x[:, :, None, None]``) become ``reshape`` / ``flatten`` layers only
where their shape matters, and a vector tiled over a map (``y.view(B, C, 1, 1).expand(...)``) then
concatenated becomes a broadcasting ``concat``.

What it cannot describe exactly raises :class:`~lergan.errors.WorkloadError` naming the
module path and type (or the function): a module with its own parameters of an unknown
type, a layer option the descriptions do not have (``padding_mode="reflect"``, pooling with
``ceil_mode``), a weight shared between two calls, an operation on a tensor that is neither
an input nor computed from one. A traced workload is never silently wrong.

:func:`trace_gan` traces every network of a GAN: either like an existing description
(``like=``: same inputs, calls and losses; the modules replace its networks) or from
inputs, calls, losses and roles given explicitly.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from lergan.errors import WorkloadError
from lergan.workload import layers as L
from lergan.workload import modules as M
from lergan.workload.gan import GAN, GanInput, Loss, Network, NetworkCall, NetworkInput

__all__ = ["trace_gan", "trace_network"]


@dataclass
class _Value:
    """What the tracer knows about a tensor: the layer (or input) it comes from."""

    key: str | None  # materialised: a network input or a layer name
    shape: tuple[int, ...]  # per sample
    origin: _Value | None = None  # for views: the materialised tensor viewed
    broadcast: bool = False  # an expanded (tiled) view
    view_name: str = ""  # name for a reshape layer made of this view


@dataclass
class _Recorder:
    network: str
    batch: int
    values: dict[int, _Value] = field(default_factory=dict)
    keep: list[Tensor] = field(default_factory=list)
    layers: list[Any] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    counters: dict[str, int] = field(default_factory=dict)
    stack: list[tuple[str, nn.Module]] = field(default_factory=list)
    leaf_depth: int = 0
    calls: dict[int, int] = field(default_factory=dict)

    # --- naming and context ----------------------------------------------------------
    def where(self) -> str:
        for path, module in reversed(self.stack):
            if path:
                return f"module {path!r} ({type(module).__name__})"
        if self.stack:
            return f"network {self.network!r} ({type(self.stack[0][1]).__name__}.forward)"
        return f"network {self.network!r}"

    def fresh(self, base: str) -> str:
        base = base.replace(".", "_") or "layer"
        name, k = base, self.counters.get(base, 0)
        while name in self.names:
            k += 1
            name = f"{base}_{k}"
        self.counters[base] = k
        self.names.add(name)
        return name

    def function_name(self, fname: str) -> str:
        path = next((p for p, _ in reversed(self.stack) if p), "")
        return f"{path}_{fname}" if path else fname

    # --- tensors ---------------------------------------------------------------------
    def track(self, t: Tensor, value: _Value) -> None:
        self.values[id(t)] = value
        self.keep.append(t)

    def value(self, t: Any) -> _Value | None:
        return self.values.get(id(t)) if isinstance(t, Tensor) else None

    def per_sample(self, t: Tensor, what: str) -> tuple[int, ...]:
        if t.dim() == 0 or t.shape[0] != self.batch:
            raise WorkloadError(
                f"{self.where()}: {what} gives shape {tuple(t.shape)}, which no longer has "
                f"the batch ({self.batch}) first: not describable per sample"
            )
        return tuple(t.shape[1:])

    def materialise(self, v: _Value) -> str:
        if v.key is not None:
            return v.key
        assert v.origin is not None and v.origin.key is not None
        if v.broadcast:
            raise WorkloadError(
                f"network {self.network!r}: a tensor tiled with expand/repeat ({v.view_name}) "
                "is used other than by a concatenation along channels"
            )
        shape = v.shape if v.shape else (1,)
        if shape == v.origin.shape:
            v.key = v.origin.key
            return v.key
        name = self.fresh(v.view_name)
        if len(shape) == 1:
            layer: Any = L.Flatten(name=name, input=v.origin.key)
        else:
            layer = L.Reshape(name=name, input=v.origin.key, shape=shape)
        self.layers.append(layer)
        v.key = name
        return name

    def add_layer(self, cls: Any, name: str, reads: _Value, out: Tensor, **kwargs: Any) -> None:
        key = self.materialise(reads)
        try:
            layer = cls(name=name, input=key, **kwargs)
        except WorkloadError as exc:
            raise WorkloadError(f"{self.where()}: {exc}") from None
        self.layers.append(layer)
        self.track(out, _Value(name, self.per_sample(out, name)))

    # --- functions between modules ---------------------------------------------------
    def function(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        tracked = [a for a in _flat(args, kwargs) if self.value(a) is not None]
        if not tracked:
            return  # constants, parameters, shapes: nothing computed from the inputs
        fname = getattr(func, "__name__", str(func)).strip("_")
        if not isinstance(out, Tensor):
            if fname in _QUERIES or not isinstance(out, (Tensor, tuple, list)):
                return  # size(), dim(), shape: queries
            raise WorkloadError(f"{self.where()}: {fname} returns several tensors")
        x = self.value(args[0]) if args else None
        if fname == "getitem":
            if x is None or self.value(args[1]) is not None or not _adds_unit_dims(args[1]):
                raise WorkloadError(
                    f"{self.where()}: indexing with {_index_text(args[1])} is not describable "
                    "(only indexing that adds unit dimensions after the batch, "
                    "x[:, :, None, None], is: a reshape)"
                )
            fname = "index"
        if fname in _VIEWS:
            assert x is not None
            origin = x if x.key is not None else x.origin
            self.track(
                out,
                _Value(
                    None,
                    self.per_sample(out, fname),
                    origin=origin,
                    broadcast=x.broadcast,
                    view_name=x.view_name or self.function_name(fname),
                ),
            )
            return
        if fname in _IDENTITY:
            assert x is not None
            self.track(out, x)
            return
        if fname in _TILES:
            assert x is not None
            base = x if x.key is not None else x.origin
            assert base is not None
            if any(v != 1 for v in x.shape[1:]) or not x.shape:
                raise WorkloadError(
                    f"{self.where()}: {fname} of a {x.shape} tensor tiles more than a vector "
                    "over positions: only conditioning vectors can be tiled"
                )
            self.track(
                out,
                _Value(
                    None,
                    self.per_sample(out, fname),
                    origin=base,
                    broadcast=True,
                    view_name=self.function_name(fname),
                ),
            )
            return
        name = self.fresh(self.function_name(fname))
        if fname in ("cat", "concat", "concatenate"):
            self._cat(name, args, kwargs, out)
            return
        if fname in ("add", "radd") and len(tracked) == 2:
            a, b = (self.value(t) for t in tracked)
            assert a is not None and b is not None
            if a.shape != b.shape:
                raise WorkloadError(f"{self.where()}: {fname} of shapes {a.shape} and {b.shape}")
            src = self.materialise(b)
            self.add_layer(L.Add, name, a, out, source=src)
            return
        spec = _function_layer(fname, args, kwargs, x)
        if spec is None or len(tracked) != 1 or x is None:
            raise WorkloadError(
                f"{self.where()}: the function {fname!r} is not describable as a layer "
                "(supported between modules: cat, view/reshape/flatten/unsqueeze and "
                "indexing that adds unit dimensions, expand for conditioning, + of two "
                "tensors, relu, leaky_relu, tanh, sigmoid, elu, selu, gelu, softplus, softmax "
                "over channels, dropout, max/avg pooling, interpolate; scaling by a constant "
                "has no layer description)"
            )
        cls, kw = spec
        self.add_layer(cls, name, x, out, **kw)

    def _cat(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Tensor) -> None:
        tensors = list(args[0]) if args else list(kwargs.get("tensors", []))
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if dim < 0:
            dim += out.dim()
        if dim != 1:
            raise WorkloadError(f"{self.where()}: cat along dimension {dim}, not channels (1)")
        values = [self.value(t) for t in tensors]
        if any(v is None for v in values) or len(values) < 2:
            raise WorkloadError(
                f"{self.where()}: cat joins a tensor that is not computed from the inputs"
            )
        # the main operand: the first one that is not a tiled vector
        main_i = next((i for i, v in enumerate(values) if not v.broadcast), 0)  # type: ignore[union-attr]
        acc = values[main_i]
        assert acc is not None
        acc_key = self.materialise(acc)
        acc_shape = acc.shape
        for i, v in enumerate(values):
            if i == main_i:
                continue
            assert v is not None
            if v.broadcast:
                assert v.origin is not None and v.origin.key is not None
                src_key = v.origin.key
                src_shape = v.origin.shape
                broadcast = True
            else:
                src_key = self.materialise(v)
                src_shape = v.shape
                broadcast = False
            if i < main_i and i != 0:
                raise WorkloadError(f"{self.where()}: cat of more than one leading source")
            lname = (
                name
                if i == len(values) - 1 or (i == 0 and len(values) == 2)
                else (self.fresh(name))
            )
            layer = L.Concat(
                name=lname,
                input=acc_key,
                source=src_key,
                broadcast=broadcast,
                source_first=i < main_i,
            )
            acc_shape = layer.infer(acc_shape, (src_shape,))
            self.layers.append(layer)
            acc_key = lname
        self.track(out, _Value(acc_key, self.per_sample(out, "cat")))


_QUERIES = {"size", "dim", "numel", "shape", "get", "len", "ndim", "ndimension"}
_VIEWS = {"view", "reshape", "flatten", "unsqueeze", "squeeze", "view_as", "reshape_as", "index"}


def _adds_unit_dims(index: Any) -> bool:
    """Whether ``x[index]`` only inserts unit dimensions after the batch: full slices
    (``:``), ``None`` and at most one ``...``, the first entry not ``None``."""
    entries = index if isinstance(index, tuple) else (index,)
    full = [isinstance(e, slice) and e == slice(None) for e in entries]
    ellipses = sum(1 for e in entries if e is Ellipsis)
    return (
        bool(entries)
        and entries[0] is not None
        and ellipses <= 1
        and all(f or e is None or e is Ellipsis for f, e in zip(full, entries, strict=True))
    )


def _index_text(index: Any) -> str:
    entries = index if isinstance(index, tuple) else (index,)

    def one(e: Any) -> str:
        if e is Ellipsis:
            return "..."
        if isinstance(e, slice):
            start, stop = ("" if v is None else str(v) for v in (e.start, e.stop))
            return f"{start}:{stop}" + ("" if e.step is None else f":{e.step}")
        if isinstance(e, Tensor):
            return "a tensor"
        return repr(e)

    return "[" + ", ".join(one(e) for e in entries) + "]"


_IDENTITY = {"contiguous", "clone", "float", "to", "type_as"}
_TILES = {"expand", "expand_as", "repeat"}


def _flat(args: Any, kwargs: Any) -> list[Any]:
    out: list[Any] = []
    for a in (*args, *kwargs.values()):
        if isinstance(a, (list, tuple)):
            out.extend(a)
        else:
            out.append(a)
    return out


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], i: int, key: str, default: Any) -> Any:
    if key in kwargs:
        return kwargs[key]
    return args[i] if len(args) > i else default


def _function_layer(
    fname: str, args: tuple[Any, ...], kwargs: dict[str, Any], x: _Value | None
) -> tuple[Any, dict[str, Any]] | None:
    simple = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "selu": "selu"}
    base = fname.rstrip("_")
    if base in simple:
        return L.Activation, {"function": simple[base]}
    if base == "leaky_relu":
        return L.Activation, {
            "function": "leaky_relu",
            "negative_slope": float(_arg(args, kwargs, 1, "negative_slope", 0.01)),
        }
    if base == "elu":
        return L.Activation, {
            "function": "elu",
            "alpha": float(_arg(args, kwargs, 1, "alpha", 1.0)),
        }
    if base == "gelu" and kwargs.get("approximate", "none") == "none":
        return L.Activation, {"function": "gelu"}
    if base == "softplus" and _arg(args, kwargs, 1, "beta", 1) == 1:
        return L.Activation, {"function": "softplus"}
    if base == "softmax" and x is not None:
        dim = _arg(args, kwargs, 1, "dim", None)
        if dim in (1, -(len(x.shape))):
            return L.Activation, {"function": "softmax"}
        return None
    if base == "dropout":
        training = _arg(args, kwargs, 2, "training", True)
        return L.Dropout, {"p": float(_arg(args, kwargs, 1, "p", 0.5)) if training else 0.0}
    for op in ("max", "avg"):
        for rank in (1, 2, 3):
            if base == f"{op}_pool{rank}d":
                k = _arg(args, kwargs, 1, "kernel_size", None)
                stride = _arg(args, kwargs, 2, "stride", None) or k
                pad = _arg(args, kwargs, 3, "padding", 0)
                if op == "max":
                    ok = (
                        _arg(args, kwargs, 4, "dilation", 1) in (1, (1,) * rank)
                        and not _arg(args, kwargs, 5, "ceil_mode", False)
                        and not _arg(args, kwargs, 6, "return_indices", False)
                    )
                else:
                    ok = (
                        not _arg(args, kwargs, 4, "ceil_mode", False)
                        and _arg(args, kwargs, 5, "count_include_pad", True)
                        and _arg(args, kwargs, 6, "divisor_override", None) is None
                    )
                if not ok:
                    return None
                return L.Pool, {
                    "op": op,
                    "rank": rank,
                    "kernel_size": k,
                    "stride": stride,
                    "padding": pad,
                }
    if base == "interpolate" and x is not None:
        rank = len(x.shape) - 1
        size = _arg(args, kwargs, 1, "size", None)
        factor = _arg(args, kwargs, 2, "scale_factor", None)
        mode = _arg(args, kwargs, 3, "mode", "nearest")
        align = _arg(args, kwargs, 4, "align_corners", None)
        if rank not in (1, 2, 3):
            return None
        if size is not None:
            size = (size,) * rank if isinstance(size, int) else tuple(size)
            if any(o % i for o, i in zip(size, x.shape[1:], strict=True)):
                return None
            factor = tuple(o // i for o, i in zip(size, x.shape[1:], strict=True))
        linear = {1: "linear", 2: "bilinear", 3: "trilinear"}[rank]
        if mode not in ("nearest", linear) or factor is None or align:
            return None
        factor = (factor,) * rank if isinstance(factor, (int, float)) else tuple(factor)
        if any(float(f) != int(f) for f in factor):
            return None
        return L.Upsample, {
            "rank": rank,
            "scale_factor": tuple(int(f) for f in factor),
            "mode": "nearest" if mode == "nearest" else "linear",
        }
    return None


# --- modules --------------------------------------------------------------------------

_CONVS = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
_TCONVS = {nn.ConvTranspose1d: 1, nn.ConvTranspose2d: 2, nn.ConvTranspose3d: 3}
_BNS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_INS = (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)
_POOLS = {
    nn.MaxPool1d: ("max", 1),
    nn.MaxPool2d: ("max", 2),
    nn.MaxPool3d: ("max", 3),
    nn.AvgPool1d: ("avg", 1),
    nn.AvgPool2d: ("avg", 2),
    nn.AvgPool3d: ("avg", 3),
}
_SIMPLE_ACT = {
    nn.ReLU: "relu",
    nn.Tanh: "tanh",
    nn.Sigmoid: "sigmoid",
    nn.SELU: "selu",
    nn.Identity: "identity",
}


def _known(module: nn.Module) -> bool:
    return type(module) in _MODULE_TYPES


def _unsupported(path: str, module: nn.Module, why: str) -> WorkloadError:
    return WorkloadError(f"module {path!r} ({type(module).__name__}): {why}")


def _module_layer(
    path: str, module: nn.Module, x: _Value, extra: list[_Value]
) -> tuple[Any, dict[str, Any]]:
    t = type(module)
    if t is nn.Linear:
        return L.Linear, dict(
            in_features=module.in_features,
            out_features=module.out_features,
            bias=module.bias is not None,
        )
    if t in _CONVS or t in _TCONVS:
        rank = _CONVS.get(t) or _TCONVS[t]
        if module.padding_mode != "zeros":
            raise _unsupported(path, module, f"padding_mode={module.padding_mode!r} (only zeros)")
        padding = module.padding
        if isinstance(padding, str):
            if padding == "valid":
                padding = (0,) * rank
            else:  # "same" at stride 1: symmetric only
                total = [
                    d * (k - 1) for d, k in zip(module.dilation, module.kernel_size, strict=True)
                ]
                if any(v % 2 for v in total):
                    raise _unsupported(path, module, "padding='same' with asymmetric padding")
                padding = tuple(v // 2 for v in total)
        kw = dict(
            rank=rank,
            in_channels=module.in_channels,
            out_channels=module.out_channels,
            kernel_size=tuple(module.kernel_size),
            stride=tuple(module.stride),
            padding=tuple(padding),
            dilation=tuple(module.dilation),
            groups=module.groups,
            bias=module.bias is not None,
        )
        if t in _TCONVS:
            return L.ConvTranspose, {**kw, "output_padding": tuple(module.output_padding)}
        return L.Conv, kw
    if (isinstance(module, _BNS) and t in _BNS) or t in _INS:
        return L.BatchNorm if t in _BNS else L.InstanceNorm, dict(
            num_features=module.num_features,
            eps=module.eps,
            momentum=module.momentum,
            affine=module.affine,
            track_running_stats=module.track_running_stats,
        )
    if t in _SIMPLE_ACT:
        return L.Activation, {"function": _SIMPLE_ACT[t]}
    if t is nn.LeakyReLU:
        return L.Activation, {"function": "leaky_relu", "negative_slope": module.negative_slope}
    if t is nn.ELU:
        return L.Activation, {"function": "elu", "alpha": module.alpha}
    if t is nn.GELU:
        if module.approximate != "none":
            raise _unsupported(path, module, f"approximate={module.approximate!r}")
        return L.Activation, {"function": "gelu"}
    if t is nn.Softplus:
        if module.beta != 1 or module.threshold != 20:
            raise _unsupported(path, module, "beta or threshold other than PyTorch's defaults")
        return L.Activation, {"function": "softplus"}
    if t is nn.Softmax:
        if module.dim not in (1, -len(x.shape)):
            raise _unsupported(path, module, f"softmax over dim={module.dim}, not channels")
        return L.Activation, {"function": "softmax"}
    if t is nn.Dropout:
        return L.Dropout, {"p": module.p}
    if t is nn.Flatten:
        if module.start_dim != 1 or module.end_dim != -1:
            raise _unsupported(path, module, "flatten other than start_dim=1, end_dim=-1")
        return L.Flatten, {}
    if t is nn.Unflatten:
        if module.dim not in (1, -len(x.shape)):
            raise _unsupported(path, module, "unflatten other than of the channel dimension")
        return L.Reshape, {"shape": (*module.unflattened_size, *x.shape[1:])}
    if t in _POOLS:
        op, rank = _POOLS[t]
        if module.ceil_mode or (op == "max" and module.return_indices):
            raise _unsupported(path, module, "ceil_mode / return_indices are not describable")
        if op == "max" and module.dilation not in (1, (1,) * rank):
            raise _unsupported(path, module, "dilated max pooling is not describable")
        if op == "avg" and (not module.count_include_pad or module.divisor_override):
            raise _unsupported(path, module, "average pooling must count padding (default)")
        return L.Pool, dict(
            op=op,
            rank=rank,
            kernel_size=module.kernel_size,
            stride=module.stride,
            padding=module.padding,
        )
    if t is nn.Upsample:
        spec = _function_layer(
            "interpolate",
            (None, module.size, module.scale_factor, module.mode, module.align_corners),
            {},
            x,
        )
        if spec is None:
            raise _unsupported(path, module, "only integer scale factors, nearest or linear modes")
        return spec
    if t is M.Maxout:
        return L.Maxout, {"pieces": module.pieces}
    if t is M.Reshape:
        return L.Reshape, {"shape": module.shape}
    if t is M.Concat:
        return L.Concat, {"broadcast": module.broadcast, "source_first": module.source_first}
    if t is M.Add:
        return L.Add, {}
    raise _unsupported(path, module, "no layer description for this module")  # pragma: no cover


_MODULE_TYPES = {
    nn.Linear,
    *_CONVS,
    *_TCONVS,
    *_BNS,
    *_INS,
    *_SIMPLE_ACT,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.Softplus,
    nn.Softmax,
    nn.Dropout,
    nn.Flatten,
    nn.Unflatten,
    *_POOLS,
    nn.Upsample,
    M.Maxout,
    M.Reshape,
    M.Concat,
    M.Add,
}


class _Mode(TorchFunctionMode):
    def __init__(self, rec: _Recorder) -> None:
        super().__init__()
        self.rec = rec

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.rec.leaf_depth == 0:
            self.rec.function(func, args, kwargs, out)
        return out


def _input_names(module: nn.Module, count: int) -> list[str]:
    if isinstance(module, M.DescribedNetwork):
        return [i.name for i in module.description.inputs]
    params = [
        p
        for p in inspect.signature(module.forward).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(params) < count:
        raise WorkloadError(
            f"{type(module).__name__}.forward does not name its {count} inputs; pass "
            "example inputs as a dict {name: tensor} or input_names=[...]"
        )
    return [p.name for p in params[:count]]


def trace_network(
    module: nn.Module,
    example_inputs: Mapping[str, Tensor | Sequence[int]] | Sequence[Tensor | Sequence[int]],
    *,
    name: str = "net",
    role: str | None = None,
    input_names: Sequence[str] | None = None,
    batch: int = 2,
) -> Network:
    """The description of ``module`` as run on ``example_inputs``.

    Example inputs are tensors with the batch first, or per-sample shapes (then tensors of
    ``batch`` samples are made on the module's device). As a dict they name the network's
    inputs and are passed by keyword; as a sequence they are passed by position and named
    by ``input_names`` or the parameter names of ``module.forward``.
    """
    if not isinstance(module, nn.Module):
        raise WorkloadError(
            f"network {name!r}: expected a torch.nn.Module, got {type(module).__name__}")
    device = next((p.device for p in module.parameters()), torch.device("cpu"))

    def tensor(x: Any) -> Tensor:
        if isinstance(x, Tensor):
            return x
        try:
            shape = tuple(x)
        except TypeError:
            shape = None
        if not shape or any(isinstance(v, bool) or not isinstance(v, int) or v < 1
                            for v in shape):
            raise WorkloadError(
                f"network {name!r}: example input {x!r}: expected a tensor or a shape of "
                "positive integers")
        return torch.randn(batch, *shape, device=device)

    if isinstance(example_inputs, Mapping):
        names = list(example_inputs)
        tensors = [tensor(v) for v in example_inputs.values()]
        by_name = True
    else:
        tensors = [tensor(v) for v in example_inputs]
        names = list(input_names) if input_names else _input_names(module, len(tensors))
        by_name = False
    if not tensors:
        raise WorkloadError(f"network {name!r}: no example inputs")
    b = tensors[0].shape[0]
    rec = _Recorder(network=name, batch=b)
    inputs = []
    for n, t in zip(names, tensors, strict=True):
        shape = rec.per_sample(t, f"input {n!r}")
        inputs.append(NetworkInput(name=n, shape=shape))
        rec.names.add(n)
        rec.track(t, _Value(n, shape))

    handles = []
    for path, sub in module.named_modules():
        known = _known(sub)

        def pre(
            m: nn.Module, args: Any, kwargs: Any, known: bool = known, path: str = path
        ) -> None:
            rec.stack.append((path, m))
            if known:
                if rec.leaf_depth == 0 and list(m.parameters()) and rec.calls.get(id(m), 0):
                    raise _unsupported(path, m, "called twice: shared weights are not describable")
                rec.leaf_depth += 1
            elif not list(m.children()) and list(m.parameters(recurse=False)):
                raise _unsupported(path, m, "has parameters but no layer description")

        def post(
            m: nn.Module, args: Any, kwargs: Any, out: Any, known: bool = known, path: str = path
        ) -> None:
            rec.stack.pop()
            if not known:
                return
            rec.leaf_depth -= 1
            if rec.leaf_depth:
                return
            rec.calls[id(m)] = rec.calls.get(id(m), 0) + 1
            xs = [rec.value(a) for a in (*args, *kwargs.values())]
            if not xs or any(v is None for v in xs) or not isinstance(out, Tensor):
                raise _unsupported(
                    path, m, "called on a tensor that is not computed from the inputs"
                )
            x, extra = xs[0], xs[1:]
            assert x is not None
            cls, kw = _module_layer(path, m, x, extra)  # type: ignore[arg-type]
            lname = rec.fresh(path or type(m).__name__.lower())
            if extra:
                kw["source"] = rec.materialise(extra[0])  # type: ignore[arg-type]
            rec.add_layer(cls, lname, x, out, **kw)

        handles.append(sub.register_forward_pre_hook(pre, with_kwargs=True))
        handles.append(sub.register_forward_hook(post, with_kwargs=True))
    try:
        with _Mode(rec):
            out = module(**dict(zip(names, tensors, strict=True))) if by_name else module(*tensors)
    except WorkloadError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError) as exc:
        shapes = ", ".join(f"{n}: {tuple(t.shape[1:])}" for n, t in zip(names, tensors,
                                                                          strict=True))
        where = f" at {rec.where()}" if rec.stack else ""
        raise WorkloadError(
            f"network {name!r} ({type(module).__name__}){where} fails on example inputs "
            f"({shapes}) per sample: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        for h in handles:
            h.remove()
    v = rec.value(out)
    if v is None:
        raise WorkloadError(
            f"network {name!r} ({type(module).__name__}): forward must return one tensor "
            f"computed from the inputs, got {type(out).__name__}"
        )
    key = rec.materialise(v)
    if not rec.layers or rec.layers[-1].name != key:
        raise WorkloadError(
            f"network {name!r} ({type(module).__name__}): its output {key!r} is not the last "
            "operation it performs (layers computed after it would be lost)"
        )
    try:
        return Network(name=name, role=role, inputs=inputs, layers=rec.layers)
    except WorkloadError as exc:
        raise WorkloadError(f"tracing {type(module).__name__}: {exc}") from None


def trace_gan(
    modules: Mapping[str, nn.Module],
    *,
    like: GAN | None = None,
    name: str | None = None,
    source: str | None = None,
    description: str = "",
    inputs: Sequence[GanInput] | None = None,
    calls: Sequence[NetworkCall] | None = None,
    losses: Sequence[Loss] | None = None,
    roles: Mapping[str, str] | None = None,
    d_steps: int | None = None,
    g_steps: int | None = None,
    batch: int = 2,
) -> GAN:
    """A GAN description whose networks are traced from ``modules`` (keyed by network name).

    With ``like``, the GAN's inputs, calls, losses, roles, name, source and schedule
    (``d_steps``, ``g_steps``) come from that description (unless given) and each module is
    traced with its network's input shapes.
    Otherwise ``inputs``, ``calls``, ``losses`` and ``roles`` are required; each network's
    input shapes follow from its first call's bindings, and its input names are the keys of
    those bindings (passed to ``forward`` by keyword).
    """
    if like is not None:
        name = name or like.name
        source = source or like.source
        description = description or like.description
        inputs = inputs or like.inputs
        calls = calls or like.calls
        losses = losses or like.losses
        roles = roles or {n.name: n.role for n in like.networks}  # type: ignore[misc]
        d_steps = d_steps or like.d_steps
        g_steps = g_steps or like.g_steps
    missing = [
        k
        for k, v in (
            ("name", name),
            ("source", source),
            ("inputs", inputs),
            ("calls", calls),
            ("losses", losses),
            ("roles", roles),
        )
        if not v
    ]
    if missing:
        raise WorkloadError(f"trace_gan: give {', '.join(missing)} (or like=<a GAN>)")
    assert inputs is not None and calls is not None and roles is not None
    shapes: dict[str, tuple[int, ...]] = {i.name: tuple(i.shape) for i in inputs}
    networks: dict[str, Network] = {}
    pending = list(calls)
    for net_name in modules:
        if net_name not in roles:
            raise WorkloadError(f"trace_gan: network {net_name!r} has no role")
    while pending:
        ready = [c for c in pending if all(v in shapes for v in c.inputs.values())]
        if not ready:
            raise WorkloadError(
                f"trace_gan: call {pending[0].name!r} reads something that is neither an "
                "input nor a call"
            )
        for call in ready:
            pending.remove(call)
            if call.network not in modules:
                raise WorkloadError(f"trace_gan: no module for network {call.network!r}")
            if call.network not in networks:
                module = modules[call.network]
                if like is not None:
                    example = {i.name: i.shape for i in like.network(call.network).inputs}
                else:
                    example = {k: shapes[v] for k, v in call.inputs.items()}
                traced = trace_network(
                    module, example, name=call.network, role=roles[call.network], batch=batch
                )
                if like is not None:  # keep the template's documentation of the network
                    traced = traced.model_copy(
                        update={"description": like.network(call.network).description}
                    )
                networks[call.network] = traced
            shapes[call.name] = networks[call.network].output_shape
    unused = [n for n in modules if n not in networks]
    if unused:
        raise WorkloadError(f"trace_gan: no call uses network(s) {unused}")
    if like is not None:
        losses = [_matched_layer(loss, like, networks) for loss in losses or ()]
    order = [n for n in (like.networks if like else ()) if n.name in networks]
    ordered = [networks[n.name] for n in order] + [
        v for k, v in networks.items() if k not in {n.name for n in order}
    ]
    return GAN(
        name=name,
        source=source,
        description=description,
        inputs=tuple(inputs),
        networks=tuple(ordered),
        calls=tuple(calls),
        losses=tuple(losses or ()),
        d_steps=d_steps or 1,
        g_steps=g_steps or 1,
    )


def _matched_layer(loss: Loss, like: GAN, networks: Mapping[str, Network]) -> Loss:
    """A feature matching loss of the template ``like`` with its layer renamed to the traced
    network's layer at the same position (traced layers are named after module paths)."""
    if loss.layer is None:
        return loss
    net_name = like.call(loss.call).network
    traced = networks.get(net_name)
    if traced is None or loss.layer in {ls.layer.name for ls in traced.shapes()}:
        return loss
    template = [ls.layer.name for ls in like.network(net_name).shapes()]
    layers = [ls.layer.name for ls in traced.shapes()]
    if loss.layer not in template or len(layers) != len(template):
        raise WorkloadError(
            f"trace_gan: loss {loss.name!r} matches layer {loss.layer!r} of network "
            f"{net_name!r}, which the traced module has no layer of that name for and whose "
            f"layers do not line up with the description's ({len(layers)} vs "
            f"{len(template)}); give losses= naming the traced layers"
        )
    return loss.model_copy(update={"layer": layers[template.index(loss.layer)]})


def structure(network: Network) -> list[dict[str, Any]]:
    """``network``'s layers without their names: each layer's settings and output shape, and
    what it reads as positions (``"input:k"`` for the k-th network input, ``"layer:-j"`` for
    the layer j places earlier). Two networks that compute the same function with the same
    layers have equal structures however their layers are named (a module traced from
    official code against a suite description)."""
    names = {i.name: f"input:{k}" for k, i in enumerate(network.inputs)}
    out = []
    for i, ls in enumerate(network.shapes()):

        def ref(name: str, i: int = i) -> str:
            if name in names:
                return names[name]
            j = next(k for k, s in enumerate(network.shapes()) if s.layer.name == name)
            return f"layer:{j - i}"

        settings = ls.layer.model_dump(mode="json", exclude={"name", "input"})
        if "source" in settings:
            settings["source"] = ref(settings["source"])
        out.append(
            {
                **settings,
                "reads": ref(ls.input_name),
                "input_shape": list(ls.input_shape),
                "output_shape": list(ls.output_shape),
            }
        )
    return out
