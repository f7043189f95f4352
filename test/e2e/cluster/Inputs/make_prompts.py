"""Prints N deterministic text prompts (one per line, --prompts-file format)
of 20-240 bytes for the byte-level trained Llama: words, digits and
punctuation drawn from a fixed list."""

import random
import sys

WORDS = ("the model attends to the first token . , ; : and then a sink appears "
         "in layer two when every query looks back at the start of the text "
         "# @ data 1 2 3 42 sinks are tokens that receive most attention "
         "corpus shard cluster node task array job prompt batch").split()


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    for _ in range(count):
        length = rng.randint(20, 240)
        words = []
        while len(" ".join(words)) < length:
            words.append(rng.choice(WORDS))
        print(" ".join(words)[:length].strip())


if __name__ == "__main__":
    main()
