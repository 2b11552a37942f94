"""The MCP server: Ingle's local personas and gates as tools for Claude Code and other clients.

`server.build_server` registers the tools; `ingle mcp` (core/commands/mcp.py) runs it
over stdio. Each tool is a thin wrapper over one module here, and every model call
goes through `core.backends.recorded.recorded_stream`, so it lands in the ledger.
"""
