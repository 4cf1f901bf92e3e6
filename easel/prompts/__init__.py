"""The prompt library's core, free of any UI: templates with variables, the JSON exchange format and the starter
library, and template batches submitted as ordinary jobs. Saved prompts live in easel.store.prompt_library."""
