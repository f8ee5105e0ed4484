"""Parent letters and linking for the families tests: print a class's letters, walk a parent
through the linking pages as a browser would (code, notice, account)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpers import csrf_token_from
from lms_module.families.letters import print_class_letters
from lms_module.families.models import ParentLetter
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User

PIN = "482913"
TODAY = dt.date(2026, 10, 1)


def print_letters(session: Session, class_unit: OrgUnit, manager: User, *,
                  today: dt.date | None = None, days: int = 60,
                  uses: int = 2) -> dict[int, ParentLetter]:
    """Print the class's letters through the service; return them by child id."""
    letters = print_class_letters(session, class_unit, actor=manager,
                                  today=today or dt.date.today(), days=days, uses=uses)
    session.flush()
    return {letter.child_user_id: letter for letter in letters}


def open_letter(client: FlaskClient, code: str) -> Any:
    """Open the letter's QR link (``/lien-ket?ma=CODE``)."""
    return client.get(f"/lien-ket?ma={code}")


def answer_notice(client: FlaskClient, answer: str, kinship: str = "mother") -> Any:
    """Answer the privacy notice (``agree`` or ``refuse``)."""
    token = csrf_token_from(client, "/lien-ket/thong-bao")
    return client.post("/lien-ket/thong-bao",
                       data={"csrf_token": token, "kinship": kinship, "answer": answer})


def create_account(client: FlaskClient, full_name: str = "Nguyễn Thị Mai", *,
                   secret: str = PIN, phone: str = "") -> Any:
    """Fill in the new account form (after agreeing)."""
    token = csrf_token_from(client, "/lien-ket/tai-khoan")
    return client.post("/lien-ket/tai-khoan", data={
        "csrf_token": token, "full_name": full_name, "phone": phone, "secret": secret,
        "secret_again": secret,
    })


def link_new_parent(client: FlaskClient, code: str, full_name: str = "Nguyễn Thị Mai", *,
                    kinship: str = "mother", secret: str = PIN) -> str:
    """Walk a new parent through the whole flow; return the username the welcome page shows."""
    assert open_letter(client, code).status_code == 302
    assert answer_notice(client, "agree", kinship).status_code == 302
    created = create_account(client, full_name, secret=secret)
    assert created.status_code == 302, created.get_data(as_text=True)
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    match = re.search(r'<p class="username" id="username">([^<]+)</p>', page)
    assert match, page
    return match.group(1)
