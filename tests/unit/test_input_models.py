"""One input model per use case, shared by the web form and the JSON API.

Each model below validates in its constructor (a frozen dataclass with ``__post_init__``); the web
handler and the API handler of its area both build it; the API's JSON shape declares no rule of
its own (no ``Field``/``Annotated`` constraints), so a rule cannot drift between the two edges.
Every model in a ``services/<area>/inputs.py`` must be listed here.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
from pathlib import Path

import pytest

import ketaclinic

ROOT = Path(ketaclinic.__file__).parent

# model -> (module, area, the API's JSON shape of it)
SHARED = {
    "MoveRequest": ("ketaclinic.services.scheduling.inputs", "scheduling", "MoveIn"),
    "DropRequest": ("ketaclinic.services.scheduling.inputs", "scheduling", "DropIn"),
    "OrderDraft": ("ketaclinic.services.dosing.inputs", "dosing", "OrderIn"),
    "BedsideEntry": ("ketaclinic.services.dosing.inputs", "dosing", "BedsideIn"),
    "CheckinEntry": ("ketaclinic.services.dosing.checkins", "dosing", "CheckinIn"),
}


# a model the web form builds through its area's own form parser (which builds the model)
FORM_PARSERS = {"CheckinEntry": "entry_from_fields"}


def _source(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")))


def _class(folder: Path, name: str) -> ast.ClassDef:
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name == name:
                return node
    raise AssertionError(f"{name} not found under {folder}")


def test_every_inputs_module_model_is_listed() -> None:
    for path in sorted(ROOT.glob("services/*/inputs.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        models = {
            n.name
            for n in tree.body
            if isinstance(n, ast.ClassDef) and not any(ast.unparse(b) == "StrEnum" for b in n.bases)
        }
        assert models <= SHARED.keys(), f"{path}: list {models - SHARED.keys()} in SHARED"


@pytest.mark.parametrize("model", sorted(SHARED))
def test_the_model_validates_in_its_constructor(model: str) -> None:
    module, _area, _wire = SHARED[model]
    cls = getattr(importlib.import_module(module), model)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert "__post_init__" in vars(cls), f"{model} must validate when built"


@pytest.mark.parametrize("model", sorted(SHARED))
def test_web_and_api_both_build_the_model(model: str) -> None:
    _module, area, _wire = SHARED[model]
    for edge in ("web", "api"):
        source = _source(ROOT / "entrypoints" / edge / area)
        builder = FORM_PARSERS.get(model, model) if edge == "web" else model
        assert f"{builder}(" in source, f"entrypoints/{edge}/{area} does not build {model}"


def test_form_parsers_build_their_model() -> None:
    for model, parser in FORM_PARSERS.items():
        module = SHARED[model][0]
        tree = ast.parse((ROOT.parent / (module.replace(".", "/") + ".py")).read_text())
        found = next(
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == parser
        )
        assert f"{model}(" in ast.unparse(found), f"{parser} must build {model}"


@pytest.mark.parametrize("model", sorted(SHARED))
def test_the_json_shape_declares_no_rule_of_its_own(model: str) -> None:
    _module, area, wire = SHARED[model]
    shape = _class(ROOT / "entrypoints" / "api" / area, wire)
    for node in ast.walk(shape):
        if isinstance(node, ast.AnnAssign):
            text = ast.unparse(node)
            assert "Field(" not in text and "Annotated[" not in text, (
                f"{wire}: `{text}` repeats a rule that belongs to {model}"
            )
