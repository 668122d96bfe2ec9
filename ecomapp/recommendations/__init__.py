"""Product recommendations: co-purchase model, stored top-N, panel, nightly training."""
