"""Tree-sitter queries Ingle adds to the grammar wheels' own tags.scm.

Each `<language>.scm` here is appended to that wheel's tags.scm: it fills gaps (C and
C++ ship definitions only, no references) and adds `@scope` captures for containers
that are not definitions themselves (a Rust `impl` block, a C++ namespace), so the
map can show a method under the header of the block it lives in.
"""
