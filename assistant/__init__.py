"""An offline, retrieval-augmented chat assistant with enforced citations.

Importing the package switches every library it uses to offline mode first
(see :mod:`assistant.offline`), so nothing reaches the network after set-up.
"""

from assistant import offline as _offline  # noqa: F401  (must run before any ML import)

__version__ = "0.1.0"
