"""A local stand-in for every provider Easel speaks to, byte-faithful to ../shared/providers/ docs.

It serves the Demo provider and every integration and end-to-end test. Modules:
routes (prefixes, the app), openai_api / icodeeasy_api / gccai_api (one per wire dialect), common (recording,
auth, faults around every route), faults (error shapes), render (result images), state (settings, records),
control (/_sim/*), server (SimulatorServer), local (ensure_simulator, serve).
"""
