"""Partner appeals: the list, one appeal in full, the forms and the figures."""
