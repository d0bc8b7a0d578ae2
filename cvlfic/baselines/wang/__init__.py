"""Wang et al. 2019, scalable face compression: a descriptor base layer + a residual layer."""
