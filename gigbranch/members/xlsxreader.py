"""The roster's fast sheet reader now lives in the import framework
(`gigbranch.core.imports.xlsxreader`); this name stays for existing callers."""

from gigbranch.core.imports.xlsxreader import Sheet, XlsxError

__all__ = ["Sheet", "XlsxError"]
