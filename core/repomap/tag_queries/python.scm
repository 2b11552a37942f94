; Base classes, decorators and type annotations refer to definitions as much as calls do.
(class_definition
  superclasses: (argument_list
    [(identifier) @name
     (attribute attribute: (identifier) @name)])) @reference.class

(decorator [(identifier) @name
            (attribute attribute: (identifier) @name)
            (call function: [(identifier) @name
                             (attribute attribute: (identifier) @name)])]) @reference.call

(type (identifier) @name) @reference.type
