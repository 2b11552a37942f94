"""Text tools: classify a text into given labels, summarise it, translate it, each one
persona call through the workbench's persona caller (`TextTools`), returning pydantic
models with what the call cost. The MCP server's text tools are adapters over these."""
