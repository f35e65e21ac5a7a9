"""Issue 8: wrong passwords sent at the same moment (to several workers, or hosts) are
counted before their passwords are checked, so no more than the limit ever get checked.

`make load` found 17 of 100 concurrent wrong passwords checked when the failures were
counted after the answer. Here, the password check is slowed down so that every try is
inside the view at once, as with many workers; with TEST_REDIS_URL the count is in Redis,
shared as in production.
"""
from __future__ import annotations

import threading
import time

from flask_helpers import KARIM_NIR, KARIM_PASSWORD, get_csrf, sign_in

TRIES = 12


def test_tries_at_the_same_moment_cannot_pass_the_limit_together(app, monkeypatch) -> None:
    import blueprints.auth as auth

    checked = []
    real = auth.authenticate

    def slow_authenticate(*args, **kwargs):
        checked.append(1)
        time.sleep(0.4)  # every other try arrives while this one is being checked
        return real(*args, **kwargs)

    monkeypatch.setattr(auth, "authenticate", slow_authenticate)
    clients = [app.test_client() for _ in range(TRIES)]
    tokens = [get_csrf(client) for client in clients]
    statuses: list[int] = []
    start = threading.Barrier(TRIES)

    def attack(client, token) -> None:
        start.wait()
        response = client.post("/connexion", data={"csrf_token": token, "nir": KARIM_NIR,
                                                   "password": "PasLeBon123"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attack, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert len(checked) == 5
    assert sorted(statuses) == [401] * 5 + [429] * (TRIES - 5)
    # The owner too must wait now; the lock is the one a person meets, with its page.
    monkeypatch.setattr(auth, "authenticate", real)
    response = sign_in(app.test_client(), KARIM_NIR, KARIM_PASSWORD)
    assert response.status_code == 429
    assert "Trop d" in response.get_data(as_text=True)


def test_a_right_password_gives_the_tries_back(client) -> None:
    for _ in range(4):
        assert sign_in(client, KARIM_NIR, "PasLeBon123").status_code == 401
    assert sign_in(client, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    # Signing in often, or after a few mistakes, never locks its owner out.
    for _ in range(6):
        other = client.application.test_client()
        assert sign_in(other, KARIM_NIR, KARIM_PASSWORD).status_code == 303
    for _ in range(5):
        assert sign_in(client.application.test_client(), KARIM_NIR, "Faux").status_code == 401
    assert sign_in(client.application.test_client(), KARIM_NIR, "Faux").status_code == 429
