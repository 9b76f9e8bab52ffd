"""The parameter-budget and block pages: the budget's controls as plain data, its figures
(pure), and cached views of budgets and of the shapes through one block."""
