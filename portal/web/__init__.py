"""What every blueprint's views share: guards (who may call a view), loaders (the record a view
works on, or 404) and the transaction helper (commit, or roll back and show the domain error).
See docs/ARCHITECTURE.md, "Writing a view"."""
