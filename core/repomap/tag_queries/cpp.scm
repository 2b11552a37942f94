; The wheel's tags.scm has definitions only: calls, types and macros are the references.
(call_expression function: (identifier) @name) @reference.call

(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call

(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call

(call_expression function: (template_function name: (identifier) @name)) @reference.call

(new_expression type: (type_identifier) @name) @reference.class

(type_identifier) @name @reference.type

(preproc_function_def name: (identifier) @name) @definition.macro

(preproc_def name: (identifier) @name) @definition.constant

(namespace_definition) @scope
