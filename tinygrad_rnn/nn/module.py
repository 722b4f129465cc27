"""Module: how a model keeps track of its weights and buffers (PyTorch's `nn.Module`).

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16)          # a submodule: registered under "lstm"
            self.fc = nn.Linear(16, 4)          # registered under "fc"
            self.scale = nn.Parameter([1.0])    # a parameter: registered under "scale"

        def forward(self, x):
            output, _ = self.lstm(x)            # runs inside tg.scope("lstm")
            return self.fc(output) * self.scale

    model = Model()
    [name for name, _ in model.named_parameters()]
    # ['scale', 'lstm.weight_ih_l0', 'lstm.weight_hh_l0', ..., 'fc.weight', 'fc.bias']

Assigning a `Parameter` or a `Module` to an attribute registers it (in assignment order),
so `parameters()`, `state_dict()`, `train()` and `zero_grad()` find it. The attribute
itself is a plain instance attribute, so `model.fc.weight` is what you see in a debugger.

Calling a module (`model(x)`) enters `tg.scope(<name>)` - the attribute name under which
it was registered in its parent, or its lowercased class name at the top - and then runs
`forward`. Every node the module creates therefore carries that name in `node.scope`,
which is how `viz` draws one box per layer.

`register_buffer(name, tensor)` keeps a Tensor that is not trained (a loss's class
weights): `buffers()` lists it, `double()`/`float()`/`to(dtype)` convert it with the
parameters, and `state_dict()` saves it unless `persistent=False`.

Walks over the module tree use an explicit stack (no recursion), like the backward pass.
Parameter itself is in parameter.py; the checks of `load_state_dict` are in state_dict.py;
ModuleList, ModuleDict, ParameterList and ParameterDict are in containers.py.

Read next: containers.py, then layers.py (Linear, Embedding, Dropout, Sequential), then cells.py.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping

import numpy as np

from ..checks import describe
from ..errors import ArgumentError
from ..graph import scope
from ..tensor import Tensor
from .checks import check_flag, fail, layer_name, user_stacklevel
from .conversion import convert_floats, module_dtype
from .parameter import Parameter, parameter_array, uniform_parameter
from .state_dict import IncompatibleKeys, check_state_dict_argument, match_state_dict

# Parameter, uniform_parameter and IncompatibleKeys live in parameter.py and
# state_dict.py; importing them from here (their old home) keeps working.
__all__ = [
    "IncompatibleKeys",
    "Module",
    "ModuleList",
    "Parameter",
    "parameter_array",
    "require_module",
    "uniform_parameter",
]


def prefix_parameter_labels(child: Module, name: str) -> None:
    """Label the child's parameters with their dotted path as seen from the parent
    ("weight" -> "fc.weight"), so a picture of a whole model names every parameter the
    way `named_parameters()` does. Labels a user chose are kept."""
    for relative_name, param in child.named_parameters():
        if param.label == relative_name:
            param.label = f"{name}.{relative_name}"


class Module:
    """Base class of every layer and model. Subclasses call `super().__init__()` first,
    assign Parameters and Modules as attributes, and define `forward`."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_name", None)
        object.__setattr__(self, "training", True)

    # --- registration -------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        """Assigning a Parameter or a Module registers it under `name`; any other value is
        a plain attribute (and replaces a parameter or submodule of that name)."""
        if isinstance(value, (Parameter, Module)) and "_parameters" not in self.__dict__:
            raise AttributeError(  # PyTorch's rule: Module.__init__() comes first
                f"{type(self).__name__}: cannot register {name!r} before "
                "Module.__init__() - call super().__init__() at the top of __init__"
            )
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self.__dict__["_buffers"].pop(name, None)  # PyTorch: a Parameter replaces a buffer
            if value.label is None:
                value.label = name
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self.__dict__["_buffers"].pop(name, None)
            if value._name is None:
                value.set_scope_name(name)
            prefix_parameter_labels(value, name)
            self._modules[name] = value
        elif name in self.__dict__.get("_buffers", {}):
            value = buffer_value(self, name, value)
            self._buffers[name] = value
        else:
            unregister(self, name, value)
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        """Only called for a missing attribute: explain the usual reason for a missing
        _parameters or _modules (a subclass that forgot super().__init__())."""
        if name in ("_parameters", "_modules", "_buffers", "_name", "training"):
            raise AttributeError(
                f"{type(self).__name__} has no {name!r}: its __init__ did not call "
                f"Module.__init__() - call super().__init__() at the top of __init__"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """`self.<name> = param` for names made at run time (e.g. "weight_ih_l1")."""
        check_attribute_name(self, "register_parameter", name)
        if param is not None and not isinstance(param, Parameter):
            hint = " (wrap it: nn.Parameter(tensor))" if isinstance(param, Tensor) else ""
            fail(
                f"{type(self).__name__}.register_parameter",
                f"{name!r} must be an nn.Parameter or None, got {type(param).__name__}{hint}",
            )
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """`self.<name> = module` for names made at run time (e.g. "0", "1" in a list)."""
        check_attribute_name(self, "add_module", name)
        if module is not None:
            require_module(module, f"{type(self).__name__}.add_module({name!r})")
        setattr(self, name, module)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a Tensor that belongs to the model but is not trained (PyTorch's rule):
        a loss's class weights, a running mean. It is `self.<name>`, listed by
        `buffers()`, converted by `double()`/`float()`/`to()`, and in `state_dict()` when
        `persistent` (and not None). An array or list is made a Tensor."""
        owner = f"{type(self).__name__}.register_buffer"
        check_attribute_name(self, "register_buffer", name)
        persistent = check_flag(owner, "persistent", persistent)
        if name in self._parameters or name in self._modules:
            fail(owner, f"{name!r} is already a parameter or submodule")
        self._buffers[name] = None
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        setattr(self, name, tensor)

    # --- calling ------------------------------------------------------------------------
    def set_scope_name(self, name: str) -> None:
        """Called when this module is registered in a parent under `name`."""
        object.__setattr__(self, "_name", name)

    def scope_name(self) -> str:
        """The name this module's nodes carry in `node.scope` (see module docstring)."""
        return self._name if self._name is not None else type(self).__name__.lower()

    def __call__(self, *args, **kwargs):
        with scope(self.scope_name()):
            return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    # --- walking the tree (explicit stack, no recursion) ---------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every module below it, depth first
        in registration order; "" is the module itself. A shared module is listed once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                if child is not None:
                    stack.append((_join(name, child_name), child))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(attribute name, module) for the direct submodules."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter), e.g. ("encoder.weight_ih_l0", Parameter(...)).

        Each module's own parameters come first, then its submodules' (PyTorch's order).
        A parameter shared by two modules is listed once unless `remove_duplicate=False`.
        """
        if not isinstance(prefix, str):
            fail(
                f"{type(self).__name__}.named_parameters",
                f"prefix must be a string, got {describe(prefix, limit=None)}",
            )
        recurse = check_flag(f"{type(self).__name__}.named_parameters", "recurse", recurse)
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            module_name, module = stack.pop()
            for name, param in module._parameters.items():
                if remove_duplicate and id(param) in seen:
                    continue
                seen.add(id(param))
                yield _join(module_name, name), param
            if not recurse:
                return
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                if child is not None:
                    stack.append((_join(module_name, child_name), child))

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for every buffer that is not None, in module order."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield _join(module_name, name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def named_state(self) -> Iterator[tuple[str, Tensor]]:
        """What state_dict() holds, in PyTorch's order: each module's parameters, then its
        persistent buffers, then its submodules'. Shared weights appear under every name."""
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            module_name, module = stack.pop()
            for name, param in module._parameters.items():
                yield _join(module_name, name), param
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    yield _join(module_name, name), buffer
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                if child is not None:
                    stack.append((_join(module_name, child_name), child))

    # --- applying a function, converting dtypes ------------------------------------------
    def apply(self, fn) -> Module:
        """fn(module) for every submodule, children before their parent, then for self;
        returns self (PyTorch's `model.apply(init_weights)`). Walked with a stack: the
        list `order` is parents-first, so it is run backwards."""
        order: list[Module] = []
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            order.append(module)
            stack.extend(child for child in module._modules.values() if child is not None)
        for module in reversed(order):
            fn(module)
        return self

    def double(self) -> Module:
        """Every float parameter, gradient and buffer as float64, in place; returns self."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Every float parameter, gradient and buffer as float32, in place; returns self."""
        return self.to(np.float32)

    def to(self, *args, **kwargs) -> Module:
        """`model.to("cpu")`, `model.to(torch.device("cpu"))` change nothing (the engine
        runs on numpy, on the CPU); `model.to(np.float64)` (or "float64", tg.float64)
        converts in place as `double()` does. Any other device is an error."""
        dtype = module_dtype(self, args, kwargs)
        if dtype is not None:
            convert_floats(self, dtype)
        return self

    def cpu(self) -> Module:
        """The model is already on the CPU: returns self."""
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes the model); returns self."""
        flag = check_flag(f"{type(self).__name__}.requires_grad_", "requires_grad", requires_grad)
        for param in self.parameters():
            param.requires_grad = flag
        return self

    # --- modes and gradients ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and every submodule (Dropout reads it)."""
        mode = check_flag(f"{type(self).__name__}.train", "mode", mode)
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """`train(False)`: dropout off."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward: `grad = None`
        (default), or fill it with zeros when set_to_none=False (PyTorch's option)."""
        set_to_none = check_flag(f"{type(self).__name__}.zero_grad", "set_to_none", set_to_none)
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = np.zeros_like(param.data)

    def num_parameters(self) -> int:
        """How many numbers the model learns."""
        return sum(param.data.size for param in self.parameters())

    # --- saving and loading -------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: copy of the numpy array} of every parameter and persistent buffer,
        in PyTorch's order (each module's parameters, its buffers, then its submodules').

        The names and shapes are PyTorch's, so `{k: v.numpy() for k, v in
        torch_model.state_dict().items()}` loads into the matching model here.
        """
        return OrderedDict((name, tensor.data.copy()) for name, tensor in self.named_state())

    def load_state_dict(self, state: Mapping, strict: bool = True) -> IncompatibleKeys:
        """Copy the arrays in `state` into the parameters, in place.

        In place means an optimizer that already holds the parameters keeps working.
        Values may be numpy arrays, Tensors or nested lists; they are converted to each
        parameter's dtype. Every problem is collected first and reported in one
        `StateDictError`: missing keys and unexpected keys (only when `strict`), and shape
        mismatches (always). Nothing is copied when an error is raised.
        Returns (missing_keys, unexpected_keys), as PyTorch does.
        """
        check_state_dict_argument(self, state)
        strict = check_flag(f"{type(self).__name__}.load_state_dict", "strict", strict)
        own = OrderedDict(self.named_state())
        arrays, keys = match_state_dict(type(self).__name__, own, state, strict)
        for name, array in arrays.items():
            own[name].data[...] = array
        return keys

    # --- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses, e.g. "in_features=3, out_features=4"."""
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: one line per submodule, indented by depth. Built with a stack."""
        lines: list[str] = []
        stack: list[tuple[Module | None, str, int]] = [(self, "", 0)]
        while stack:
            module, key, depth = stack.pop()
            indent = "  " * depth
            if module is None:  # the closing parenthesis of a module with children
                lines.append(f"{indent})")
                continue
            head = f"{indent}({key}): " if depth else ""
            children = [
                (name, child) for name, child in module._modules.items() if child is not None
            ]
            extra = module.extra_repr()
            if not children:
                lines.append(f"{head}{type(module).__name__}({extra})")
                continue
            lines.append(f"{head}{type(module).__name__}(")
            if extra:
                lines.append(f"{indent}  {extra}")
            stack.append((None, "", depth))
            for name, child in reversed(children):
                stack.append((child, name, depth + 1))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def require_module(module, where: str) -> None:
    """ArgumentError unless `module` is a Module, with a hint for the usual mix-ups: the
    class instead of a layer, a list of layers, a function instead of a layer."""
    if isinstance(module, Module):
        return
    hint = ""
    if isinstance(module, type) and issubclass(module, Module):
        hint = f": that is the class itself; create a layer: {layer_name(module)}(...)"
    elif isinstance(module, (list, tuple)):
        hint = ": pass the layers one by one, e.g. nn.Sequential(*layers)"
    elif callable(module):
        hint = ": a function is not a layer; use a layer such as nn.Tanh() or nn.ReLU()"
    fail(where, f"expected an nn.Module, got {type(module).__name__}{hint}")


def check_attribute_name(module: Module, method: str, name) -> None:
    """A name under which a parameter or submodule is registered (PyTorch's rules): a
    non-empty string without "." (the dot separates names in state_dict keys)."""
    if not isinstance(name, str) or not name or "." in name:
        fail(
            f"{type(module).__name__}.{method}",
            f"name must be a non-empty string without '.', got {describe(name, limit=None)}",
        )


def unregister(module: Module, name: str, value) -> None:
    """A plain value assigned to `name` replaces a parameter (only None may) or a
    submodule of that name; a Tensor that requires grad gets a warning: it is not a
    Parameter, so no optimizer would train it. Before Module.__init__() nothing is
    registered, and plain attributes are allowed (as in PyTorch)."""
    parameters = module.__dict__.get("_parameters", {})
    modules = module.__dict__.get("_modules", {})
    if name in parameters:
        if value is not None:
            raise ArgumentError(
                f"{type(module).__name__}.{name} is a Parameter; assign an nn.Parameter "
                f"(or None), not {type(value).__name__}. To change its numbers in "
                f"place write `{name}.data[...] = new_values`"
            )
        del parameters[name]
    elif name in modules:
        del modules[name]
    elif is_unregistered_weight(value):
        warnings.warn(
            f"{type(module).__name__}.{name} is a Tensor with requires_grad=True, not an "
            f"nn.Parameter, so model.parameters() will not list it and no optimizer "
            f"will train it; wrap it: self.{name} = nn.Parameter(...)",
            stacklevel=user_stacklevel(),
        )


def is_unregistered_weight(value) -> bool:
    """A plain leaf Tensor that requires grad: a weight that was meant to be a Parameter."""
    return (
        isinstance(value, Tensor)
        and not isinstance(value, Parameter)
        and value.requires_grad
        and value.is_leaf
    )


def buffer_value(module: Module, name: str, value) -> Tensor | None:
    """What may be assigned to a buffer: a Tensor, None, or numbers (made a constant
    Tensor). (A Parameter assigned to the name replaces the buffer: __setattr__.)"""
    if value is None or isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        fail(f"{type(module).__name__}.{name}", f"a buffer holds numbers, got {array.dtype}")
    return Tensor(array)


# ModuleList lives in containers.py with the other containers; importing it from here
# (its old home) keeps working. Imported last: containers.py imports Module from here.
from .containers import ModuleList  # noqa: E402
