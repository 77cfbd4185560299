"""Services: build requests, call the transport, hand bytes to parsers."""
