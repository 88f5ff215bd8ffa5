"""What every command needs: settings, the composition root, and clean error output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ketaclinic.bootstrap import Services, build
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.services.ports import Clock
from ketaclinic.settings import load_settings


@contextmanager
def services(clock: Clock | None = None) -> Iterator[Services]:
    """Build the services from the environment (on ``clock`` when given: the demo seeder's);
    domain errors become exit code 1 with a message."""
    built = build(load_settings(), clock=clock)
    try:
        yield built
    except ValidationFailed as failed:
        for field, message in failed.errors.items():
            typer.echo(f"error: {field}: {message}", err=True)
        raise typer.Exit(1) from failed
    except ClinicError as failed:
        where = f"{failed.field}: " if failed.field else ""
        code = getattr(failed, "permission", None)
        typer.echo(f"error: {where}{failed.detail}" + (f" ({code})" if code else ""), err=True)
        raise typer.Exit(1) from failed
    finally:
        built.close()


def clinic_named(s: Services, slug: str | None) -> Clinic:
    """The clinic with ``slug``, or the only clinic when there is exactly one."""
    with s.uow() as uow:
        clinics = list(uow.clinics.list())
    if slug is not None:
        found = next((c for c in clinics if c.slug == slug), None)
        if found is None:
            raise ClinicError(f"no clinic with slug {slug!r}", field="clinic")
        return found
    if len(clinics) != 1:
        hint = "create one with `ketaclinic clinic create` or `ketaclinic demo`"
        raise ClinicError(
            f"{len(clinics)} clinics exist; name one with --clinic"
            if clinics
            else f"no clinic yet: {hint}",
            field="clinic",
        )
    return clinics[0]
