"""Cost of the server-side consent check, in microseconds per call.

A site checks consent on every request, so the check must be cheap. Figures,
all measured in the same run and process:

- ``hmac.digest``: one HMAC-SHA256 of the bytes a token signs (its payload
  and timestamp); the floor any signed cookie pays. The reference.
- ``itsdangerous loads``: itsdangerous alone verifying the same kind of
  token (its key derivation, base64, JSON, expiry check).
- ``check, cold``: :meth:`ConsentChecker.check` on tokens it has never
  seen (full verification, payload validation, cache insertion and
  eviction).
- ``check, cached``: the same token again, as on a visitor's next request.
- ``check_cookie_header, cached``: from a realistic raw ``Cookie`` header.
- ``check_consent, cached``: the one-call form from the same header.

Each figure is the median, with min and max, of several rounds; every
round measures every figure once, in turn.

Run: ``.venv/bin/python -m bench.verify`` (``--rounds N``)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import time
import timeit
from typing import Any

from itsdangerous import URLSafeTimedSerializer

from banner.check import ConsentChecker, check_consent
from banner.core.token import TokenCodec, salt_for
from bench.figures import Spread, ratio
from bench.machine import describe
from bench.table import markdown

SITE = "tokodemo"
KEYS = ["bench-old-key-0123456789abcdef0123456789", "bench-new-key-fedcba9876543210fedcba98"]
POLICY = 3
DAYS = 180
GRANTED = ["functional", "analytics"]
COLD_TOKENS = 5_000
WARM_CALLS = 200_000
HMAC_CALLS = 100_000
ROUNDS = 9


def tokens(count: int) -> list[str]:
    """``count`` distinct tokens, as distinct visitors would send."""
    codec = TokenCodec(SITE, KEYS, POLICY, DAYS * 86400)
    return [codec.sign(f"bench-visitor-{n:012d}", GRANTED)[0] for n in range(count)]


def cookie_header(token: str) -> str:
    """A shop's usual cookies around the consent cookie."""
    return (
        "_ga=GA1.1.123456789.1700000000; _ga_ABC123XYZ9=GS1.1.1700000000.1.0.1700000000.0.0.0; "
        f"session=eyJjYXJ0IjpbXX0.ZmFrZQ.c2lnbmF0dXJl; banner_consent={token}; lang=id"
    )


def checker() -> ConsentChecker:
    return ConsentChecker(SITE, KEYS, policy_version=POLICY, consent_days=DAYS)


def interleaved(timers: dict[str, tuple[timeit.Timer, int]], rounds: int) -> dict[str, Spread]:
    """Microseconds per call of every timer; each round runs every timer once.

    Interleaving keeps the figures of one round under the same machine load,
    so their ratios stay fair on a shared machine.
    """
    samples: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(rounds):
        for name, (timer, calls) in timers.items():
            samples[name].append(timer.timeit(calls) / calls * 1e6)
    return {name: Spread.of(values) for name, values in samples.items()}


def measure(rounds: int) -> dict[str, Spread]:
    """Every figure, in the order of the table."""
    cold = tokens(COLD_TOKENS)
    token = cold[0]
    signed = token.rsplit(".", 1)[0].encode()
    serializer = URLSafeTimedSerializer(
        KEYS, salt=salt_for(SITE), signer_kwargs={"digest_method": hashlib.sha256}
    )
    warm = checker()
    names: dict[str, Any] = {
        "digest": hmac.digest,
        "key": KEYS[-1].encode(),
        "signed": signed,
        "loads": serializer.loads,
        "token": token,
        "cold": cold,
        "checker": checker,
        "check": warm.check,
        "check_header": warm.check_cookie_header,
        "check_consent": check_consent,
        "header": cookie_header(token),
        "SITE": SITE,
        "KEYS": KEYS,
        "POLICY": POLICY,
        "max_age": DAYS * 86400,
    }
    assert warm.check(token) is not None and warm.check_cookie_header(names["header"]) is not None
    fresh = "verify = checker().check; visitors = iter(cold)"
    one_call = "check_consent(SITE, KEYS, cookie_header=header, policy_version=POLICY)"

    def timer(stmt: str, calls: int, setup: str = "pass") -> tuple[timeit.Timer, int]:
        return timeit.Timer(stmt, setup, timer=time.perf_counter, globals=names), calls

    timers = {
        "hmac.digest (reference)": timer("digest(key, signed, 'sha256')", HMAC_CALLS),
        "itsdangerous loads": timer("loads(token, max_age=max_age)", COLD_TOKENS),
        "check, cold": timer("verify(next(visitors))", COLD_TOKENS, fresh),
        "check, cached": timer("check(token)", WARM_CALLS),
        "check_cookie_header, cached": timer("check_header(header)", WARM_CALLS),
        "check_consent, cached": timer(one_call, WARM_CALLS),
    }
    return interleaved(timers, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per figure")
    rounds = parser.parse_args().rounds
    figures = measure(rounds)
    reference = figures["hmac.digest (reference)"].median
    itsdangerous = figures["itsdangerous loads"].median
    rows = [
        [name, spread.show(2), ratio(spread.median, reference), ratio(spread.median, itsdangerous)]
        for name, spread in figures.items()
    ]
    headers = ["figure", "µs per call, median (min-max)", "vs hmac.digest", "vs itsdangerous"]
    print(markdown(headers, rows))
    print(
        f"\n{rounds} rounds; cold: {COLD_TOKENS} distinct tokens per round, fresh cache;"
        f" cached: {WARM_CALLS} calls per round. Token {len(tokens(1)[0])} bytes,"
        f" keys [old, new].\n{describe()}"
    )


if __name__ == "__main__":
    main()
