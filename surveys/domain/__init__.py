"""Pure domain rules and vocabularies: no database, no framework."""
