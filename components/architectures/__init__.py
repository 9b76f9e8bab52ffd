"""The parameter-budget and block pages: the budget's controls as plain data, its figures
(pure), cached views of budgets and of the shapes through one block, and the figures that settle
their predictions (answers)."""
