"""HTTP interface of the content service: each view validates, calls one service, returns JSON."""
