"""Where the server-side sessions live: the database by default, Redis when the limits are
there (or SESSION_STORE_URI says so). The Redis store's own rules run with TEST_REDIS_URL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from flask_helpers import TEST_REDIS_URL

IDLE = timedelta(minutes=30)


def test_the_store_follows_the_limits_unless_told() -> None:
    from services.sessions import session_store_uri

    assert session_store_uri({"RATELIMIT_STORAGE_URI": "memory://"}) == "database"
    assert session_store_uri({"RATELIMIT_STORAGE_URI": "redis://r:6379/0"}) == "redis://r:6379/0"
    assert session_store_uri({"RATELIMIT_STORAGE_URI": "redis://r:6379/0",
                              "SESSION_STORE_URI": "database"}) == "database"
    assert session_store_uri({"RATELIMIT_STORAGE_URI": "memory://",
                              "SESSION_STORE_URI": "redis://s/1"}) == "redis://s/1"


def test_a_store_other_than_the_database_or_redis_is_refused() -> None:
    from services.config import ConfigError
    from services.sessions import make_store

    with pytest.raises(ConfigError):
        make_store({"SESSION_STORE_URI": "memcached://x"})


needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL not set")


@pytest.fixture
def store():
    from services.sessions import RedisStore

    return RedisStore(TEST_REDIS_URL)


@needs_redis
def test_a_session_expires_an_hour_after_its_idle_timeout(store) -> None:
    from services.models import utcnow
    from services.sessions import SessionRecord

    store.put("a" * 64, SessionRecord('{"x": 1}', 7, utcnow()), IDLE)
    ttl = store.redis.ttl(store._key("a" * 64))
    assert (IDLE + store.GRACE).total_seconds() - 5 <= ttl <= (IDLE + store.GRACE).total_seconds()
    record = store.get("a" * 64)
    assert (record.data, record.account_id) == ('{"x": 1}', 7)
    assert abs((utcnow() - record.last_seen_at).total_seconds()) < 2


@needs_redis
def test_every_session_of_an_account_can_be_ended_but_one(store) -> None:
    from services.models import utcnow
    from services.sessions import SessionRecord

    for digest, account in (("1" * 64, 7), ("2" * 64, 7), ("3" * 64, 7), ("4" * 64, 8)):
        store.put(digest, SessionRecord("{}", account, utcnow()), IDLE)
    assert store.delete_of_account(7, keep="1" * 64) == 2
    assert store.get("1" * 64) is not None and store.get("2" * 64) is None
    assert store.get("4" * 64) is not None
    assert store.delete_of_account(7) == 1
    assert not store.redis.exists(store._index(7))
    assert [r[0] for r in store.records()] == ["4" * 64]


@needs_redis
def test_a_session_that_signs_out_leaves_its_account_index(store) -> None:
    from services.models import utcnow
    from services.sessions import SessionRecord

    store.put("5" * 64, SessionRecord("{}", 7, utcnow()), IDLE)
    store.put("5" * 64, SessionRecord("{}", None, utcnow()), IDLE)
    assert not store.redis.sismember(store._index(7), "5" * 64)
    store.delete("5" * 64)
    assert store.get("5" * 64) is None
