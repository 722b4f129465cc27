"""Shared test setup: hypothesis profiles.

`make test` uses the "default" profile (fast); `make fuzz` runs the fuzzers with
HYPOTHESIS_PROFILE=fuzz, which multiplies the number of random graphs checked.
"""

import os

from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("fuzz", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
