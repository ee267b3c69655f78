"""backprop-tutor: learn backpropagation by computing every value, local gradient and delta yourself."""

__version__ = "0.1.0"
