"""An editor for tests: the real YAML language server (Red Hat's, as VS Code runs it) over LSP stdio.

pygls's language client speaks the protocol; :class:`Editor` runs it on an event loop of its own so
the tests stay plain functions. The server is the one `.ci/lsp/package-lock.json` pins (`.ci/run`
installs it with `npm ci`), or ``STORYBOARD_YAML_LS``, or a ``yaml-language-server`` on PATH.
Every wait is for a message the server sends, with a timeout: no sleeps.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
PINNED = ROOT / ".ci" / "lsp" / "node_modules" / ".bin" / "yaml-language-server"
WAIT = 10.0  # seconds for any one answer; the server answers in milliseconds once started
# what VS Code's YAML extension sends as `yaml` settings; no schema store: tests reach no network,
# and the file's own `$schema` line must be what brings the schema
YAML_SETTINGS = {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}
CAPABILITIES = lsp.ClientCapabilities(
    workspace=lsp.WorkspaceClientCapabilities(configuration=True),
    text_document=lsp.TextDocumentClientCapabilities(
        synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
        completion=lsp.CompletionClientCapabilities(
            completion_item=lsp.ClientCompletionItemOptions(
                snippet_support=True,
                commit_characters_support=True,
                documentation_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText],
                insert_replace_support=True,
                label_details_support=True,
            ),
            context_support=True,
        ),
        hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]),
        publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(related_information=True),
    ),
)


def yaml_language_server() -> str:
    """The server's executable, or a skip that says what is missing and how to get it."""
    if shutil.which("node") is None:
        pytest.skip("node not on PATH: the YAML language server runs on Node.js (apt-get install nodejs npm)")
    for found in (os.environ.get("STORYBOARD_YAML_LS"), str(PINNED), shutil.which("yaml-language-server")):
        if found and os.access(found, os.X_OK):
            return found
    pytest.skip("yaml-language-server not installed: run `npm ci --prefix .ci/lsp`")


class Editor:
    """One language server session: open and change documents, ask for completion, read diagnostics."""

    def __init__(self, server: str, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = LanguageClient("storyboard-tests", "1")
        self.published: defaultdict[str, asyncio.Queue[Sequence[lsp.Diagnostic]]] = defaultdict(asyncio.Queue)
        self.versions: dict[str, int] = {}
        self.info: lsp.InitializeResult | None = None

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri].put_nowait(params.diagnostics)

        @self.client.feature(lsp.WORKSPACE_CONFIGURATION)
        def configuration(params: lsp.ConfigurationParams) -> list[Any]:
            return [YAML_SETTINGS if item.section == "yaml" else None for item in params.items]

        self._run(self._start(server, root))

    async def _start(self, server: str, root: Path) -> None:
        await self.client.start_io(server, "--stdio")
        self.info = await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=CAPABILITIES,
                process_id=os.getpid(),
                root_uri=root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            )
        )
        self.client.initialized(lsp.InitializedParams())

    def _run(self, work: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(work, WAIT))

    def open(self, path: Path, text: str | None = None) -> str:
        """Open ``path`` as the editor would (its text from disk unless given); returns its URI."""
        uri = path.as_uri()
        self.versions[uri] = 1
        item = lsp.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text=path.read_text() if text is None else text
        )
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))
        return uri

    def change(self, uri: str, text: str) -> None:
        """Replace the document's whole text, as typing does in the end."""
        self.versions[uri] += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def diagnostics(self, uri: str) -> Sequence[lsp.Diagnostic]:
        """The next diagnostics the server publishes for ``uri`` (after an open or a change)."""
        result: Sequence[lsp.Diagnostic] = self._run(self.published[uri].get())
        return result

    def complete(self, uri: str, line: int, character: int) -> list[lsp.CompletionItem]:
        """The completion items at a (0-based) position."""
        params = lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=character),
            context=lsp.CompletionContext(trigger_kind=lsp.CompletionTriggerKind.Invoked),
        )
        answer = self._run(self.client.text_document_completion_async(params))
        if answer is None:
            return []
        return list(answer.items if isinstance(answer, lsp.CompletionList) else answer)

    def close(self) -> None:
        async def stop() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()

        try:
            self._run(stop())
        finally:
            self.loop.close()
