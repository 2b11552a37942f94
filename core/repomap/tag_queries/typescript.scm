; Declarations the wheel's tags.scm leaves out, and every use of a type name.
(type_alias_declaration name: (type_identifier) @name) @definition.type

(enum_declaration name: (identifier) @name) @definition.enum

(type_identifier) @name @reference.type

(internal_module) @scope
