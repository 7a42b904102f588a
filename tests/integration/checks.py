"""What the Python integration checks share: a failed check prints a FAIL
line and the run goes on, so that every failure is shown; the exit status
then says whether any check failed."""
import sys

failures = []


def check(ok, message):
    """Records a failure unless `ok`; returns `ok`."""
    if not ok:
        print("FAIL:", message)
        failures.append(message)
    return ok


def give_up(message):
    """A failure after which the rest cannot run."""
    check(False, message)
    sys.exit(1)
