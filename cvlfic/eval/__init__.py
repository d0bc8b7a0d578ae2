"""LFW verification benchmark: pairs and crops, the protocol, BD-rate, sweeps, reports and
the ``cvlfic bench`` command."""
