"""Live forms of the source connectors: the meeting system's HTTP API and the performance DB.

These modules only fetch. They return plain records (raw text + parsed values) and a
watermark; the caller validates, persists the events, and only then stores the watermark.
"""
