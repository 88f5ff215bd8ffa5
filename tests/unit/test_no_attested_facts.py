"""No caller can attest a session's guard facts: no public method of any service class takes a
``SessionFacts`` (or a ``resume_approved_by`` name). The facts of every move are derived from
storage in one place (``services.infusion.sessions.session_facts``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import ketaclinic.services
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.infusion.workflow import SessionWorkflowService


def _service_classes() -> list[type]:
    found: dict[str, type] = {}
    prefix = ketaclinic.services.__name__ + "."
    for info in pkgutil.walk_packages(ketaclinic.services.__path__, prefix):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and name.endswith("Service"):
                found[f"{cls.__module__}.{name}"] = cls
    return list(found.values())


def test_the_session_services_are_among_those_inspected() -> None:
    classes = _service_classes()
    assert SessionService in classes and SessionWorkflowService in classes
    assert len(classes) > 20


def test_no_public_service_method_accepts_session_facts_from_a_caller() -> None:
    offenders = []
    for cls in _service_classes():
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            for param in inspect.signature(method).parameters.values():
                annotation = str(param.annotation)
                if "SessionFacts" in annotation or param.name in ("attested", "approved_by"):
                    offenders.append(f"{cls.__name__}.{name}({param.name})")
    assert offenders == []
