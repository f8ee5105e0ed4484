"""Does sign-in timing tell which usernames exist? Prints both medians and their ratio.

Interleaves rounds (unknown username, known username with a wrong password, ...) through the
whole WSGI stack on a temporary SQLite database, so machine load hits both sides alike.

Usage: .venv/bin/python bench/bench_sign_in_timing.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time

from lms_module import create_app
from lms_module.db import db_session
from lms_module.migrate import upgrade_database
from lms_module.people.services import create_user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "LMS_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "LMS_SECURE_COOKIES": False,
                "LMS_LOGIN_RATE_LIMIT": "100000 per minute",
                "LMS_LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
            },
            instance_path=folder,
        )
        upgrade_database(app.extensions["lms"].engine)
        with app.app_context():
            session = db_session()
            create_user(session, username="gv.that", full_name="Lò Văn Nam", password="dung-roi-1")
            session.commit()
        client = app.test_client()
        token = TOKEN.search(client.get("/login").get_data(as_text=True))
        assert token
        times: dict[str, list[float]] = {"unknown": [], "known": []}
        for _ in range(rounds):
            for kind, username in (("unknown", "khong.co.ai"), ("known", "gv.that")):
                started = time.perf_counter()
                response = client.post(
                    "/login",
                    data={"username": username, "password": "sai", "csrf_token": token.group(1)},
                )
                times[kind].append(time.perf_counter() - started)
                assert response.status_code == 200
        app.extensions["lms"].engine.dispose()
    unknown, known = (statistics.median(times[k]) for k in ("unknown", "known"))
    ratios = sorted(u / k for u, k in zip(times["unknown"], times["known"], strict=True))
    print(f"rounds: {rounds} (interleaved)")
    print(f"unknown username, median: {unknown * 1000:.1f} ms")
    print(f"known username, wrong password, median: {known * 1000:.1f} ms")
    print(
        f"ratio unknown/known: median {statistics.median(ratios):.2f}, "
        f"spread {ratios[len(ratios) // 10]:.2f}-{ratios[-1 - len(ratios) // 10]:.2f} (p10-p90)"
    )


if __name__ == "__main__":
    main()
