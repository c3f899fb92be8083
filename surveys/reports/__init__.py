"""Reports of a scoring run: the XLSX workbook and the printable PDF, built from plain data."""
