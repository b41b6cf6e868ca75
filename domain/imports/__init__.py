"""Rules for the ERP's CSV exports: which columns each kind has and what a valid row is.

Reading files and writing rows is infrastructure (``storage.importer``); deciding whether
a row is right, and saying clearly why not, is business and lives here.
"""

from domain.imports.kinds import KINDS, ImportContext, ImportKind, Kept, Reference
from domain.imports.rows import HeaderError, RowError, RowErrors, RowParser, unread_warning

__all__ = ["KINDS", "HeaderError", "ImportContext", "ImportKind", "Kept", "Reference", "RowError",
           "RowErrors", "RowParser", "unread_warning"]
