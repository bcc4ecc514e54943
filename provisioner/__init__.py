"""provisioner: declarative infrastructure-as-code for communications platforms."""

__version__ = "0.1.0"
