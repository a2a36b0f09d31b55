"""Trusted documents (persisted queries by sha256) over HTTP: on by configuration, enforced for
the configured roles, hash-only requests for everyone; off: anything goes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import connect

from api.app import create_app
from api.auth_settings import AuthSettings, AuthSettingsError
from api.settings import Settings
from schema.security.trusted import document_hash
from tests.api.test_app import running
from tests.api.test_auth_http import PROTOCOL, served
from tests.auth_helpers import TEST_AUTH, bearer, token_for

KNOWN = "query Lines { productLines { code } }"
OTHER = "{ territories { code } }"


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({document_hash(KNOWN): KNOWN}))
    return path


def app_with(pool: asyncpg.Pool, auth: AuthSettings) -> Starlette:
    return create_app(Settings(auth=auth), pool=pool)


async def post(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json=body, headers=bearer(token))
    return response.json()


def by_hash(digest: str) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


async def test_partners_may_only_send_trusted_documents(
    seeded_pool: asyncpg.Pool, documents: Path
) -> None:
    partner = token_for("PARTNER", partner_id=1)
    auth = replace(TEST_AUTH, trusted_documents=documents)
    async with running(app_with(seeded_pool, auth)) as client:
        known_text = await post(client, partner, {"query": KNOWN})
        known_hash = await post(client, partner, by_hash(document_hash(KNOWN)))
        document_id = await post(
            client,
            partner,
            {"extensions": {"documentId": f"sha256:{document_hash(KNOWN)}"}},
        )
        other = await post(client, partner, {"query": OTHER})
        unknown = await post(client, partner, by_hash("0" * 64))
        mismatch = await post(client, partner, {"query": OTHER, **by_hash(document_hash(KNOWN))})
        admin_other = await post(client, token_for("ADMIN"), {"query": OTHER})
    for answer in (known_text, known_hash, document_id):
        assert len(answer["data"]["productLines"]) == 8
    assert other["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENTS_ONLY"
    assert other["errors"][0]["message"].startswith(
        "Only trusted documents are accepted for PARTNER"
    )
    assert "data" not in other or other["data"] is None
    assert unknown["errors"][0]["message"] == f"No trusted document has hash {'0' * 64}"
    assert mismatch["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_MISMATCH"
    assert len(admin_other["data"]["territories"]) > 0  # ADMIN is not restricted


async def test_trusted_documents_off_by_default(seeded_pool: asyncpg.Pool) -> None:
    async with running(app_with(seeded_pool, TEST_AUTH)) as client:
        untrusted = {"query": "{ me { role } }"}  # a partner-portal document, not in any store
        answer = await post(client, token_for("PARTNER", partner_id=1), untrusted)
    assert "errors" not in answer


async def test_trusted_documents_over_websocket(seeded_pool: asyncpg.Pool, documents: Path) -> None:
    auth = replace(TEST_AUTH, trusted_documents=documents)
    init = {
        "type": "connection_init",
        "payload": {"token": token_for("PARTNER", partner_id=1)},
    }
    async with (
        served(app_with(seeded_pool, auth)) as address,
        connect(f"ws://{address}/graphql", subprotocols=PROTOCOL) as ws,
    ):
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        for id_, query in (("1", OTHER), ("2", KNOWN)):
            await ws.send(json.dumps({"type": "subscribe", "id": id_, "payload": {"query": query}}))
        refused, allowed = json.loads(await ws.recv()), json.loads(await ws.recv())
    assert refused["id"] == "1"
    assert refused["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENTS_ONLY"
    assert allowed["id"] == "2"
    assert len(allowed["payload"]["data"]["productLines"]) == 8


def test_a_bad_documents_file_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"abc": KNOWN}))
    with pytest.raises(AuthSettingsError, match="abc is not the sha256 of its document"):
        AuthSettings.from_env({"ALLOT_TRUSTED_DOCUMENTS": str(path)})
