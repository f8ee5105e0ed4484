"""Light pages on 3G: hashed static URLs kept a year, compression, masked CSRF tokens, favicon."""

from __future__ import annotations

import gzip
import posixpath
import re
from difflib import SequenceMatcher

import brotli
import pytest
from flask import Flask

from helpers import csrf_token_from, sign_in
from lms_module import LMS
from lms_module.people.models import Role

IMMUTABLE = "public, max-age=31536000, immutable"
HASHED_ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+\.[0-9a-f]{12}\.[a-z0-9]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSS_URL = re.compile(r'url\("([^"]+)"\)')


def test_pages_name_every_static_file_by_content_hash_and_it_is_kept_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    urls = HASHED_ASSET.findall(page)
    # The stylesheet, the script, both web fonts (preloaded) and the icon.
    assert {posixpath.basename(url).split(".")[0] for url in urls} >= {
        "lms", "be-vietnam-pro-400", "be-vietnam-pro-700", "favicon",
    }
    assert not re.search(r'(?:href|src)="/assets/[^"]+(?<!\.[0-9a-f]{12})\.(?:css|js)"', page)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url


def test_the_stylesheet_names_the_woff2_fonts_by_hash(client):
    page = client.get("/login").get_data(as_text=True)
    stylesheet = next(url for url in HASHED_ASSET.findall(page) if url.endswith(".css"))
    fonts = [
        posixpath.normpath(posixpath.join(posixpath.dirname(stylesheet), ref))
        for ref in CSS_URL.findall(client.get(stylesheet).get_data(as_text=True))
    ]
    assert len(fonts) == 2
    for url in fonts:
        assert re.search(r"/be-vietnam-pro-[47]00\.[0-9a-f]{12}\.woff2$", url), url
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "font/woff2"
        assert response.data[:4] == b"wOF2"
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert url in page  # preloaded by the page, so the same request serves both


def test_plain_and_outdated_static_names_still_work_and_are_revalidated(client):
    plain = client.get("/assets/css/lms.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "no-cache"
    assert "@font-face" in plain.get_data(as_text=True)
    again = client.get("/assets/css/lms.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    outdated = client.get("/assets/js/lms.000000000000.js")
    assert outdated.status_code == 200
    assert outdated.headers["Cache-Control"] == "no-cache"
    assert client.get("/assets/js/nothing.js").status_code == 404
    assert client.get("/assets/js/nothing.js").headers["Cache-Control"] == "no-store"
    assert client.get("/assets/../web.py").status_code == 404


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_pages_stylesheets_and_scripts_are_compressed_for_browsers_that_ask(
    client, encoding, decompress
):
    headers = {"Accept-Encoding": encoding}
    page = client.get("/login", headers=headers)
    assert page.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Đăng nhập" in decompress(page.data).decode()
    for url in HASHED_ASSET.findall(decompress(page.data).decode()):
        if url.endswith((".css", ".js")):
            response = client.get(url, headers=headers)
            assert response.headers["Content-Encoding"] == encoding, url
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert len(response.data) < len(client.get(url).data)
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    assert "Đăng nhập" in plain.get_data(as_text=True)


def test_fonts_are_not_compressed_again(client):
    font = client.get("/assets/fonts/be-vietnam-pro-400.woff2", headers={"Accept-Encoding": "br"})
    assert font.status_code == 200
    assert "Content-Encoding" not in font.headers
    assert font.data[:4] == b"wOF2"


def test_a_compressed_page_with_names_is_still_never_stored(client, login, make_user, tree):
    make_user(Role.STUDENT, tree["class"], full_name="Giàng Thị Mỷ", password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    page = client.get(f"/classes/{tree['class'].id}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Giàng Thị Mỷ" in gzip.decompress(page.data).decode()
    assert page.headers["Cache-Control"] == "no-store"


def test_static_file_urls_follow_the_path_the_app_is_served_under(client):
    """Pages build a static file's URL once per process: each mount point keeps its own."""
    mounted = client.get("/login", environ_overrides={"SCRIPT_NAME": "/truong"}).text
    at_root = client.get("/login").text
    under_mount = re.findall(r'(?:href|src)="(/truong/assets/[^"]+)"', mounted)
    assert len(under_mount) >= 4  # stylesheet, two fonts, icon, script
    assert [url.removeprefix("/truong") for url in under_mount] == HASHED_ASSET.findall(at_root)


def test_the_csrf_token_is_different_in_every_page_and_still_accepted(client, make_user, tree):
    first, second = csrf_token_from(client), csrf_token_from(client)
    # BREACH needs a secret that repeats from page to page: nothing longer than chance does.
    match = SequenceMatcher(None, first, second, autojunk=False).find_longest_match()
    assert match.size < 8, (first, second)
    make_user(Role.TEACHER, tree["school"], username="gv.mask")
    assert sign_in(client, "gv.mask").status_code == 302  # posts a masked token
    # A masked token altered by one character is refused.
    token = csrf_token_from(client, "/")
    altered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    response = client.post("/logout", data={"csrf_token": altered})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_the_login_form_token_is_masked_too(client):
    pages = [client.get("/login").get_data(as_text=True) for _ in range(2)]
    tokens = [CSRF_FIELD.findall(page) for page in pages]
    # The form's own field (Flask-WTF) and the language switcher's: all different, no dots.
    values = [value for page_tokens in tokens for value in page_tokens]
    assert len(values) >= 4
    assert len(set(values)) == len(values)
    assert not any("." in value for value in values)


def test_favicon_is_linked_and_served(client):
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and re.search(r"/assets/favicon\.[0-9a-f]{12}\.svg$", icon.group(1))
    svg = client.get(icon.group(1))
    assert svg.mimetype == "image/svg+xml"
    assert svg.headers["Cache-Control"] == IMMUTABLE
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.mimetype == "image/vnd.microsoft.icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"


@pytest.fixture
def host_app(database_url: str) -> Flask:
    host = Flask("school_portal")
    host.config.update(
        SECRET_KEY="host-secret", TESTING=True, LMS_DATABASE_URL=database_url,
        LMS_URL_PREFIX="/lms", LMS_SECURE_COOKIES=False,
    )

    @host.get("/news")
    def news() -> str:
        return "<p>Tin của trường</p>" * 200

    LMS(host)
    return host


def test_a_host_apps_own_pages_are_left_uncompressed(host_app):
    client = host_app.test_client()
    news = client.get("/news", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in news.headers
    assert "Accept-Encoding" not in news.headers.get("Vary", "")
    login = client.get("/lms/login", headers={"Accept-Encoding": "gzip"})
    assert login.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(login.data).decode()
    stylesheet = re.search(r'href="(/lms/assets/css/lms\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the module's URLs carry its prefix and the hash"
    assert client.get(stylesheet.group(1)).headers["Cache-Control"] == IMMUTABLE
    host_app.extensions["lms"].engine.dispose()
