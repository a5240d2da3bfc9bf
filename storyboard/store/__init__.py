"""store: the content-addressed clip store and the build record in ``.storyboard/``."""

from .hashes import FileHasher
from .store import STORE_DIR, BuildRecord, Claim, JournalEntry, Store

__all__ = ["Store", "BuildRecord", "Claim", "JournalEntry", "FileHasher", "STORE_DIR"]
