"""Generators of the bundled offline snapshot (`sources/samples/`): every number in it is synthetic.

Run one from the project root, e.g. `python -m tools.samples.generate_ees`; each is deterministic, and the tests
check that the bundled files are exactly what the generators write.
"""

from pathlib import Path

# Where the offline transport adapter (`sources.sample_adapter`) reads the snapshot from: host/path per URL.
SAMPLES = Path(__file__).resolve().parents[2] / "sources" / "samples"
