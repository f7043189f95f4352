"""python3 -m sinktrace F.sinktrace: a short overview of a trace."""

import sys

import sinktrace


def main(argv=None):
    argv = sys.argv if argv is None else argv
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: python3 -m sinktrace F.sinktrace", file=sys.stderr)
        return 2
    try:
        trace = sinktrace.load(argv[1])
    except (OSError, sinktrace.TraceError) as error:
        print(f"sinktrace: error: {error}", file=sys.stderr)
        return 1
    print(f"{trace.model['name']}: {len(trace.records)} records")
    intervention = trace.model.get("intervention")
    if intervention:
        print(f"intervention: {intervention['spec']}"
              + (f" (reference {intervention['steer_vector']})"
                 if intervention["steer_vector"] else ""))
    for index, record in enumerate(trace.records):
        flagged = record.sinks[record.sinks["kind"] != "none"]
        described = ", ".join(
            f"{sink['position']}:{sink['kind']}" for sink in flagged)
        print(f"record {index}: {record.sequence_length} tokens; "
              f"sinks {described or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
