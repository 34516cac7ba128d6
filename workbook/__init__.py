"""The Excel planning template: one layout, written by `writer` and read by `reader`."""
