"""The shared vocabulary every layer speaks: value types, the exception tree, and where settings come from."""
