"""store: the content-addressed clip store and the build record in ``.storyboard/``."""

from .hashes import FileHasher
from .store import STORE_DIR, BuildRecord, JournalEntry, Store

__all__ = ["Store", "BuildRecord", "JournalEntry", "FileHasher", "STORE_DIR"]
