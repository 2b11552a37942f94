; Declarations the wheel's tags.scm leaves out, and every use of a type name.
(enum_declaration name: (identifier) @name) @definition.class

(record_declaration name: (identifier) @name) @definition.class

(annotation_type_declaration name: (identifier) @name) @definition.interface

(type_identifier) @name @reference.type
