"""Each fake assigned to its port: mypy (strict) proves every fake implements its Protocol.

Checked with the source tree (``[tool.mypy] packages`` lists ``tests.fakes``); importing this
module at run time also builds one of each.
"""

from __future__ import annotations

from ketaclinic.services.ports import AuditLog, DosingRepository, UnitOfWork, UnitOfWorkFactory
from tests.fakes.audit import AuditTables, InMemoryAuditLog
from tests.fakes.dosing import DosingTables, InMemoryDosingRepository
from tests.fakes.uow import InMemoryDatabase, InMemoryUnitOfWork, unit_of_work_factory

audit_log: AuditLog = InMemoryAuditLog(AuditTables())
dosing: DosingRepository = InMemoryDosingRepository(DosingTables())
unit_of_work: UnitOfWork = InMemoryUnitOfWork(InMemoryDatabase())
unit_of_work_factory_: UnitOfWorkFactory = unit_of_work_factory(InMemoryDatabase())
