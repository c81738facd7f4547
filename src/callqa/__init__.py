"""callqa: offline speech analytics and compliance QA for debt-collection calls."""

__version__ = "0.1.0"
