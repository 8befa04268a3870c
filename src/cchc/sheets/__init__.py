"""The files people exchange as tables, below every domain: reading CSV, XLSX and JSON rows with their row
numbers (tabular), writing cells that are data, never formulas (cells), an uploaded file saved and handed to an
importer (uploaded), and the progress of a long import or export (progress). It imports no domain."""
