"""The design system and every other asset are served by the clinic itself: the vendored NHS.UK
frontend matches the checksums in its README, refers to no remote URL, and every page links it;
/favicon.ico answers with the clinic's own icon."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import World

WEB = Path(__file__).resolve().parents[2] / "src" / "ketaclinic" / "entrypoints" / "web"
NHSUK = WEB / "static" / "vendor" / "nhsuk-frontend"
AXE = Path(__file__).parent / "browser" / "vendor" / "axe-core"
CSS = "/static/vendor/nhsuk-frontend/nhsuk-frontend.min.css"


def _listed_checksums(folder: Path) -> dict[str, str]:
    readme = (folder / "README.md").read_text(encoding="utf-8")
    return {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)}


def test_vendored_files_match_the_checksums_in_their_readme() -> None:
    for folder in (NHSUK, AXE):
        listed = _listed_checksums(folder)
        present = {
            str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and p.name != "README.md"
        }
        assert set(listed) == present, folder
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
        assert (folder / "LICENSE").stat().st_size > 500


def test_the_design_system_is_local_and_refers_to_nothing_remote(client: TestClient) -> None:
    css = client.get(CSS)
    assert css.status_code == 200 and "nhsuk-header" in css.text
    assert not re.search(r"https?://", css.text)
    for image in re.findall(r'url\("?(/static/[^")]+)"?\)', css.text):
        assert client.get(image).status_code == 200, image
    for sheet in (WEB / "static").glob("*.css"):
        assert not re.search(r"https?://", sheet.read_text(encoding="utf-8")), sheet.name


def test_every_page_links_the_design_system_and_an_icon(client: TestClient, world: World) -> None:
    page = client.get("/signin")
    assert f'href="{CSS}"' in page.text
    assert 'rel="icon" href="/static/favicon.svg"' in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)


def test_favicon_ico_is_the_clinic_icon(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.url.path == "/static/favicon.svg"
