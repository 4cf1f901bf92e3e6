"""Everything that speaks to a provider: profiles, sizes, requests, wire dialects, the HTTP client, pricing."""
