; Every use of a type name; an impl block is the scope its methods are shown under.
(type_identifier) @name @reference.type

(impl_item) @scope
