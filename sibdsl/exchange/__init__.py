"""Phase 6, exchange: the contract to and from the files other tools read and write.

Input: an Excel rate card (rates.py), or a compiled `Contract` and, for the workbook, a settlement
(workbook.py, indigo.py). Output: .sib outcome declarations with located diagnostics naming sheet
and cell (SIB740-SIB746); an .xlsx workbook of the rate card, decisions and invoices with money
as exact numbers in the currency's format; a JSON document of the fields of the INDIGO project
data standard (Government Outcomes Lab) that the contract determines.
"""
