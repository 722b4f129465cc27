"""Containers: ModuleList, ModuleDict, ParameterList, ParameterDict (PyTorch's names).

    self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    self.heads = nn.ModuleDict({"sentiment": nn.Linear(16, 2), "topic": nn.Linear(16, 5)})
    self.scales = nn.ParameterList([nn.Parameter(np.ones(4)) for _ in range(3)])

A container registers what it holds under its keys ("0", "1" ... for the lists), so
`model.parameters()` and `model.state_dict()` find it: "layers.0.weight", "heads.topic.bias",
"scales.2". Containers have no forward: call their items.

Read next: layers.py (Linear, Embedding, Dropout, Sequential).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .checks import fail
from .module import Module, require_module
from .parameter import Parameter

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList"]


def _check_items(owner: str, items, what: str) -> None:
    """A list container takes an iterable of items, not a single one."""
    if isinstance(items, (Module, Parameter)) or not isinstance(items, Iterable):
        fail(
            owner,
            f"expected a list of {what}, got one {type(items).__name__}; "
            f"write {owner}([item]) for a single one",
        )


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


class ModuleDict(Module):
    """Modules by name, in insertion order: `heads["topic"]`, `"topic" in heads`,
    `heads.keys()`, `.values()`, `.items()`, `.update({...})`. Each module is registered
    under its key, so its nodes are scoped "heads.topic" and its weights named
    "heads.topic.weight"."""

    def __init__(self, modules: Mapping | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        require_module(module, f"nn.ModuleDict[{key!r}]")
        self.add_module(key, module)
        if self._name is not None and module._name == key:
            module.set_scope_name(f"{self._name}.{key}")

    def set_scope_name(self, name: str) -> None:
        """Like ModuleList: the items' nodes are scoped "<dict name>.<key>"."""
        super().set_scope_name(name)
        for key, module in self._modules.items():
            if module._name == key:
                module.set_scope_name(f"{name}.{key}")

    def update(self, modules) -> None:
        """Add (or replace) the modules of a dict or of (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class ParameterList(Module):
    """A list of Parameters, registered under "0", "1", ...: `scales[2]`, `len(scales)`,
    `for p in scales`, `.append(p)`. A Tensor or array that is not a Parameter is
    wrapped in one (PyTorch's rule)."""

    def __init__(self, values=None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def append(self, value) -> ParameterList:
        if not isinstance(value, Parameter):
            value = Parameter(value)
        self.register_parameter(str(len(self._parameters)), value)
        return self

    def extend(self, values) -> ParameterList:
        _check_items("nn.ParameterList", values, "parameters")
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, index):
        return list(self._parameters.values())[index]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))


class ParameterDict(Module):
    """Parameters by name: `p["scale"]`, `"scale" in p`, `.keys()`, `.items()`,
    `.update({...})`; a value that is not a Parameter is wrapped in one."""

    def __init__(self, parameters: Mapping | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(value, Parameter):
            value = Parameter(value)
        self.register_parameter(key, value)

    def update(self, parameters) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()
