"""The course machinery: exercise checks per notebook and outputs recorded for the tests."""
