"""Expenses: free text and bank files in, categorised expenses out, learning from corrections.

`ExpensesService(workbench)` is the face: add, import, list, fix, rules, report, export.
Each line goes through rules, then the nearest confirmed transactions, then (only when
neither decides) the classifier persona; confirmed expenses go to the user's sink command.
"""
