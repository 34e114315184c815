"""Live replies: the events a running turn sends, and where it sends them (WebSocket)."""
