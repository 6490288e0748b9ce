"""Unit tests' settings: Hypothesis without its per-example deadline.

The rules are pure and fast, but the machine is shared (and `make mutation` runs these tests
through mutmut's trampolines, several at once): an example that takes 800 ms there failed
Hypothesis's default 200 ms deadline, which stopped mutmut at its first step ("failed to
collect stats"). What a property checks does not depend on how fast it ran.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("unit", deadline=None)
settings.load_profile("unit")
