"""Trusted documents (persisted queries by sha256): on by configuration, for chosen roles.

The store is a JSON file ``{"<sha256 of the document>": "<document>", ...}``, checked on load.
A client sends either the document itself (its hash must be in the store) or only the hash, as
``extensions: {"persistedQuery": {"version": 1, "sha256Hash": "..."}}`` (Apollo's form) or
``extensions: {"documentId": "sha256:..."}``. Roles outside ``roles`` may still send any
document, and may use a hash too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strawberry.extensions import SchemaExtension

from db.principal import Role
from schema.security.refusal import refuse

TRUSTED_DOCUMENTS_SCOPE_KEY = "allot.trusted_documents"
"""Scope key under which the api layer leaves the store for this request."""


class Untrusted(Exception):
    """A request the store refuses: ``code`` and a message for the client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TrustedDocumentsError(ValueError):
    """The trusted documents file is unreadable or a hash does not match its document."""


def document_hash(document: str) -> str:
    """The sha256 (hex) of a document's text, as stored and as sent by clients."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrustedDocuments:
    """The allowed documents by hash, and the roles that may send nothing else."""

    documents: Mapping[str, str]
    roles: frozenset[Role]

    @classmethod
    def load(cls, path: Path, roles: frozenset[Role]) -> TrustedDocuments:
        """Read and check the file: every key must be the sha256 of its document."""
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrustedDocumentsError(f"{path}: not a readable JSON file: {exc}") from None
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise TrustedDocumentsError(f"{path}: must be a JSON object of hash -> document")
        for key, document in raw.items():
            if document_hash(document) != key.removeprefix("sha256:"):
                raise TrustedDocumentsError(f"{path}: {key} is not the sha256 of its document")
        return cls({k.removeprefix("sha256:"): v for k, v in raw.items()}, roles)

    def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, role: Role | None
    ) -> str | None:
        """The document to run: the stored one for a hash, or ``query`` if allowed."""
        wanted = _requested_hash(extensions)
        if wanted is not None:
            stored = self.documents.get(wanted)
            if stored is None:
                raise _error("PERSISTED_QUERY_NOT_FOUND", f"No trusted document has hash {wanted}")
            if query is not None and document_hash(query) != wanted:
                raise _error("PERSISTED_QUERY_MISMATCH", "The query does not match its hash")
            return stored
        if query is None:
            return None
        restricted = role is None or role in self.roles
        if restricted and document_hash(query) not in self.documents:
            who = role.value if role is not None else "anonymous callers"
            raise _error(
                "TRUSTED_DOCUMENTS_ONLY",
                f"Only trusted documents are accepted for {who}: send a known document or "
                "its sha256 in extensions.persistedQuery.sha256Hash",
            )
        return query


def _requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if isinstance(persisted, Mapping) and isinstance(persisted.get("sha256Hash"), str):
        return str(persisted["sha256Hash"]).lower()
    document_id = extensions.get("documentId")
    if isinstance(document_id, str):
        return document_id.removeprefix("sha256:").lower()
    return None


def _error(code: str, message: str) -> Untrusted:
    return Untrusted(code, message)


class TrustedDocumentsGate(SchemaExtension):
    """Swap a hash for its document and refuse untrusted documents, when a store is set."""

    def on_operation(self) -> Iterator[None]:
        """Resolve the document before parsing (a refusal is a GraphQL error)."""
        context = self.execution_context.context
        request = getattr(context, "request", None)
        store = request.scope.get(TRUSTED_DOCUMENTS_SCOPE_KEY) if request is not None else None
        if isinstance(store, TrustedDocuments):
            principal = getattr(context, "principal", None)
            try:
                self.execution_context.query = store.resolve(
                    self.execution_context.query,
                    self.execution_context.operation_extensions,
                    principal.role if principal is not None else None,
                )
            except Untrusted as refused:
                refuse(self.execution_context, str(refused), refused.code)
        yield
