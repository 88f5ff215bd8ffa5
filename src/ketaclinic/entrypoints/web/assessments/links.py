"""Public patient self-report pages under ``/link/<token>`` (no account needed).

The link token in the path is the credential; each rendered form also carries the link's form
token, checked on submit. Pages are never cached and send no referrer (the token is in the URL).
An expired, used or unknown link shows a clear message and stores nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ketaclinic.domain.assessments.records import LINK_MESSAGES, UNKNOWN_LINK_MESSAGE, LinkState
from ketaclinic.domain.errors import ClinicError, ValidationFailed
from ketaclinic.entrypoints.http import client_of, services_of
from ketaclinic.entrypoints.web.assessments.instruments import item_errors, parse_answers
from ketaclinic.entrypoints.web.rendering import render
from ketaclinic.services.assessments.links import LinkForm, LinkUnavailable

router = APIRouter(include_in_schema=False)
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
MAX_TOKEN_CHARS = 200


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render(request, name, context, status=status)
    response.headers.update(PRIVATE_HEADERS)
    return response


def _unavailable(request: Request, error: ClinicError) -> Response:
    status = 404 if error.detail == UNKNOWN_LINK_MESSAGE else 410
    answered = error.detail == LINK_MESSAGES[LinkState.USED]
    context = {"message": error.detail, "answered": answered}
    return _page(request, "assessments/links/unavailable.html", context, status)


def _form(
    request: Request, form: LinkForm, token: str, values: dict[str, str], error: ClinicError | None
) -> Response:
    context = {
        "link": form.link,
        "instrument": form.instrument,
        "token": token,
        "values": values,
        "errors": item_errors(error),
        "error": error,
        "clinic_tz": form.timezone,
    }
    return _page(request, "assessments/links/form.html", context, 422 if error else 200)


@router.get("/link/{token}", response_class=HTMLResponse)
def open_link(request: Request, token: str) -> Response:
    try:
        form = services_of(request).links.open(token[:MAX_TOKEN_CHARS])
    except LinkUnavailable as gone:
        return _unavailable(request, gone)
    return _form(request, form, token, {}, None)


@router.post("/link/{token}", response_class=HTMLResponse)
async def submit_link(request: Request, token: str) -> Response:
    # the token check and the write are database work: in the threadpool, off the event loop
    try:
        form = await run_in_threadpool(services_of(request).links.open, token[:MAX_TOKEN_CHARS])
    except LinkUnavailable as gone:
        return _unavailable(request, gone)
    data = await request.form()
    return await run_in_threadpool(_submit, request, token, form, data)


def _submit(request: Request, token: str, form: LinkForm, data: FormData) -> Response:
    links = services_of(request).links
    values = {k.removeprefix("item-"): str(v) for k, v in data.items() if k.startswith("item-")}
    form_token = data.get("form_token", "")
    try:
        answers = parse_answers(data, form.instrument)
        links.submit(
            token,
            form_token if isinstance(form_token, str) else "",
            answers,
            client=client_of(request),
        )
    except LinkUnavailable as gone:
        return _unavailable(request, gone)
    except ValidationFailed as failed:
        return _form(request, form, token, values, failed)
    except ClinicError as refused:
        return _form(request, form, token, values, refused)
    return _page(request, "assessments/links/thanks.html", {})
