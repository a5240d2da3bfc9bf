"""store: the content-addressed clip store and the build record in ``.storyboard/``."""

from .builds import BuildRecord, BuildRecords
from .claims import Claim
from .cliprecords import ClipRecord
from .clips import ClipStore, LocalClipStore
from .hashes import FileHasher
from .journal import Journal, JournalEntry
from .ledger import Ledger, LiveJob, Spend
from .state import DEFAULT_TAKE, SCHEMA_VERSION
from .store import STORE_DIR, Store
from .versions import Replaced, Versions, replaced_versions

__all__ = [
    "Store",
    "BuildRecord",
    "BuildRecords",
    "Claim",
    "ClipRecord",
    "ClipStore",
    "LocalClipStore",
    "Journal",
    "JournalEntry",
    "Ledger",
    "LiveJob",
    "Spend",
    "FileHasher",
    "STORE_DIR",
    "DEFAULT_TAKE",
    "SCHEMA_VERSION",
    "Replaced",
    "Versions",
    "replaced_versions",
]
