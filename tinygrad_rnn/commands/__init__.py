"""The subcommands of `tinygrad-rnn`, one module each (see cli.py).

Each module has `add_command(subparsers)`, which declares the command's flags and sets
`run=<function>`; the function returns the exit status. Only cli.py imports these
modules, and they are the only part of tinygrad_rnn that may use `viz` (the engine
never does).
"""
