"""Pure domain rules: money, tax, cart maths, state machines, errors. Standard library only."""
