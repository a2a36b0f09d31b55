"""Costs of the security layer per request: token verification (HS256, RS256) and the query
cost walk. Prints figures; no database needed.

    .venv/bin/python -m bench.security
"""

from __future__ import annotations

import time
import timeit
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import get_operation_ast, parse

from api.auth import TokenVerifier, mint_token
from api.auth_settings import AuthSettings, SecretText
from db.principal import Role
from schema import schema
from schema.security.limits import operation_cost

QUERY = """
query ($n: Int!) { partners(first: $n) { edges { node { name tier territories { code
  partners(first: 10) { edges { node { name competencies { attachRate } } } } } } } } }
"""


def per_call_us(func: Any, number: int = 2000) -> float:
    """Mean microseconds per call of ``func`` over ``number`` calls."""
    return timeit.timeit(func, number=number) / number * 1e6


def main() -> None:
    """Print the figures."""
    hs = AuthSettings(jwt_secret=SecretText("bench-secret-" + "x" * 32))
    hs_token = mint_token(hs, subject="bench", role=Role.VIEWER)
    hs_verifier = TokenVerifier(hs)
    print(f"HS256 verify: {per_call_us(lambda: hs_verifier.verify(hs_token)):.0f} us")

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with TemporaryDirectory() as folder:
        pem = Path(folder) / "idp.pem"
        pem.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        rs_verifier = TokenVerifier(AuthSettings(jwt_public_key_file=pem))
    now = int(time.time())
    claims = {"sub": "b", "role": "VIEWER", "iss": "allot", "aud": "allot", "exp": now + 600}
    rs_token = jwt.encode(claims, key, algorithm="RS256")
    print(f"RS256 verify: {per_call_us(lambda: rs_verifier.verify(rs_token)):.0f} us")

    document = parse(QUERY)
    operation = get_operation_ast(document)
    assert operation is not None
    graphql_schema = schema._schema
    cost = operation_cost(graphql_schema, document.definitions, operation, {"n": 20})

    def walk() -> int:
        return operation_cost(graphql_schema, document.definitions, operation, {"n": 20})

    print(f"cost walk of a 3-level query (cost {cost}): {per_call_us(walk):.0f} us")


if __name__ == "__main__":
    main()
