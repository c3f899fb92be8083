"""Reading uploaded tables (CSV and XLSX) and importing them."""
