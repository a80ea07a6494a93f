"""The embedded mode behind `make run`: localkube plus every control-plane process on one machine."""
