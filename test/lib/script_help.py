"""The argument parsing of the test scripts: --help from the script's docstring,
required options declared together."""
import argparse


def argument_parser(doc):
    """An ArgumentParser whose --help is doc, a script's docstring: its first
    paragraph before the arguments, the rest after them as written."""
    description, epilog = doc.split("\n\n", 1)
    return argparse.ArgumentParser(description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_required(parser, *options):
    """Adds each of options ("--model", ...) to parser as a required option
    that takes one value."""
    for option in options:
        parser.add_argument(option, required=True)
