"""The package version, in a module of its own so any floor of the house can read it without importing
the package root (``from rnnkit._version import __version__``)."""

__version__ = "0.2.0"
