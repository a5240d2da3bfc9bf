"""store: the content-addressed clip store and the build record in ``.storyboard/``."""

from .hashes import FileHasher
from .store import STORE_DIR, BuildRecord, Store

__all__ = ["Store", "BuildRecord", "FileHasher", "STORE_DIR"]
