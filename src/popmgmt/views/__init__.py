"""Page models (pure figures for one choice of zone/circle/year), their charts, maps, tables and
Dutch display text."""
