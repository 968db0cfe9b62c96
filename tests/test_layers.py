"""README's dependency rule, checked: a module imports only from its own layer or the
layers below it (imports read with ast, as the code keys read them: engine.imports)."""

from __future__ import annotations

import pkgutil

import reportgen
from reportgen.engine.imports import direct_imports

#: README "Architecture": the layers from the bottom; a module's layer is the first entry
#: its name starts with.
LAYERS = [("reportgen.errors", "reportgen.records", "reportgen.__init__", "reportgen"),
          ("reportgen.engine", "reportgen.analysis"), ("reportgen.data",),
          ("reportgen.models",), ("reportgen.options",), ("reportgen.config",),
          ("reportgen.report",), ("reportgen.pipeline",),
          ("reportgen.console", "reportgen.cli_common", "reportgen.cli", "reportgen.__main__")]


def layer(module: str) -> int:
    best = None
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (
                    best is None or len(p) > best[1]):
                best = (i, len(p))
    assert best is not None, module
    return best[0]


def test_no_module_imports_a_layer_above_its_own():
    modules = [m.name for m in pkgutil.walk_packages(reportgen.__path__, "reportgen.")]
    assert len(modules) > 60
    upward = [(m, i) for m in modules for i in direct_imports(m) if layer(i) > layer(m)]
    assert upward == []
