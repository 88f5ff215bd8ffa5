"""Signing in and out of the staff UI."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ketaclinic.domain.errors import NotAuthenticated, TooManyAttempts
from ketaclinic.entrypoints.guards import SESSION_COOKIE
from ketaclinic.entrypoints.http import client_of, retry_headers, services_of
from ketaclinic.entrypoints.web.rendering import mark_web, render

router = APIRouter(dependencies=[Depends(mark_web)], include_in_schema=False)
PRE_CSRF_COOKIE = "kc_signin_csrf"


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, expired: int = 0) -> Response:
    token = secrets.token_urlsafe(24)
    message = "You were signed out after a period of inactivity." if expired else ""
    response = render(request, "signin.html", {"csrf": token, "message": message})
    response.set_cookie(
        PRE_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=services_of(request).settings.cookie_secure,
    )
    return response


@router.post("/signin")
def signin(
    request: Request,
    email: str = Form(max_length=254),
    password: str = Form(max_length=1024),
    csrf_token: str = Form(max_length=64),
) -> Response:
    expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _again(request, email, "The sign-in form expired; please try again.")
    services = services_of(request)
    try:
        signed = services.identity.sign_in(email, password, client=client_of(request))
    except NotAuthenticated as exc:
        return _again(request, email, exc.detail)
    except TooManyAttempts as exc:
        minutes = max(1, -(-exc.retry_after_s // 60))
        message = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
        response = _again(request, email, message, status=429)
        response.headers.update(retry_headers(exc))
        return response
    response = RedirectResponse("/today", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="lax",
        secure=services.settings.cookie_secure,
    )
    response.delete_cookie(PRE_CSRF_COOKIE)
    return response


def _again(request: Request, email: str, message: str, *, status: int = 401) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "signin.html", {"csrf": token, "error": message, "email": email}, status=status
    )
    response.set_cookie(
        PRE_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=services_of(request).settings.cookie_secure,
    )
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        services_of(request).identity.sign_out(token, client=client_of(request))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
