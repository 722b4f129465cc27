"""Module and ModuleList: how a model keeps track of its weights (PyTorch's `nn.Module`).

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

Walks over the module tree use an explicit stack (no recursion), like the backward pass.
Parameter itself is in parameter.py; the checks of `load_state_dict` are in state_dict.py.

Read next: layers.py (Linear, Embedding, Dropout, Sequential), then cells.py.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from ..checks import describe
from ..errors import ArgumentError
from ..graph import scope
from ..tensor import Tensor
from .checks import check_flag, fail, layer_name, user_stacklevel
from .parameter import Parameter, parameter_array, uniform_parameter
from .state_dict import IncompatibleKeys, match_state_dict

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
            if value.label is None:
                value.label = name
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            if value._name is None:
                value.set_scope_name(name)
            prefix_parameter_labels(value, name)
            self._modules[name] = value
        else:
            unregister(self, name, value)
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        """Only called for a missing attribute: explain the usual reason for a missing
        _parameters or _modules (a subclass that forgot super().__init__())."""
        if name in ("_parameters", "_modules", "_name", "training"):
            raise AttributeError(
                f"{type(self).__name__} has no {name!r}: its __init__ did not call "
                f"Module.__init__() - call super().__init__() at the top of __init__"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
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
        """{dotted name: copy of the parameter's numpy array}, in `named_parameters` order.

        The names and shapes are PyTorch's, so `{k: v.numpy() for k, v in
        torch_model.state_dict().items()}` loads into the matching model here.
        """
        params = self.named_parameters(remove_duplicate=False)
        return OrderedDict((name, param.data.copy()) for name, param in params)

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
        own = OrderedDict(self.named_parameters(remove_duplicate=False))
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


class ModuleList(Module):
    """A list of modules, registered under "0", "1", ... (for stacks of layers).

        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        for layer in self.layers:
            x = layer(x)            # runs inside tg.scope("layers.0"), "layers.1" ...

    Calling a ModuleList is not defined (it has no forward); call its items.
    """

    def __init__(self, modules=None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        require_module(module, f"nn.ModuleList: item {len(self._modules)}")
        index = str(len(self._modules))
        self.add_module(index, module)
        if self._name is not None and module._name == index:
            module.set_scope_name(f"{self._name}.{index}")
        return self

    def set_scope_name(self, name: str) -> None:
        """A ModuleList is never called itself, so its items carry its name: their
        nodes are scoped "layers.0", "layers.1" ... rather than a bare "0", "1"."""
        super().set_scope_name(name)
        for index, module in self._modules.items():
            if module._name == index:
                module.set_scope_name(f"{name}.{index}")

    def extend(self, modules) -> ModuleList:
        if isinstance(modules, Module) or not isinstance(modules, Iterable):
            fail(
                "nn.ModuleList",
                f"expected a list of modules, got one {type(modules).__name__}; "
                f"write nn.ModuleList([layer]) for a single layer",
            )
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


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


def check_state_dict_argument(module: Module, state) -> None:
    """`load_state_dict`'s argument must be a mapping of names to arrays."""
    if isinstance(state, Mapping):
        return
    owner = f"{type(module).__name__}.load_state_dict"
    hint = ""
    if isinstance(state, (str, bytes)) or hasattr(state, "__fspath__"):
        hint = "; to read a file, use tg.load(model, path)"
    elif isinstance(state, Module):
        hint = "; to copy another model's weights, pass other.state_dict()"
    fail(
        owner,
        f"expects a dict of name -> array (model.state_dict()), got {type(state).__name__}{hint}",
    )
