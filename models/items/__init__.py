"""整改事项: the finding, its lifecycle table and commands, evidence, extensions."""
