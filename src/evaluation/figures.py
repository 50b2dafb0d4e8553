# Figures of the report: written by the report helper.
