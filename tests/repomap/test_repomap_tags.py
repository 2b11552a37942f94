"""Definitions and references found by tree-sitter, for every language the map reads."""

from __future__ import annotations

import textwrap

import pytest

from ingle.core.repomap.languages import EXTENSIONS, Grammars, language_for
from ingle.core.repomap.tags import ParsedFile, extract_tags

SAMPLES: dict[str, str] = {
    "python": """
        class Inventory:
            def add_item(self, name):
                return normalise(name)

        def normalise(x):
            return x

        class Special(Inventory):
            pass

        LIMIT = 10
        """,
    "go": """
        package shop

        type Inventory struct {
            items []string
        }

        func (inv *Inventory) AddItem(name string) {
            inv.items = append(inv.items, normalise(name))
        }

        func normalise(s string) string { return s }
        """,
    "java": """
        public class Inventory {
            public void addItem(String name) {
                Helper.normalise(name);
            }
        }
        interface Shop { void open(); }
        enum Colour { RED }
        """,
    "javascript": """
        class Inventory {
          addItem(name) {
            return normalise(name);
          }
        }
        function normalise(s) { return s.trim(); }
        const total = (xs) => xs.length;
        """,
    "typescript": """
        interface Item { name: string }
        type Id = number;
        enum Colour { Red }
        class Inventory {
          add(item: Item): void {
            normalise(item.name);
          }
        }
        function normalise(s: string): string { return s; }
        """,
    "tsx": """
        interface Props { label: string }
        function Badge(props: Props) {
          return <div>{format(props.label)}</div>;
        }
        """,
    "rust": """
        pub struct Inventory {
            items: Vec<String>,
        }

        impl Inventory {
            pub fn add_item(&mut self, name: &str) {
                self.items.push(normalise(name));
            }
        }

        fn normalise(s: &str) -> String { s.to_string() }
        """,
    "c": """
        struct inventory { int count; };
        typedef struct inventory inventory_t;
        #define MAX_ITEMS 10
        static int normalise(int x) { return x; }
        int add_item(inventory_t *inv) { return normalise(inv->count); }
        """,
    "cpp": """
        namespace shop {
        class Inventory {
         public:
          void addItem(int n);
        };
        int normalise(int n) { return n; }
        void Inventory::addItem(int n) { normalise(n); }
        }
        """,
}

# language -> (definitions that must be found, references that must be found)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "python": ({"Inventory", "add_item", "normalise", "Special", "LIMIT"}, {"normalise", "Inventory"}),
    "go": ({"Inventory", "AddItem", "normalise"}, {"normalise", "append", "Inventory"}),
    "java": ({"Inventory", "addItem", "Shop", "open", "Colour"}, {"normalise", "String"}),
    "javascript": ({"Inventory", "addItem", "normalise", "total"}, {"normalise", "trim"}),
    "typescript": ({"Item", "Id", "Colour", "Inventory", "add", "normalise"}, {"normalise", "Item"}),
    "tsx": ({"Props", "Badge"}, {"format", "Props"}),
    "rust": ({"Inventory", "add_item", "normalise"}, {"normalise", "push", "Inventory", "String"}),
    "c": ({"inventory", "inventory_t", "MAX_ITEMS", "normalise", "add_item"}, {"normalise", "inventory_t"}),
    "cpp": ({"Inventory", "addItem", "normalise"}, {"normalise"}),
}  # fmt: skip


@pytest.fixture(scope="module")
def grammars() -> Grammars:
    return Grammars()


def _parse(language: str, grammars: Grammars) -> ParsedFile:
    source = textwrap.dedent(SAMPLES[language]).lstrip("\n").encode()
    return extract_tags(source, language, grammars)


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_definitions_and_references_per_language(language: str, grammars: Grammars) -> None:
    parsed = _parse(language, grammars)
    wanted_defs, wanted_refs = EXPECTED[language]
    assert wanted_defs <= set(parsed.tags.names), set(parsed.tags.names)
    assert wanted_refs <= set(parsed.tags.refs), set(parsed.tags.refs)
    # Every definition line has its text, for rendering without rereading the file.
    assert all(line in parsed.outline.texts for line in parsed.tags.lines)


def test_a_definition_is_not_its_own_reference(grammars: Grammars) -> None:
    # Rust's `(type_identifier) @reference.type` also matches the struct's own name.
    parsed = _parse("rust", grammars)
    # Inventory is used once, by `impl Inventory`, not also by `struct Inventory`.
    assert parsed.tags.refs["Inventory"] == 1


def test_methods_carry_their_enclosing_headers(grammars: Grammars) -> None:
    python = _parse("python", grammars)
    add_item = python.tags.lines[python.tags.names.index("add_item")]
    assert python.outline.scopes[add_item] == (0,)
    assert python.outline.texts[0] == "class Inventory:"

    rust = _parse("rust", grammars)
    method = rust.tags.lines[rust.tags.names.index("add_item")]
    headers = [rust.outline.texts[h] for h in rust.outline.scopes[method]]
    assert headers == ["impl Inventory {"]

    cpp = _parse("cpp", grammars)
    declared = min(line for name, line in zip(cpp.tags.names, cpp.tags.lines) if name == "addItem")
    headers = [cpp.outline.texts[h] for h in cpp.outline.scopes[declared]]
    assert headers == ["namespace shop {", "class Inventory {"]


def test_reference_counts_add_up(grammars: Grammars) -> None:
    source = b"def f():\n    g()\n    g()\n    h.g()\n"
    parsed = extract_tags(source, "python", grammars)
    assert parsed.tags.refs == {"g": 3}


def test_long_lines_are_cut(grammars: Grammars) -> None:
    source = ("def " + "x" * 300 + "():\n    pass\n").encode()
    parsed = extract_tags(source, "python", grammars)
    assert len(parsed.outline.texts[0]) == 100


def test_broken_source_still_yields_what_parses(grammars: Grammars) -> None:
    source = b"def fine():\n    pass\n\ndef broken(:\n    ]]]\n\nclass Later:\n    pass\n"
    parsed = extract_tags(source, "python", grammars)
    assert {"fine", "Later"} <= set(parsed.tags.names)


def test_extensions_map_to_languages() -> None:
    assert language_for("src/app.TSX") == "tsx"
    assert language_for("include/shop.h") == "cpp"
    assert language_for("Makefile") is None
    assert language_for("dir.d/README") is None
    assert set(EXTENSIONS.values()) == set(SAMPLES)
