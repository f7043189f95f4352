"""The --help of the scripts here: the script's docstring."""
import argparse


def argument_parser(doc):
    """An ArgumentParser whose --help is doc, a script's docstring: its first
    paragraph before the arguments, the rest after them as written."""
    description, epilog = doc.split("\n\n", 1)
    return argparse.ArgumentParser(description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
