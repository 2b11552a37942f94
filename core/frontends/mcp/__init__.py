"""The MCP server: Ingle's local personas and gates as tools for Claude Code and other clients.

`server.build_server` registers the tools; `ingle mcp` (core/frontends/commands/mcp.py)
runs it over stdio. Each tool is a thin wrapper over one module here or over
core.texttools, and every model call goes through the workbench's persona caller, so it
lands in the ledger.
"""
