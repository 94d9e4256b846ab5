"""The app's sign-in throttle (:mod:`question_bank.services.throttle`) over the configured store:
Redis when ``REDIS_URL`` is set (production: every host shares it), else the database."""

from __future__ import annotations

from flask import current_app

from examsvc import database
from examsvc.extensions import clock
from question_bank.services.throttle import (
    ACCOUNT_LIMIT,
    ACCOUNT_WIDE_LIMIT,
    ADDRESS_LIMIT,
    DatabaseFailureStore,
    RedisFailureStore,
    Throttle,
    parse_limit,
)

_KEY = "examsvc.redis"


def _redis():
    client = current_app.extensions.get(_KEY)
    if client is None:
        import redis

        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=5)
        current_app.extensions[_KEY] = client
    return client


def throttle() -> Throttle:
    """The throttle for this request."""
    config = current_app.config
    store = (RedisFailureStore(_redis()) if config.get("REDIS_URL")
             else DatabaseFailureStore(database.session(), commit=database.commit))
    return Throttle(store, clock(), parse_limit(config.get("THROTTLE_ACCOUNT"), ACCOUNT_LIMIT),
                    parse_limit(config.get("THROTTLE_ADDRESS"), ADDRESS_LIMIT),
                    parse_limit(config.get("THROTTLE_ACCOUNT_WIDE"), ACCOUNT_WIDE_LIMIT))
